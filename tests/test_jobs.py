"""The shape every job takes: one declaration, wired per app; forms that match schemas."""

import json
from html.parser import HTMLParser

import pytest
from marshmallow import Schema, fields, validate

import app as kefu
from app.forms import rules_of
from app.jobs import current_jobs
from app.navigation import TABLET_ROLES, nav_items_for
from sync.registry import Registry
from tests.support import AuthActions, make_test_app

DEMO_USER_OF_TABLET_ROLE = {"floor_staff": "floor1", "guard": "guard1", "engineering": "eng1"}


def test_each_app_has_a_registry_of_its_own_filled_from_the_jobs(app, tmp_path):
    other = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"])
    ours, theirs = app.extensions["sync_registry"], other.extensions["sync_registry"]
    assert ours is not theirs
    assert ours.mutations.keys() == theirs.mutations.keys()
    with app.app_context():
        declared = {m.name for job in current_jobs() for m in job.mutations}
        kinds = {k.name for job in current_jobs() for k in job.kinds}
    assert declared == ours.mutations.keys() and declared
    assert kinds == ours.kinds.keys()


def test_importing_a_job_registers_nothing():
    import app.duty  # noqa: F401
    import app.syncapi

    # No registry lives at module level to be filled by imports.
    assert not any(isinstance(value, Registry) for value in vars(app.syncapi).values())
    assert [name for name in kefu.JOBS if not name.startswith("app.")] == []


def test_every_job_is_in_the_navigation_of_the_roles_it_names(app):
    with app.test_request_context():
        for job in current_jobs():
            for entry in job.nav:
                for role in entry.roles:
                    assert entry in nav_items_for(role), (job.name, entry.endpoint, role)


class Controls(HTMLParser):
    """The controls of each ``form[data-mutation]`` on a page, by mutation and name."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, list[dict]]] = {}
        self._form: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form" and "data-mutation" in attributes:
            self._form = attributes["data-mutation"]
            self.forms.setdefault(self._form, {})
        elif (
            self._form
            and tag in ("input", "select", "textarea")
            and "name" in attributes
            # A hidden control the device fills in (the record a change is about) is one of
            # the form's too; the session's CSRF token is not.
            and attributes["name"] != "csrf_token"
        ):
            self.forms[self._form].setdefault(attributes["name"], []).append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def forms_on_tablet_pages(app) -> dict[str, dict[str, list[dict]]]:
    found: dict[str, dict[str, list[dict]]] = {}
    for role, username in DEMO_USER_OF_TABLET_ROLE.items():
        client = app.test_client()
        AuthActions(client).login(username)
        with app.test_request_context():
            pages = [entry.endpoint for entry in nav_items_for(role)]
            urls = [app.url_for(endpoint) for endpoint in pages]
        for url in urls:
            parser = Controls()
            parser.feed(client.get(url).get_data(as_text=True))
            found.update(parser.forms)
    return found


def expected_rules(field: fields.Field) -> dict[str, str]:
    """What the schema asks of a field, read from marshmallow directly (not via rules_of)."""
    expected = {"required": ""} if field.required else {}
    if isinstance(field, fields.Integer):
        expected["data-type"] = "integer"
    if isinstance(field, fields.Enum):
        expected["data-choices"] = json.dumps([m.value for m in field.enum])
    for validator in field.validators:
        if isinstance(validator, validate.Length) and isinstance(field, fields.List):
            expected["data-max-count"] = str(validator.max)
        elif isinstance(validator, validate.Length):
            if validator.min:
                expected["minlength"] = str(validator.min)
            if validator.max is not None:
                expected["maxlength"] = str(validator.max)
        elif isinstance(validator, validate.Range):
            expected.update(min=str(validator.min), max=str(validator.max))
        elif isinstance(validator, validate.OneOf):
            expected["data-choices"] = json.dumps([str(c) for c in validator.choices])
    return expected


def test_every_mutation_has_a_form_that_checks_what_its_schema_checks(app):
    registry = app.extensions["sync_registry"]
    forms = forms_on_tablet_pages(app)
    with app.test_request_context():
        tablet_mutations = {
            m.name
            for job in current_jobs()
            for m in job.mutations
            if m.roles & TABLET_ROLES and m.from_form
        }
    assert tablet_mutations, "no job declares a mutation for tablets"
    for name in sorted(tablet_mutations):
        assert name in forms, f"no form on a tablet page sends {name}"
        schema = registry.mutations[name].schema
        # The id is made on the device; every other argument is a control of the form.
        wanted = {field_name for field_name in schema.fields if field_name != "id"}
        assert set(forms[name]) == wanted, name
        for field_name in sorted(wanted):
            expected = expected_rules(schema.fields[field_name])
            for control in forms[name][field_name]:
                checked = {k: v for k, v in control.items() if k in expected or k in CHECKS}
                assert checked == expected, (name, field_name)
                for message in MESSAGES_OF:
                    if MESSAGES_OF[message] in expected:
                        assert control.get(message), (name, field_name, message)


# The attributes a device reads to check a control, and the message each check needs.
CHECKS = {"required", "data-type", "data-choices", "data-max-count", "minlength", "maxlength"}
CHECKS |= {"min", "max"}
MESSAGES_OF = {
    "data-required-message": "required",
    "data-integer-message": "data-type",
    "data-choice-message": "data-choices",
    "data-count-message": "data-max-count",
    "data-length-message": "maxlength",
}


def test_a_check_the_device_cannot_make_or_name_is_refused():
    class Unreadable(Schema):
        code = fields.String(validate=validate.Length(max=5))
        shape = fields.String(validate=validate.Regexp(r"^\d+$", error="Digits."))

    with pytest.raises(ValueError, match="message"):
        rules_of(Unreadable().fields["code"])
    with pytest.raises(ValueError, match="cannot check"):
        rules_of(Unreadable().fields["shape"])
