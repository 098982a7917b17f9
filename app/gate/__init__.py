"""Temporary passes at the gate (临时出入证): the office's permits, worker passes and exit
passes; the guard's gate tablet that checks them and records entries and exits offline."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import Job, Mutation, NavEntry
from app.models import Role

bp = Blueprint("gate", __name__, url_prefix="/gate")

GUARDS = frozenset({Role.GUARD})
# Only they see a worker's full ID number, and only on the pass's own page.
OFFICE = frozenset({Role.OFFICE, Role.SUPERVISOR})

from app.gate import routes  # noqa: E402,F401
from app.gate.demo import add_demo_gate  # noqa: E402
from app.gate.desk import LISTING  # noqa: E402
from app.gate.home import HOME  # noqa: E402
from app.gate.sync import KINDS, RecordArgs, guards_hold_the_gate, record_event  # noqa: E402

JOB = Job(
    "gate",
    bp,
    nav=[
        NavEntry("gate.check", _l("Gate"), 5, GUARDS),
        NavEntry("gate.permits", _l("Gate passes"), 20, OFFICE),
        NavEntry("gate.events", _l("Gate log"), 21, OFFICE),
    ],
    kinds=KINDS,
    mutations=[
        Mutation(
            "gate.record@1",
            RecordArgs,
            GUARDS,
            record_event,
            label=_l("Gate"),
            from_form=False,
        )
    ],
    scope_rules=[guards_hold_the_gate],
    reason_labels={
        "unknown_pass": _l("A pass of another property or none"),
        "gate_override": _l("Let through against the gate check"),
        "gate_stale_list": _l("Checked on an out-of-date pass list"),
        "gate_entry_revoked": _l("Entry on a pass revoked at the time"),
        "gate_entry_expired": _l("Entry on a pass expired at the time"),
        "exit_pass_reused": _l("Exit pass used a second time"),
    },
    demo=add_demo_gate,
    desk=[LISTING],
    home=HOME,
)
