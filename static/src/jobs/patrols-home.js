// What patrols show on the floor tablet's home: the areas overdue and due now, from the
// areas, schedules and rounds the tablet holds (its own rounds still waiting included),
// and the area of each round begun and not submitted.
import { defineFigure, describeDrafts } from "../home.js";
import { areasDue, placeName } from "../home-figures.js";
import { fill } from "../text.js";
import { propertyZone } from "../time.js";
import { localRecords, waitingChanges } from "../views.js";

const ROUND = "patrols.submit_round@1";

async function due(grace) {
  const [areas, schedules, synced, waiting] = await Promise.all([
    localRecords("area"),
    localRecords("patrol_schedule"),
    localRecords("patrol_round"),
    waitingChanges(ROUND),
  ]);
  return areasDue(areas, schedules, [...synced, ...waiting], Date.now(), propertyZone(), grace);
}

defineFigure("patrols.overdue", async ({ labels, params, href }) => {
  const { overdue } = await due(params.grace);
  return {
    count: overdue.length,
    alert: overdue.length > 0,
    lines: overdue.map((area) => ({
      text: `${area.name} · ${fill(labels.overdue, { n: area.overdueMinutes })}`,
      href: `${href}#area-${area.id}`,
    })),
  };
});

defineFigure("patrols.due", async ({ params, href }) => {
  const found = (await due(params.grace)).due;
  return { count: found.length, lines: found.map((area) => ({ text: area.name, href: `${href}#area-${area.id}` })) };
});

// A round's draft (static/src/jobs/patrols.js) names its area and opens its checklist.
describeDrafts("patrol-round:", async (draft, kind) => {
  const areas = await localRecords("area");
  const area = areas.find((candidate) => Number(candidate.id) === draft.round.area_id);
  const buildings = new Set(areas.map((candidate) => candidate.building)).size;
  return {
    text: area ? `${kind.label} · ${placeName(area, buildings)}` : kind.label,
    href: `${kind.href}#area-${draft.round.area_id}`,
  };
});
