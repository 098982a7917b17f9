"""What the PIN form accepts."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

PIN = validate.Regexp(r"^\d{6,12}$", error=_l("6 to 12 digits."))


class PinSchema(Schema):
    pin = fields.String(required=True, validate=PIN)
    pin_again = fields.String(required=True)

    @validates_schema
    def the_same_twice(self, data, **kwargs):
        if data.get("pin") != data.get("pin_again"):
            raise ValidationError(_("The two PINs differ."), "pin_again")
