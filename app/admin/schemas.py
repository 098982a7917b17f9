"""What the account and device forms accept; the acting user decides which roles and properties."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.models import DEVICE_NAME_MAX, REVOKED_REASON_MAX, Role

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9_.-]{3,64}$",
    error=_l("3 to 64 letters, digits, dots, dashes or underscores."),
)
PASSWORD = validate.Length(min=8, max=256, error=_l("At least 8 characters."))


class PasswordSchema(Schema):
    password = fields.String(required=True, validate=PASSWORD)


class AccountSchema(Schema):
    """Name, role, properties and state of an account, limited to what the actor may grant."""

    display_name = fields.String(
        required=True, validate=validate.Length(min=1, max=120, error=_l("1 to 120 characters."))
    )
    role = fields.Enum(
        Role,
        by_value=True,
        required=True,
        error_messages={"unknown": _l("Choose one of the offered roles.")},
    )
    property_ids = fields.List(fields.Integer(), load_default=list)
    active = fields.Boolean(load_default=False)

    def __init__(self, grantable_roles, grantable_property_ids, **kwargs):
        super().__init__(**kwargs)
        self.grantable_roles = set(grantable_roles)
        self.grantable_property_ids = set(grantable_property_ids)

    @validates_schema
    def within_the_actors_reach(self, data, **kwargs):
        errors = {}
        if data["role"] not in self.grantable_roles:
            errors["role"] = [_("You may not grant this role.")]
        chosen = set(data["property_ids"])
        if not chosen <= self.grantable_property_ids:
            errors["property_ids"] = [_("You may not assign these properties.")]
        elif not chosen and data["role"] is not Role.ADMIN:
            errors["property_ids"] = [_("Choose at least one property.")]
        if errors:
            raise ValidationError(errors)


class NewAccountSchema(AccountSchema):
    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(required=True, validate=PASSWORD)
    active = fields.Boolean(load_default=True)


def _trimmed(data: dict, name: str) -> dict:
    """The form with ``name`` stripped of surrounding blanks, dropped if nothing is left."""
    value = data.get(name)
    if not isinstance(value, str):
        return data
    trimmed = {key: item for key, item in data.items() if key != name}
    if value.strip():
        trimmed[name] = value.strip()
    return trimmed


class DeviceNameSchema(Schema):
    """The name people know a device by (1号门岗平板); left blank, the device has none."""

    name = fields.String(
        load_default=None,
        validate=validate.Length(
            max=DEVICE_NAME_MAX, error=_l("At most %(max)d characters.", max=DEVICE_NAME_MAX)
        ),
    )

    @pre_load
    def blanks_trimmed(self, data, **kwargs):
        return _trimmed(data, "name")


class RevokeSchema(Schema):
    """Why a device is revoked, kept beside the revocation for whoever reads the list later."""

    reason = fields.String(
        required=True,
        validate=validate.Length(
            min=1,
            max=REVOKED_REASON_MAX,
            error=_l("1 to %(max)d characters.", max=REVOKED_REASON_MAX),
        ),
    )

    @pre_load
    def blanks_trimmed(self, data, **kwargs):
        return _trimmed(data, "reason")
