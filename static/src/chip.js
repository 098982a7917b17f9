// The sync chip in the header, the queue it opens, and signing out.
import { signOut } from "./holder.js";
import { database } from "./store.js";
import { status, syncNow } from "./sync.js";
import { fill } from "./text.js";
import { clockTime } from "./time.js";

async function renderChip(chip) {
  const now = await status();
  let text;
  // Offline is the normal state of a tablet, not a failure: only a failure online says so.
  const failed = now.lastError && now.waiting && navigator.onLine;
  // Nothing waiting is not "all synced" until the first pull has brought the server's data.
  const state = failed ? "failed" : now.waiting ? "waiting" : now.lastSyncAt ? "synced" : "never";
  if (state === "failed") text = fill(chip.dataset.failed, { reason: now.lastError });
  else if (state === "waiting") text = fill(chip.dataset.waiting, { n: now.waiting });
  else if (state === "never") text = chip.dataset.never;
  else text = chip.dataset.synced;
  if (now.refused) text += ` · ${fill(chip.dataset.refused, { n: now.refused })}`;
  let last = "";
  if (now.lastSyncAt) last = fill(chip.dataset.last, { time: clockTime(now.lastSyncAt) });
  else if (state !== "never") last = chip.dataset.never;
  chip.querySelector(".chip-state").textContent = text;
  chip.querySelector(".chip-time").textContent = last;
  chip.dataset.state = state;
  chip.dataset.waitingCount = String(now.waiting);
}

function item(text, ...buttons) {
  const li = document.createElement("li");
  const span = document.createElement("span");
  span.textContent = text;
  li.append(span, ...buttons);
  return li;
}

function button(label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}

const SUMMARY_LENGTH = 24;

/** A waiting change as a person names it: its job's words, what it says, when. */
function nameOf(dialog, mutation) {
  const named = JSON.parse(dialog.dataset.names || "{}")[mutation.name];
  if (!named) return mutation.name;
  const summary = named.summary ? String(mutation.args[named.summary] ?? "") : "";
  const short = [...summary].length > SUMMARY_LENGTH ? `${[...summary].slice(0, SUMMARY_LENGTH).join("")}…` : summary;
  return [named.label, short].filter(Boolean).join(" · ");
}

/** Fill one list of the queue; the sentence under it says when the list is empty. */
function fillList(dialog, id, items) {
  const list = dialog.querySelector(`#${id}`);
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
  dialog.querySelector(`[data-empty-of="${id}"]`).hidden = items.length > 0;
}

async function renderQueue(dialog) {
  const db = await database();
  const waiting = await db.getAll("outbox");
  fillList(
    dialog,
    "queue-waiting",
    waiting.map((mutation) => item(`${nameOf(dialog, mutation)} · ${clockTime(mutation.device_time)}`)),
  );
  const refused = await db.getAll("refused");
  fillList(
    dialog,
    "queue-refused",
    refused.map((mutation) =>
      item(
        `${nameOf(dialog, mutation)} · ${clockTime(mutation.device_time)}: ${mutation.message || mutation.reason}`,
        button(dialog.dataset.copy, () => navigator.clipboard?.writeText(JSON.stringify(mutation.args))),
        button(dialog.dataset.discard, async () => {
          await db.delete("refused", mutation.id);
          document.dispatchEvent(new CustomEvent("kefu:changed"));
        }),
      ),
    ),
  );
}

/** "Sync now" answers in words: offline it says the sync will come by itself. */
function askToSync(line) {
  if (!navigator.onLine) {
    line.textContent = line.dataset.offline;
    return;
  }
  line.textContent = line.dataset.syncing;
  line.dataset.pending = "true";
  syncNow();
}

/** After a sync this dialog asked for (here or by the tab that leads), say how it went. */
async function reportSync(line, chip) {
  if (navigator.onLine && line.textContent === line.dataset.offline) line.textContent = "";
  if (line.dataset.pending !== "true") return;
  delete line.dataset.pending;
  const now = await status();
  line.textContent =
    now.lastError && now.waiting ? fill(chip.dataset.failed, { reason: now.lastError }) : line.dataset.done;
}

export function startChip() {
  const chip = document.getElementById("sync-chip");
  const dialog = document.getElementById("sync-queue");
  if (!chip || !dialog) return;
  const line = dialog.querySelector(".queue-status");
  const refresh = () => {
    renderChip(chip);
    if (dialog.open) renderQueue(dialog);
  };
  const settled = () => {
    refresh();
    reportSync(line, chip);
  };
  refresh();
  document.addEventListener("kefu:changed", settled);
  window.addEventListener("online", settled);
  window.addEventListener("offline", refresh);
  chip.addEventListener("click", () => {
    line.textContent = "";
    renderQueue(dialog);
    dialog.showModal();
  });
  dialog.querySelector("[data-sync-now]").addEventListener("click", () => askToSync(line));
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  // Signing out ends the holder on the device first, online or not; what they saved
  // still syncs under their name.
  document.querySelector("form[data-logout]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    signOut(event.target);
  });
}
