"""Validating submitted forms with marshmallow, with messages in the user's language."""

from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields


def _translated(message: str) -> str:
    # marshmallow's own messages are English; these are the ones our forms can produce.
    known = {
        "Missing data for required field.": _("This field is required."),
        "Field may not be null.": _("This field is required."),
        "Not a valid string.": _("Enter text."),
        "Not a valid integer.": _("Enter a whole number."),
        "Not a valid UUID.": _("This is not a valid identifier."),
        "Not a valid boolean.": _("Choose yes or no."),
        "Unknown field.": _("This field is not expected here."),
        "Not a valid list.": _("Choose from the list."),
    }
    return known.get(message, message)


def form_payload(schema: Schema) -> dict:
    """The submitted form as a dict, list fields as lists, blank values dropped."""
    payload: dict = {}
    for name, field in schema.fields.items():
        if isinstance(field, fields.List):
            values = [v for v in request.form.getlist(name) if v != ""]
            if values or name in request.form:
                payload[name] = values
        elif request.form.get(name, "") != "":
            payload[name] = request.form[name]
    return payload


def validate_form(schema: Schema) -> tuple[dict | None, dict[str, list[str]]]:
    """Load the submitted form; on failure return the messages per field instead."""
    try:
        return schema.load(form_payload(schema)), {}
    except ValidationError as error:
        return None, {
            field: [_translated(str(m)) for m in _flatten(found)]
            for field, found in error.normalized_messages().items()
        }


def _flatten(found) -> list:
    """A field's messages; list fields report theirs per item, as a dict by index."""
    if isinstance(found, dict):
        return [m for item in found.values() for m in _flatten(item)]
    if isinstance(found, list):
        return [m for item in found for m in _flatten(item)]
    return [found]
