// What repair tickets show on engineering's home: the holder's own tickets in one state,
// with the moves still waiting in the outbox applied, as the tickets page shows them.

import { holder } from "../holder.js";
import { defineFigure } from "../home.js";
import { ticketsHere } from "./repairs.js";

defineFigure("repairs.mine", async ({ labels, params, href }) => {
  const person = await holder();
  const tickets = (await ticketsHere({ kind: "repair_ticket", moves: JSON.stringify(params.moves) }))
    .filter((ticket) => ticket.state === params.state && (!person || ticket.assigned_to_id === person.id))
    .sort((a, b) => a.number - b.number);
  return {
    count: tickets.length,
    alert: params.state === "reopened" && tickets.length > 0,
    lines: tickets.map((ticket) => ({
      text: [`#${ticket.number}`, labels.categories[ticket.category], ticket.location].filter(Boolean).join(" · "),
      href: `${href}#ticket-${encodeURIComponent(ticket.id)}`,
    })),
  };
});
