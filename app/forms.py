"""Validating submitted forms with marshmallow, with messages in the user's language."""

import json

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, ValidationError, fields, validate


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
        return None, form_errors(error)


def form_errors(error: ValidationError) -> dict[str, list[str]]:
    """A failed load's messages per field, in the user's language."""
    return {
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


REQUIRED_MESSAGE = _l("This field is required.")
WHOLE_NUMBER_MESSAGE = _l("Enter a whole number.")
CHOICE_MESSAGE = _l("Choose one of the options.")


def _readable_error(validator) -> str:
    if validator.error is None:
        raise ValueError(f"{validator!r} needs a message people can read (error=...)")
    return str(validator.error)


def rules_of(field: fields.Field) -> dict[str, str]:
    """A schema field's checks as the attributes of its form control, messages included.

    The device reads these to check a change before it enters the outbox (forms.js);
    a check it could not make is an error here rather than a change refused later.
    """
    rules: dict[str, str] = {}
    if field.required:
        rules["required"] = ""
        rules["data-required-message"] = str(REQUIRED_MESSAGE)
    if isinstance(field, fields.Integer):
        rules["data-type"] = "integer"
        rules["data-integer-message"] = str(WHOLE_NUMBER_MESSAGE)
    if isinstance(field, fields.Enum):
        values = [m.value if field.by_value else m.name for m in field.enum]
        rules["data-choices"] = json.dumps(values)
        rules["data-choice-message"] = str(CHOICE_MESSAGE)
    for validator in field.validators:
        if isinstance(validator, validate.Length) and isinstance(field, fields.List):
            rules["data-max-count"] = str(validator.max)
            rules["data-count-message"] = _readable_error(validator)
        elif isinstance(validator, validate.Length):
            if validator.min:
                rules["minlength"] = str(validator.min)
            if validator.max is not None:
                rules["maxlength"] = str(validator.max)
            rules["data-length-message"] = _readable_error(validator)
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                rules["min"] = str(validator.min)
            if validator.max is not None:
                rules["max"] = str(validator.max)
            rules["data-range-message"] = _readable_error(validator)
        elif isinstance(validator, validate.OneOf):
            rules["data-choices"] = json.dumps([str(choice) for choice in validator.choices])
            rules["data-choice-message"] = _readable_error(validator)
        else:
            raise ValueError(f"the device cannot check {validator!r}; add it to rules_of")
    return rules


def rules_for(mutation_name: str, field_name: str) -> dict[str, str]:
    """The checks of one field of a mutation's schema (a template reads a limit from it)."""
    schema = current_app.extensions["sync_registry"].mutations[mutation_name].schema
    return rules_of(schema.fields[field_name])


def _attributes(rules: dict[str, str]) -> Markup:
    return Markup(" ").join(
        Markup("{}").format(name) if value == "" else Markup('{}="{}"').format(name, value)
        for name, value in rules.items()
    )


def field_rules(mutation_name: str, field_name: str) -> Markup:
    """``{{ field_rules(mutation_name, 'text') }}`` in a form control's tag."""
    return _attributes(rules_for(mutation_name, field_name))


def schema_rules(schema: Schema, field_name: str) -> Markup:
    """``{{ schema_rules(schema, 'name') }}``: the same, for a desk form's own schema."""
    return _attributes(rules_of(schema.fields[field_name]))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["field_rules"] = field_rules
    app.jinja_env.globals["schema_rules"] = schema_rules
    app.jinja_env.globals["rules_for"] = rules_for
