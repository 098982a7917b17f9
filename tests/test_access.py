"""Who may use which route, stated here route by route, and proved against the app.

The table below is written by hand, not read from the views' decorators: a route opened
to the wrong roles disagrees with it and fails, as does a route the table does not name.
"""

import uuid

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from app.access import PUBLIC, allowed_roles_of, roles_allowed
from app.extensions import db
from app.models import Role, User
from app.navigation import nav_items_for
from tests.support import AuthActions, Tablet, csrf_token_of, session_of, table_contents

FLOOR, GUARD, OFFICE = Role.FLOOR_STAFF, Role.GUARD, Role.OFFICE
SUPERVISOR, ENGINEERING, ADMIN = Role.SUPERVISOR, Role.ENGINEERING, Role.ADMIN
EVERYONE = frozenset(Role)
# The supervisor gets at least what the office has (accounts, devices, rooms included).
MANAGERS = frozenset({ADMIN, OFFICE, SUPERVISOR})
REVIEWERS = frozenset({OFFICE, SUPERVISOR, ADMIN})
WRITERS = frozenset({FLOOR, GUARD})
ADMIN_ONLY = frozenset({ADMIN})
TABLET_CARRIERS = frozenset({FLOOR, GUARD, ENGINEERING})
# Who sees a worker's full ID number, on the pass's own page: the office and supervisors.
GATE_OFFICE = frozenset({OFFICE, SUPERVISOR})

# Every route of the app and who may use it. Changing a line here is a decision about
# security: make it on purpose, with the route's change.
ROUTE_ROLES = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.language": PUBLIC,
    "auth.logout": EVERYONE,
    "main.healthz": PUBLIC,
    "main.service_worker": PUBLIC,
    "main.web_manifest": PUBLIC,
    "main.offline": PUBLIC,
    "main.home": EVERYONE,
    "main.switch_property": EVERYONE,
    "places.index": EVERYONE,
    "places.add": ADMIN_ONLY,
    "places.edit": ADMIN_ONLY,
    "places.remove": ADMIN_ONLY,
    "places.property_new": ADMIN_ONLY,
    "places.property_edit": ADMIN_ONLY,
    "places.new_code": ADMIN_ONLY,
    "places.area": REVIEWERS,
    "places.stickers": REVIEWERS,
    "attachments.photo": EVERYONE,
    "admin.users": MANAGERS,
    "admin.user_new": MANAGERS,
    "admin.user_edit": MANAGERS,
    "admin.user_password": MANAGERS,
    "admin.devices": MANAGERS,
    "admin.device_name": MANAGERS,
    "admin.device_revoke": MANAGERS,
    "duty.write": WRITERS,
    "duty.saved": WRITERS,
    "duty.review": REVIEWERS,
    "duty.entry": REVIEWERS,
    "patrols.tablet": frozenset({FLOOR}),
    "patrols.review": REVIEWERS,
    "patrols.round": REVIEWERS,
    "patrols.punctuality": REVIEWERS,
    "patrols.checklists": frozenset({SUPERVISOR, ADMIN}),
    "patrols.checklist": frozenset({SUPERVISOR, ADMIN}),
    "patrols.area": frozenset({SUPERVISOR, ADMIN}),
    "desk.listing_csv": REVIEWERS,
    "rooms.today": frozenset({FLOOR}),
    "rooms.saved": frozenset({FLOOR}),
    "rooms.grid": REVIEWERS,
    "rooms.queue": frozenset({SUPERVISOR}),
    "rooms.review": REVIEWERS,
    "rooms.booking": REVIEWERS,
    "rooms.decide": frozenset({SUPERVISOR}),
    "rooms.cancel_booking": REVIEWERS,
    "rooms.book": REVIEWERS,
    "rooms.rooms": MANAGERS,
    "rooms.room_new": MANAGERS,
    "rooms.room_edit": MANAGERS,
    "syncapi.token": EVERYONE,
    "syncapi.problems": REVIEWERS,
    "syncapi.push": EVERYONE,
    "syncapi.pull": EVERYONE,
    "syncapi.put_attachment": EVERYONE,
    # Every role that carries a tablet (app.navigation.TABLET_ROLES) hands it over.
    "handover.pin": TABLET_CARRIERS,
    "handover.pins": TABLET_CARRIERS,
    "repairs.tablet": frozenset({FLOOR, ENGINEERING}),
    "repairs.step_saved": frozenset({FLOOR, ENGINEERING}),
    "repairs.review": REVIEWERS,
    "repairs.ticket": REVIEWERS,
    "repairs.move": frozenset({OFFICE, SUPERVISOR}),
    "gate.check": frozenset({GUARD}),
    "gate.permits": GATE_OFFICE,
    "gate.permit": GATE_OFFICE,
    "gate.pass_new": GATE_OFFICE,
    "gate.pass_page": GATE_OFFICE,
    "gate.pass_revoke": GATE_OFFICE,
    "gate.pass_reissue": GATE_OFFICE,
    "gate.pass_print": GATE_OFFICE,
    "gate.pass_photo": GATE_OFFICE,
    "gate.exit_passes": GATE_OFFICE,
    "gate.exit_pass": GATE_OFFICE,
    "gate.events": GATE_OFFICE,
    "gate.event": GATE_OFFICE,
    "gate.flags": GATE_OFFICE,
    "gate.settings": GATE_OFFICE,
}
# Signed by a device's token instead of the session cookie (and so exempt from CSRF).
DEVICE_TOKEN_ROUTES = {"syncapi.push", "syncapi.pull", "syncapi.put_attachment", "handover.pins"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

DEMO_USER_OF = {
    Role.FLOOR_STAFF: "floor1",
    Role.GUARD: "guard1",
    Role.OFFICE: "office1",
    Role.SUPERVISOR: "super1",
    Role.ENGINEERING: "eng1",
    Role.ADMIN: "admin",
}
SAMPLE_ARGUMENTS = {"integer": 1, "uuid": "00000000-0000-4000-8000-000000000000", "default": "x"}


def url_of(rule: Rule, **chosen) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.removesuffix("Converter").lower()
        values[name] = chosen.get(name, SAMPLE_ARGUMENTS.get(kind, SAMPLE_ARGUMENTS["default"]))
    return rule.build(values, append_unknown=False)[1]


def requests_of(app, **chosen):
    """(endpoint, method, url) for every route the app has."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url_of(rule, **chosen)


def send(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": csrf_token_of(client)})


def admits(endpoint: str, role: Role) -> bool:
    allowed = ROUTE_ROLES[endpoint]
    return allowed == PUBLIC or role in allowed


def test_the_table_names_every_route_of_the_app(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - ROUTE_ROLES.keys()) == [], "routes missing from ROUTE_ROLES"
    assert sorted(ROUTE_ROLES.keys() - endpoints) == [], "ROUTE_ROLES names routes that are gone"


def test_the_supervisor_may_use_every_route_and_page_the_office_may(app):
    """Checked on the views' own declarations and the navigation, not on the table only."""
    with app.test_request_context():
        declared = {
            rule.endpoint: allowed_roles_of(rule.endpoint) for rule in app.url_map.iter_rules()
        }
        office_only = sorted(
            endpoint
            for endpoint, roles in declared.items()
            if roles != PUBLIC and OFFICE in roles and SUPERVISOR not in roles
        )
        office_nav = {entry.endpoint for entry in nav_items_for(OFFICE)}
        supervisor_nav = {entry.endpoint for entry in nav_items_for(SUPERVISOR)}
    assert office_only == []
    assert sorted(office_nav - supervisor_nav) == []
    assert {"admin.users", "admin.devices"} <= supervisor_nav


def test_each_view_declares_the_roles_of_the_table(app):
    """The quick check, with a clear message; the tests below prove it by requests."""
    with app.test_request_context():
        declared = {
            rule.endpoint: allowed_roles_of(rule.endpoint) for rule in app.url_map.iter_rules()
        }
        device_token = {
            endpoint
            for endpoint, view in app.view_functions.items()
            if getattr(view, "device_token", False)
        }
    assert declared == ROUTE_ROLES
    assert device_token == DEVICE_TOKEN_ROUTES


def test_every_route_declares_its_roles(app):
    with app.test_request_context():
        undeclared = sorted(
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if allowed_roles_of(rule.endpoint) is None
        )
    assert undeclared == [], f"routes without @roles_allowed or @public: {undeclared}"


def test_public_routes_are_exactly_the_ones_the_table_makes_public(app):
    with app.test_request_context():
        public = {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if allowed_roles_of(rule.endpoint) == PUBLIC
        }
    assert public == {endpoint for endpoint, roles in ROUTE_ROLES.items() if roles == PUBLIC}


def test_anonymous_users_are_sent_to_sign_in_everywhere_but_public_routes(app, client):
    """Without a session every route the table does not make public sends the browser to
    sign in (a device-token route answers 401 ``no_token``); public routes serve it."""
    checked = list(requests_of(app))
    assert len(checked) >= 10
    for endpoint, method, url in checked:
        response = send(client, method, url)
        where = (endpoint, method, response.status_code)
        if ROUTE_ROLES[endpoint] == PUBLIC:
            assert response.status_code not in (401, 403), where
            assert not response.headers.get("Location", "").startswith("/auth/login"), where
        elif endpoint in DEVICE_TOKEN_ROUTES:
            assert (response.status_code, response.get_json()["error"]) == (401, "no_token"), where
        else:
            assert response.status_code in (302, 401), where
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/auth/login"), where
        assert "user_id" not in session_of(client)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_is_refused_every_route_the_table_does_not_give_it(app, role):
    """Signed in as each role on a tablet, every route the table does not give that role
    answers 403 and every route it gives answers something else. Device-token routes are
    tried with the device's token (a session alone gets 401 ``no_token`` there), the
    others with the session."""
    tablet = Tablet(app, DEMO_USER_OF[role])
    client = tablet.client
    requests = [r for r in requests_of(app) if r[0] != "auth.logout"]
    # Before the session routes: POST /sync/token there replaces the device's token.
    for endpoint, method, url in (r for r in requests if r[0] in DEVICE_TOKEN_ROUTES):
        session_only = client.open(url, method=method, json={})
        assert (session_only.status_code, session_only.get_json()["error"]) == (401, "no_token")
        response = client.open(url, method=method, json={}, headers=tablet.headers)
        where = (endpoint, method, response.status_code, response.get_data(as_text=True)[:200])
        if admits(endpoint, role):
            assert response.status_code not in (401, 403), where
        else:
            assert response.status_code == 403, where
            assert response.get_json()["error"] == "forbidden", where
    for endpoint, method, url in (r for r in requests if r[0] not in DEVICE_TOKEN_ROUTES):
        response = send(client, method, url)
        where = (endpoint, method, response.status_code)
        if admits(endpoint, role):
            assert response.status_code not in (401, 403), where
            assert not response.headers.get("Location", "").startswith("/auth/login"), where
        else:
            assert response.status_code == 403, where
        # Each request must leave the session signed in as this role.
        assert client.get("/").status_code == 200, endpoint
    # Last, since it ends the session.
    assert admits("auth.logout", role)
    assert send(client, "POST", "/auth/logout").status_code == 302
    assert "user_id" not in session_of(client)


def is_csrf_refusal(response) -> bool:
    if response.status_code != 400:
        return False
    if response.is_json:
        return response.get_json().get("error") == "csrf"
    # The sign-in page says it in its own words.
    return "登录页面已过期" in response.get_data(as_text=True)


def test_every_state_changing_form_refuses_a_request_without_its_csrf_token(app):
    """Every POST/PUT/PATCH/DELETE route a session signs (the forms, sign-out, switching
    property, POST /sync/token) refuses a request without the CSRF token with 400, changing
    nothing, the session as it was. The same request with the token gets past the check:
    the refusal is the check's own, which the test app keeps on (TESTING does not turn
    Flask-WTF's check off; WTF_CSRF_ENABLED would, and the test would then fail)."""
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get(
        "WTF_CSRF_CHECK_DEFAULT", True
    )
    # Real targets, so that a request let through would revoke and edit for real.
    victim = Tablet(app, "floor1")
    with app.app_context():
        account_id = db.session.scalar(select(User.id).where(User.username == "floor1"))
    forms = [
        (endpoint, method, url)
        for endpoint, method, url in requests_of(
            app, device_id=victim.device_id, user_id=account_id
        )
        if method in UNSAFE_METHODS and endpoint not in DEVICE_TOKEN_ROUTES
    ]
    assert {
        "syncapi.token",
        "admin.device_revoke",
        "admin.device_name",
        "admin.user_password",
        "auth.logout",
    } <= {endpoint for endpoint, _method, _url in forms}
    json_please = {"Accept": "application/json"}
    for endpoint, method, url in forms:
        client = app.test_client()
        allowed = ROUTE_ROLES[endpoint]
        if allowed != PUBLIC:
            role = next(r for r in Role if r in allowed)
            # A device in the session, so that POST /sync/token has one to give a token.
            AuthActions(client).login(DEMO_USER_OF[role], device_id=uuid.uuid4())
        token = csrf_token_of(client)  # the session holds a token; the request lacks it
        tables, session = table_contents(app), session_of(client)
        refused = client.open(url, method=method, data={}, headers=json_please)
        assert is_csrf_refusal(refused), (endpoint, method, refused.status_code)
        assert table_contents(app) == tables, endpoint
        assert session_of(client) == session, endpoint
        forged = client.open(url, method=method, data={"csrf_token": "forged"}, headers=json_please)
        assert is_csrf_refusal(forged), (endpoint, method, forged.status_code)
        admitted = client.open(url, method=method, data={"csrf_token": token}, headers=json_please)
        assert not is_csrf_refusal(admitted), (endpoint, method)


def test_a_route_that_forgets_to_declare_roles_is_refused_to_everyone(app, client, auth):
    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    @app.route("/declared")
    @roles_allowed(Role.GUARD)
    def declared():
        return "guards only"

    auth.login("admin")
    assert client.get("/forgotten").status_code == 403
    assert client.get("/declared").status_code == 403
    auth.login("guard1")
    assert client.get("/forgotten").status_code == 403
    assert client.get("/declared").get_data(as_text=True) == "guards only"
