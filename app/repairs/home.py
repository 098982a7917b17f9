"""What repair tickets add to the home pages: engineering's own tickets by state, counted
on the tablet (static/src/jobs/repairs-home.js); the tickets nobody was given, on the desk."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import HomeFigure, HomeSection
from app.models import Role
from app.repairs.models import RepairCategory, RepairTicket, TicketState
from app.repairs.sync import DEVICE_MOVES
from app.repairs.tickets import MOVES


def unassigned(property_id: int) -> int:
    return db.session.scalar(
        select(func.count(RepairTicket.id)).where(
            RepairTicket.property_id == property_id, RepairTicket.state == TicketState.OPEN
        )
    )


def _mine(state: TicketState, label) -> HomeFigure:
    return HomeFigure(
        f"repairs.{state.value}",
        label,
        "repairs.tablet",
        device="repairs.mine",
        labels={"categories": RepairCategory},
        params={
            "state": state.value,
            "moves": {name: MOVES[move].target.value for name, _s, _r, move, _l in DEVICE_MOVES},
        },
    )


HOME = [
    HomeSection(
        _l("My repair tickets"),
        frozenset({Role.ENGINEERING}),
        10,
        [
            _mine(TicketState.REOPENED, _l("Reopened: to repair again")),
            _mine(TicketState.ASSIGNED, _l("Assigned: not started")),
            _mine(TicketState.IN_PROGRESS, _l("In progress")),
            _mine(TicketState.FIXED, _l("Fixed: waiting for the floor's check")),
        ],
    ),
    HomeSection(
        _l("Repair tickets"),
        frozenset({Role.OFFICE, Role.SUPERVISOR}),
        20,
        [
            HomeFigure(
                "repairs.unassigned",
                _l("Tickets nobody was given"),
                "repairs.review",
                args={"state": TicketState.OPEN.value},
                count=unassigned,
            )
        ],
    ),
]
