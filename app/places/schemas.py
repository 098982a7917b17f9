"""What the admin's forms for properties, buildings, floors and areas accept."""

import re
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from app.models import AreaKind

# Basements go down to B20 and towers up to 200 floors: anything beyond is a typo.
LOWEST_LEVEL, HIGHEST_LEVEL = -20, 200
PROPERTY_CODE = re.compile(r"^[A-Za-z0-9_-]+$")
TIMEZONES = sorted(available_timezones())


def _name(max_length: int) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=max_length, error=_l("1 to %(max)d characters.", max=max_length)
        ),
    )


class _Trimmed(Schema):
    """A form whose texts lose their surrounding blanks; one left empty is missing."""

    @pre_load
    def blanks_trimmed(self, data, **kwargs):
        trimmed = {}
        for key, value in data.items():
            value = value.strip() if isinstance(value, str) else value
            if value != "":
                trimmed[key] = value
        return trimmed


class PropertySchema(_Trimmed):
    """A property (项目): its short code, its name and the time zone its clocks show."""

    code = _name(32)
    name = _name(120)
    timezone = fields.String(
        required=True,
        validate=validate.OneOf(
            TIMEZONES,
            error=_l("Choose a time zone from the list, such as Asia/Shanghai."),
        ),
    )

    @validates("code")
    def code_is_plain(self, value, **kwargs):
        if not PROPERTY_CODE.match(value):
            raise ValidationError(_l("Letters, digits, dashes and underscores only."))


class BuildingSchema(_Trimmed):
    name = _name(120)


class FloorSchema(_Trimmed):
    """A floor's name as signs show it (B1, 1F, 12F) and its level, which orders the floors."""

    name = _name(40)
    level = fields.Integer(
        required=True,
        validate=validate.Range(
            min=LOWEST_LEVEL,
            max=HIGHEST_LEVEL,
            error=_l(
                "A whole number from %(low)d to %(high)d; basements are negative.",
                low=LOWEST_LEVEL,
                high=HIGHEST_LEVEL,
            ),
        ),
    )


class AreaSchema(_Trimmed):
    name = _name(120)
    kind = fields.Enum(
        AreaKind,
        by_value=True,
        required=True,
        error_messages={"unknown": _l("Choose one of the offered kinds.")},
    )
