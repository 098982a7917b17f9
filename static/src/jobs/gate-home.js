// What the gate shows on the guard's home: how old the tablet's pass list is, and the
// workers on site by the duplicates held at the gate, from the tablet's copy.

import { defineFigure } from "../home.js";
import { duplicatesHeld, workersByCompany } from "../home-figures.js";
import { getMeta } from "../store.js";
import { fill } from "../text.js";
import { clockTime, propertyZone } from "../time.js";
import { localRecords } from "../views.js";
import { ago, loadList } from "./gate.js";

const HOUR_MS = 3_600_000;

defineFigure("gate.list_age", async ({ labels, params }) => {
  const syncedAt = await getMeta("lastSyncAt", null);
  if (syncedAt === null) return { count: "–", alert: true, lines: [{ text: labels.never }] };
  const settings = (await localRecords("gate_settings"))[0] ?? params;
  const now = Date.now();
  // gate.js words an age from its page's data- attributes: these labels are those.
  const lines = [{ text: ago({ dataset: labels }, syncedAt, now) }];
  const stale = now - syncedAt > settings.stale_hours * HOUR_MS;
  if (stale) lines.push({ text: fill(labels.stale, { hours: settings.stale_hours }) });
  return { count: clockTime(syncedAt), alert: stale, lines };
});

async function held() {
  const list = await loadList({});
  return { list, found: duplicatesHeld(list.held, Date.now(), propertyZone()) };
}

defineFigure("gate.on_site", async ({ labels, href }) => {
  const { list, found } = await held();
  const companies = workersByCompany(found, (pass) => pass && list.permits.get(pass.permit_id)?.company);
  return {
    count: found.length,
    lines: companies.map(([company, count]) => ({
      text: [company, fill(labels.workers, { n: count })].filter(Boolean).join(" · "),
      href,
    })),
  };
});

defineFigure("gate.held", async ({ labels, href }) => {
  const { found } = await held();
  return {
    count: found.length,
    alert: found.some((duplicate) => duplicate.earlier),
    lines: found.map(({ passId, pass, since, earlier }) => ({
      text: [
        pass ? `${String(pass.number).padStart(4, "0")} · ${pass.name}` : `#${passId}`,
        clockTime(since),
        earlier && labels.earlier,
      ]
        .filter(Boolean)
        .join(" · "),
      href,
    })),
  };
});
