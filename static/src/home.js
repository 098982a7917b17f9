// The home page's figures that the device works out (app.jobs.HomeFigure.device): each
// job's static/src/jobs/<job>-home.js declares how, from what the tablet holds, so that
// they show offline too. They are worked out again whenever the device's data changes,
// and every minute, as areas fall due.
import { draftKind } from "./home-figures.js";
import { database } from "./store.js";
import { fill } from "./text.js";

const figures = new Map();
const MAX_LINES = 3;
const EVERY_MS = 60_000;

/**
 * Declare how the device works out the figure `name`. `compute({labels, params, href})`
 * resolves to `{count, lines: [{text, href?}], alert?}`: the count shown, up to three
 * lines under it, and whether it wants attention now.
 */
export function defineFigure(name, compute) {
  figures.set(name, compute);
}

function lineOf(line) {
  const item = document.createElement("li");
  const inner = document.createElement(line.href ? "a" : "span");
  if (line.href) inner.href = line.href;
  inner.textContent = line.text;
  item.append(inner);
  return item;
}

async function fillFigure(element, more) {
  const compute = figures.get(element.dataset.figure);
  if (!compute) return;
  const href = element.querySelector("a.figure-main")?.getAttribute("href") ?? "";
  const result = await compute({
    labels: JSON.parse(element.dataset.labels),
    params: JSON.parse(element.dataset.params),
    href,
  });
  element.querySelector(".figure-count").textContent = String(result.count);
  element.classList.toggle("has", Boolean(result.count) && result.count !== "0");
  element.classList.toggle("alert", Boolean(result.alert));
  const lines = result.lines ?? [];
  const shown = lines.slice(0, MAX_LINES).map(lineOf);
  if (lines.length > MAX_LINES) {
    shown.push(lineOf({ text: fill(more, { n: lines.length - MAX_LINES }), href: href || null }));
  }
  const list = element.querySelector(".figure-lines");
  list.replaceChildren(...shown);
  list.hidden = shown.length === 0;
  element.dataset.filled = "true";
}

function fillAll(home) {
  return Promise.all(
    [...home.querySelectorAll("[data-figure]")].map((element) => fillFigure(element, home.dataset.more)),
  );
}

const describers = new Map();

/**
 * Say more of a job's drafts kept under keys beginning `key` (app.jobs.Draft) than the
 * job's name for them: `describe(draft, {label, href})` resolves to `{text, href}`.
 */
export function describeDrafts(key, describe) {
  describers.set(key, describe);
}

// Drafts are the shell's (static/src/forms.js and each job's own): every job names its own.
defineFigure("drafts", async () => {
  const kinds = JSON.parse(document.querySelector("[data-home]").dataset.drafts);
  const lines = [];
  for (const draft of await (await database()).getAll("drafts")) {
    const kind = draftKind(draft, kinds);
    if (!kind) continue;
    const describe = describers.get(kind.key);
    lines.push(describe ? await describe(draft, kind) : { text: kind.label, href: kind.href });
  }
  return { count: lines.length, lines, alert: lines.length > 0 };
});

document.addEventListener("DOMContentLoaded", () => {
  const home = document.querySelector("[data-home]");
  if (!home) return;
  document.addEventListener("kefu:changed", () => fillAll(home));
  setInterval(() => fillAll(home), EVERY_MS);
  fillAll(home);
});
