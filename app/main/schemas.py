"""What the property switch accepts."""

from marshmallow import Schema, fields


class PropertyChoiceSchema(Schema):
    property_id = fields.Integer(required=True)
