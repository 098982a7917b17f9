"""Who holds a shared tablet: PINs, hand-overs, and changes made in each holder's name."""

from datetime import UTC, datetime

from sqlalchemy import select

from app.duty.models import DutyEntry
from app.extensions import db
from app.models import HandOver, Property, Role, User
from sync.tables import flag
from tests.support import AuthActions, Tablet, duty_entry

PIN = "246810"


def take_over(mutation_id: int, user_id: int, from_user_id=None) -> dict:
    return {
        "id": mutation_id,
        "name": "handover.take@1",
        "args": {"user_id": user_id, "from_user_id": from_user_id},
        "device_time": datetime.now(UTC).isoformat(),
    }


def add_guard(app, username="guard3", pin=PIN) -> int:
    """Another guard of the demo property (beside its guard1 and guard2), with a hand-over PIN."""
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        guard = User(username=username, display_name="赵保安", role=Role.GUARD)
        guard.set_password("guard3-password")
        if pin:
            guard.set_pin(pin)
        guard.properties = [prop]
        db.session.add(guard)
        db.session.commit()
        return guard.id


def user_id(app, username) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_a_user_sets_a_pin_that_is_checked_against_its_schema(app, client, auth):
    auth.login("guard1")
    assert client.get("/handover/pin").status_code == 200
    refused = auth.post("/handover/pin", {"pin": "12ab", "pin_again": "12ab"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    differ = auth.post("/handover/pin", {"pin": "135790", "pin_again": "135791"})
    assert differ.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User.pin_hash).where(User.username == "guard1")) is None
    assert auth.post("/handover/pin", {"pin": "135790", "pin_again": "135790"}).status_code == 302
    with app.app_context():
        guard = db.session.scalar(select(User).where(User.username == "guard1"))
        assert guard.pin_hash and "135790" not in guard.pin_hash + guard.pin_salt


def test_a_tablet_holds_the_pins_of_its_property_and_role_only(app):
    add_guard(app)
    with app.app_context():
        floor = db.session.scalar(select(User).where(User.username == "floor1"))
        floor.set_pin("999999")
        db.session.commit()
    guard_tablet, floor_tablet = Tablet(app, "guard1"), Tablet(app, "floor1")
    guards = guard_tablet.client.get("/handover/pins", headers=guard_tablet.headers).get_json()
    assert [u["name"] for u in guards["users"]] == ["赵保安"]
    assert set(guards["users"][0]) == {"id", "name", "salt", "iterations", "hash"}
    floors = floor_tablet.client.get("/handover/pins", headers=floor_tablet.headers).get_json()
    assert [u["name"] for u in floors["users"]] == ["王楼层"]
    assert floor_tablet.client.get("/handover/pins").status_code == 401


def test_an_offline_hand_over_lets_both_holders_entries_arrive_under_their_names(app):
    guard2 = add_guard(app)
    guard1 = user_id(app, "guard1")
    tablet = Tablet(app, "guard1")
    reply = tablet.push(
        duty_entry(1, acting_user_id=guard1, text="交班前：一切正常"),
        take_over(2, guard2, guard1),
        duty_entry(3, acting_user_id=guard2, text="接班后：3号门有人逗留"),
    )
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert results[1]["flags"] == ["offline_hand_over"]
    with app.app_context():
        made_by = {e.text: e.created_by.username for e in db.session.scalars(select(DutyEntry))}
        assert made_by == {"交班前：一切正常": "guard1", "接班后：3号门有人逗留": "guard3"}
        (handed,) = db.session.scalars(select(HandOver).where(HandOver.by_pin))
        assert handed.user_id == guard2 and handed.from_user_id == guard1
        assert db.session.execute(select(flag.c.reason)).scalars().all() == ["offline_hand_over"]
    office = app.test_client()
    AuthActions(office).login("office1")
    assert "离线时以密码交接设备" in office.get("/sync/problems").get_data(as_text=True)


def test_a_change_in_the_name_of_someone_who_never_held_the_device_is_refused(app):
    guard2 = add_guard(app)
    tablet = Tablet(app, "guard1")
    reply = tablet.push(
        duty_entry(1, acting_user_id=guard2, text="冒名"), duty_entry(2, text="本人")
    )
    assert [(r["status"], r.get("reason")) for r in reply.get_json()["results"]] == [
        ("rejected", "not_a_holder"),
        ("applied", None),
    ]


def test_only_a_colleague_with_a_pin_may_take_the_device_over(app):
    no_pin = add_guard(app, "guard3", pin=None)
    floor = user_id(app, "floor1")
    tablet = Tablet(app, "guard1")
    results = tablet.push(take_over(1, no_pin), take_over(2, floor)).get_json()["results"]
    assert [r.get("reason") for r in results] == ["not_a_colleague", "not_a_colleague"]


def test_the_changes_of_who_signed_out_still_sync_after_the_next_sign_in(app):
    guard2 = add_guard(app)
    guard1 = user_id(app, "guard1")
    tablet = Tablet(app, "guard1")
    tablet.auth.logout()
    tablet.auth.login(
        "guard3", "guard3-password", device_id=tablet.device_id, device_secret=tablet.device_secret
    )
    reply = tablet.push(
        duty_entry(1, acting_user_id=guard1, text="上一班的记录"),
        duty_entry(2, acting_user_id=guard2, text="这一班的记录"),
    )
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied", "applied"]
    with app.app_context():
        made_by = {e.text: e.created_by_id for e in db.session.scalars(select(DutyEntry))}
    assert made_by == {"上一班的记录": guard1, "这一班的记录": guard2}
    assert "flags" not in reply.get_json()["results"][1]


def test_a_disabled_holder_can_no_longer_act_on_the_device(app):
    guard2 = add_guard(app)
    tablet = Tablet(app, "guard1")
    tablet.push(take_over(1, guard2))
    with app.app_context():
        db.session.get(User, guard2).active = False
        db.session.commit()
    (result,) = tablet.push(duty_entry(2, acting_user_id=guard2, text="停用之后")).get_json()[
        "results"
    ]
    assert result["reason"] == "not_a_holder"


def duty_entries_pulled(tablet: Tablet) -> dict[str, int]:
    """The duty-log entries the tablet's pull holds, text to who made it."""
    reply = tablet.pull().get_json()
    return {
        change["data"]["text"]: change["data"]["created_by_id"]
        for change in reply["changes"]
        if change["kind"] == "duty_entry" and change["op"] == "put"
    }


def test_a_tablet_holds_what_each_of_its_holders_of_today_made_on_it(app):
    guard3 = add_guard(app)
    guard1 = user_id(app, "guard1")
    tablet = Tablet(app, "guard1")
    tablet.push(duty_entry(1, acting_user_id=guard1, text="交班前：一切正常"))
    assert duty_entries_pulled(tablet) == {"交班前：一切正常": guard1}
    tablet.push(
        take_over(2, guard3, guard1),
        duty_entry(3, acting_user_id=guard3, text="接班后：3号门有人逗留"),
    )
    # The new holder's entries come back from the server like the first holder's, each
    # saying who made it, so that the tablet lists the holder's own.
    assert duty_entries_pulled(tablet) == {
        "交班前：一切正常": guard1,
        "接班后：3号门有人逗留": guard3,
    }
    # Someone of another role who wrote on their own tablet is not among them.
    Tablet(app, "floor1").push(duty_entry(1, text="楼层：大堂灯不亮"))
    tablet.cursor = None
    assert set(duty_entries_pulled(tablet)) == {"交班前：一切正常", "接班后：3号门有人逗留"}
