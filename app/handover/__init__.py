"""Who holds a shared tablet: hand-over PINs, the hand-overs devices report, and who may
act on a device (sync/PROTOCOL.md, "Shared devices")."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from app.handover.sync import (
    TakeArgs,
    devices_hold_their_holders_records,
    holder_of,
    take_over,
)
from app.jobs import Job, Mutation, NavEntry
from app.navigation import TABLET_ROLES
from sync.registry import Registry

bp = Blueprint("handover", __name__, url_prefix="/handover")


class HandOverPart(Job):
    """The shell's part that also tells the sync engine who may act on a device."""

    def init_app(self, app: Flask, registry: Registry) -> None:
        super().init_app(app, registry)
        registry.holder = holder_of


PART = HandOverPart(
    "handover",
    bp,
    nav=[NavEntry("handover.pin", _l("Hand-over PIN"), 95, TABLET_ROLES)],
    mutations=[
        Mutation(
            "handover.take@1",
            TakeArgs,
            TABLET_ROLES,
            take_over,
            label=_l("Hand-over"),
            from_form=False,
        )
    ],
    scope_rules=[devices_hold_their_holders_records],
    reason_labels={
        "not_a_holder": _l("Made by someone who had not taken the device over"),
        "offline_hand_over": _l("Device handed over offline by PIN"),
        "not_a_colleague": _l("Hand-over to someone of another property or role"),
    },
)

from app.handover import routes  # noqa: E402,F401
