"""The office's forms: a room as it is set up, and the supervisor's decision."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app import fields as shared
from app.rooms.models import Equipment, Layout
from app.rooms.sync import optional_text

MAX_BUFFER = 240


class RoomFields(Schema):
    """A meeting room: where, how big, what it holds and offers, when it is open."""

    name = shared.text(60)
    floor_id = fields.Integer(required=True)
    capacity = shared.count(1, 1000, required=True)
    equipment = fields.List(fields.Enum(Equipment, by_value=True), load_default=list)
    layouts = fields.List(
        fields.Enum(Layout, by_value=True),
        required=True,
        validate=validate.Length(min=1, error=_l("Choose at least one layout.")),
    )
    opens_at = fields.Time(required=True)
    closes_at = fields.Time(required=True)
    setup_minutes = shared.count(0, MAX_BUFFER, load_default=0)
    cleardown_minutes = shared.count(0, MAX_BUFFER, load_default=0)

    def __init__(self, floor_ids: list[int], **kwargs):
        super().__init__(**kwargs)
        self.floor_ids = floor_ids

    @validates("floor_id")
    def _floor_here(self, value: int, **kwargs) -> None:
        if value not in self.floor_ids:
            raise ValidationError(_l("Choose one of the property's floors."))

    @validates_schema
    def _open_before_closing(self, data, **kwargs) -> None:
        if "opens_at" in data and "closes_at" in data and data["closes_at"] <= data["opens_at"]:
            raise ValidationError(_l("The room closes after it opens."), "closes_at")


#: The supervisor's choices: a day of a repeating request alone, or every day it still waits.
DECISIONS = ["approve", "reject", "approve_series", "reject_series"]


class DecisionFields(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(DECISIONS, error=_l("Choose one of the options.")),
    )
    reason = optional_text(200)

    @validates_schema
    def _reject_says_why(self, data, **kwargs) -> None:
        rejecting = data.get("decision", "").startswith("reject")
        if rejecting and not data.get("reason", "").strip():
            raise ValidationError(_l("Say why the request is rejected."), "reason")
