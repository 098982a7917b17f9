"""What the sign-in and language forms accept."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.i18n import LANGUAGES


class SignInSchema(Schema):
    username = fields.String(
        required=True, validate=validate.Length(max=64, error=_l("At most 64 characters."))
    )
    password = fields.String(
        required=True, validate=validate.Length(max=256, error=_l("At most 256 characters."))
    )
    # Made by the browser on first use and kept in its storage; absent without JavaScript.
    device_id = fields.UUID(load_default=None)
    # Made with it and never shown: the id alone does not claim a device.
    device_secret = fields.String(
        load_default=None,
        validate=validate.Length(min=32, max=128, error=_l("This device's key is not valid.")),
    )
    next = fields.String(load_default=None)


class LanguageSchema(Schema):
    locale = fields.String(
        required=True,
        validate=validate.OneOf(list(LANGUAGES), error=_l("Choose one of the offered languages.")),
    )
    next = fields.String(load_default=None)
