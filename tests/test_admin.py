"""Accounts: what the admin, the office and the supervisor may do, and bad input."""

import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import Device, Property, Role, User
from tests.support import AuthActions, Tablet, add_other_property, table_contents


def demo_property_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Property.id).where(Property.code == "DEMO"))


def new_account(app, **changes):
    form = {
        "username": "floor2",
        "display_name": "赵楼层",
        "role": "floor_staff",
        "property_ids": str(demo_property_id(app)),
        "password": "a-long-password",
        "active": "on",
    }
    form.update(changes)
    return form


def test_office_adds_an_account_that_can_sign_in(app, client, auth):
    auth.login("office1")
    response = auth.post("/admin/users/new", new_account(app))
    assert response.status_code == 302
    assert "floor2" in client.get("/admin/users").get_data(as_text=True)
    auth.logout()
    assert auth.login("floor2", "a-long-password").status_code == 302


def test_bad_account_forms_are_marked_and_change_nothing(app, client, auth):
    auth.login("office1")
    before = table_contents(app)
    cases = [
        ({"username": "x"}, "username"),
        ({"username": "floor1"}, "username"),
        ({"password": "short"}, "password"),
        ({"display_name": ""}, "display_name"),
        ({"role": "admin"}, "role"),
        ({"role": "wizard"}, "role"),
        ({"property_ids": ""}, "property_ids"),
        ({"property_ids": "999"}, "property_ids"),
        ({"property_ids": "abc"}, "property_ids"),
    ]
    for change, field in cases:
        response = auth.post("/admin/users/new", new_account(app, **change))
        assert response.status_code == 422, change
        page = response.get_data(as_text=True)
        assert f'aria-describedby="{field}-error"' in page, change
        assert f'id="{field}-error"' in page, change
    assert table_contents(app) == before


def test_office_cannot_see_or_change_accounts_of_other_properties(app, client, auth):
    add_other_property(app)
    auth.login("office1")
    assert "outsider" not in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        outsider_id = db.session.scalar(select(User.id).where(User.username == "outsider"))
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    before = table_contents(app)
    assert client.get(f"/admin/users/{outsider_id}").status_code == 404
    assert client.get(f"/admin/users/{admin_id}").status_code == 404
    assert (
        auth.post(f"/admin/users/{admin_id}/password", {"password": "taken-over!"}).status_code
        == 404
    )
    assert table_contents(app) == before


def test_admin_assigns_properties_and_roles_across_properties(app, client, auth):
    other_id = add_other_property(app)
    auth.login("admin")
    with app.app_context():
        floor1 = db.session.scalar(select(User).where(User.username == "floor1"))
        floor1_id = floor1.id
    form = {
        "display_name": "王主管",
        "role": "supervisor",
        "property_ids": [str(demo_property_id(app)), str(other_id)],
        "active": "on",
    }
    assert auth.post(f"/admin/users/{floor1_id}", form).status_code == 302
    with app.app_context():
        floor1 = db.session.get(User, floor1_id)
        assert floor1.role is Role.SUPERVISOR
        assert {p.code for p in floor1.properties} == {"DEMO", "OTHER"}


def test_office_keeps_properties_it_does_not_manage_when_editing(app, client, auth):
    other_id = add_other_property(app)
    with app.app_context():
        floor1 = db.session.scalar(select(User).where(User.username == "floor1"))
        floor1.properties.append(db.session.get(Property, other_id))
        db.session.commit()
        floor1_id = floor1.id
    auth.login("office1")
    # floor1 belongs to a property office1 does not manage, so office1 may not manage floor1.
    assert client.get(f"/admin/users/{floor1_id}").status_code == 404


def test_disabling_an_account(app, client, auth):
    auth.login("office1")
    with app.app_context():
        guard_id = db.session.scalar(select(User.id).where(User.username == "guard1"))
    form = {"display_name": "李保安", "role": "guard", "property_ids": str(demo_property_id(app))}
    assert auth.post(f"/admin/users/{guard_id}", form).status_code == 302
    guard = AuthActions(app.test_client())
    assert guard.login("guard1").status_code == 403


def test_nobody_disables_themselves(app, client, auth):
    auth.login("office1")
    with app.app_context():
        own_id = db.session.scalar(select(User.id).where(User.username == "office1"))
    form = {"display_name": "张客服", "role": "office", "property_ids": str(demo_property_id(app))}
    response = auth.post(f"/admin/users/{own_id}", form)
    assert response.status_code == 422


def test_password_reset(app, client, auth):
    auth.login("office1")
    with app.app_context():
        guard_id = db.session.scalar(select(User.id).where(User.username == "guard1"))
    assert auth.post(f"/admin/users/{guard_id}/password", {"password": "x"}).status_code == 422
    response = auth.post(f"/admin/users/{guard_id}/password", {"password": "new-password-1"})
    assert response.status_code == 302
    other = AuthActions(app.test_client())
    assert other.login("guard1", "kefu-demo").status_code == 401
    assert other.login("guard1", "new-password-1").status_code == 302


def test_the_supervisor_manages_the_accounts_and_devices_of_their_property(app, client, auth):
    add_other_property(app)
    tablet = Tablet(app, "guard1")
    auth.login("super1")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "guard1" in listing and "outsider" not in listing
    assert auth.post("/admin/users/new", new_account(app)).status_code == 302
    with app.app_context():
        guard_id = db.session.scalar(select(User.id).where(User.username == "guard1"))
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    response = auth.post(f"/admin/users/{guard_id}/password", {"password": "new-password-1"})
    assert response.status_code == 302
    assert client.get(f"/admin/users/{admin_id}").status_code == 404
    assert auth.post("/admin/users/new", new_account(app, role="admin")).status_code == 422

    assert client.get("/admin/devices").status_code == 200
    revoke = f"/admin/devices/{tablet.device_id}/revoke"
    assert auth.post(revoke, {"reason": "丢失"}).status_code == 302
    with app.app_context():
        assert db.session.get(Device, uuid.UUID(str(tablet.device_id))).revoked
