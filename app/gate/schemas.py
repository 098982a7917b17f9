"""The office's gate forms: permits, worker passes, revoking and reissuing, exit passes,
the property's gate settings. Each refuses bad input with a message per field."""

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app import fields as shared
from app.gate.models import PermitState
from app.gate.rules import valid_id_number

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DATE_MESSAGE = _l("Enter a date.")
REASON_MAX = 200


def day(**kwargs) -> fields.Date:
    return fields.Date(required=True, error_messages={"invalid": DATE_MESSAGE}, **kwargs)


def parse_hours(text: str) -> list[list[str]]:
    """``08:00-12:00, 14:00-18:00`` as [["08:00", "12:00"], ["14:00", "18:00"]]."""
    ranges = []
    for part in re.split(r"[,，;；\s]+", text.strip()):
        if not part:
            continue
        start, dash, end = part.replace("–", "-").partition("-")
        if not dash or not CLOCK.match(start) or not CLOCK.match(end):
            raise ValidationError(str(_l("Write hours as 08:00-12:00, 14:00-18:00.")))
        ranges.append([start, end])
    if not ranges:
        raise ValidationError(str(_l("Write hours as 08:00-12:00, 14:00-18:00.")))
    return ranges


class Hours(fields.Field):
    """Working hours typed as ranges; blank means the property's."""

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_hours(str(value)) if str(value).strip() else None


class Days(fields.List):
    """The working weekdays ticked on the form (Monday is 0)."""

    def __init__(self, **kwargs):
        super().__init__(
            fields.Integer(validate=validate.Range(0, 6, error=_l("Choose weekdays."))), **kwargs
        )


class PermitSchema(Schema):
    unit = shared.text(60)
    owner = shared.text(120)
    company = shared.text(120)
    foreman = shared.text(60)
    foreman_phone = shared.text(30)
    starts_on = day()
    ends_on = day()
    hours = Hours(load_default=None)
    days = Days(load_default=list)
    state = fields.Enum(
        PermitState,
        by_value=True,
        load_default=PermitState.ACTIVE,
        error_messages={"unknown": _l("Choose one of the options.")},
    )
    deposit_yuan = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 10_000_000, error=_l("Enter an amount from 0.")),
        error_messages={"invalid": _l("Enter a whole number.")},
    )

    @validates_schema
    def _period(self, data, **kwargs):
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError(str(_l("The end comes before the start.")), "ends_on")


class PassSchema(Schema):
    name = shared.text(60)
    id_number = fields.String(required=True)
    phone = shared.text(30)
    trade = shared.text(40)
    valid_from = day()
    valid_until = day()
    # A small JPEG the office's browser made of the photo, for the gate tablets.
    thumbnail = fields.String(load_default=None)

    @validates("id_number")
    def _id_number(self, value, **kwargs):
        if not valid_id_number(value.strip().upper()):
            raise ValidationError(
                str(_l("Not a valid ID-card number: 18 characters with a correct check digit."))
            )

    @validates_schema
    def _period(self, data, **kwargs):
        if data["valid_until"] < data["valid_from"]:
            raise ValidationError(str(_l("The end comes before the start.")), "valid_until")


class ReasonSchema(Schema):
    reason = shared.text(REASON_MAX)


class ExitPassSchema(Schema):
    unit = shared.text(60)
    items = shared.text(1000)
    carrier = shared.text(60)
    plate = shared.optional_text(20)
    valid_on = day()
    approver = shared.text(60)


class SettingsSchema(Schema):
    hours = Hours(required=True)
    days = Days(load_default=list)
    closing_time = fields.String(
        required=True,
        validate=validate.Regexp(CLOCK, error=_l("Write a time as 19:00.")),
    )
    stale_hours = fields.Integer(
        required=True,
        validate=validate.Range(1, 168, error=_l("Enter 1 to 168 hours.")),
        error_messages={"invalid": _l("Enter a whole number.")},
    )

    @validates("hours")
    def _some_hours(self, value, **kwargs):
        if value is None:
            raise ValidationError(str(_l("Write hours as 08:00-12:00, 14:00-18:00.")))
