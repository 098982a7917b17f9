"""Every route declares its roles, and every role it does not name is refused."""

import pytest
from werkzeug.routing import Rule

from app.access import PUBLIC, allowed_roles_of, roles_allowed
from app.models import Role
from tests.support import csrf_token_of, session_of

# Adding to this set is a decision about security: make it here, on purpose.
EXPECTED_PUBLIC = {
    "static",
    "auth.login",
    "auth.language",
    "main.healthz",
    "main.service_worker",
    "main.web_manifest",
    "main.offline",
}
DEMO_USER_OF = {
    Role.FLOOR_STAFF: "floor1",
    Role.GUARD: "guard1",
    Role.OFFICE: "office1",
    Role.SUPERVISOR: "super1",
    Role.ENGINEERING: "eng1",
    Role.ADMIN: "admin",
}
SAMPLE_ARGUMENTS = {"integer": 1, "uuid": "00000000-0000-4000-8000-000000000000", "default": "x"}


def url_of(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.removesuffix("Converter").lower()
        values[name] = SAMPLE_ARGUMENTS.get(kind, SAMPLE_ARGUMENTS["default"])
    return rule.build(values, append_unknown=False)[1]


def requests_of(app):
    """(endpoint, method, url) for every route the app has."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url_of(rule)


def send(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": csrf_token_of(client)})


def test_every_route_declares_its_roles(app):
    with app.test_request_context():
        undeclared = sorted(
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if allowed_roles_of(rule.endpoint) is None
        )
    assert undeclared == [], f"routes without @roles_allowed or @public: {undeclared}"


def test_public_routes_are_exactly_the_expected_ones(app):
    with app.test_request_context():
        public = {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if allowed_roles_of(rule.endpoint) == PUBLIC
        }
    assert public == EXPECTED_PUBLIC


def test_anonymous_users_are_sent_to_sign_in_everywhere_but_public_routes(app, client):
    with app.test_request_context():
        protected = [r for r in requests_of(app) if allowed_roles_of(r[0]) != PUBLIC]
    assert len(protected) >= 10
    for endpoint, method, url in protected:
        response = send(client, method, url)
        assert response.status_code in (302, 401), (endpoint, method, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/auth/login"), endpoint
        assert "user_id" not in session_of(client)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_is_refused_every_route_that_does_not_name_it(app, client, auth, role):
    assert auth.login(DEMO_USER_OF[role]).status_code == 302
    with app.test_request_context():
        checked = [
            (endpoint, method, url, allowed_roles_of(endpoint))
            for endpoint, method, url in requests_of(app)
            if endpoint not in ("auth.logout", "static")
        ]
    refused = admitted = 0
    for endpoint, method, url, allowed in checked:
        response = send(client, method, url)
        if allowed != PUBLIC and role not in allowed:
            assert response.status_code == 403, (endpoint, method, response.status_code)
            refused += 1
        else:
            assert response.status_code != 403, (endpoint, method)
            admitted += 1
        # Each request must leave the session signed in as this role.
        assert client.get("/").status_code == 200
    assert refused + admitted == len(checked)
    if role not in (Role.ADMIN, Role.OFFICE):
        assert refused >= 5  # the account and device pages at least


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
