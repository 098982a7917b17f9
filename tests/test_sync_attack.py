"""Sync as a hostile or broken tablet drives it: no input jams a queue, breaks a page or
crosses a property."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.duty.models import DutyEntry
from app.extensions import db
from app.models import Area, AreaKind, Building, Device, Floor, Property, Role, User
from sync.tables import attachment, flag, rejection
from tests.support import PNG, AuthActions, Tablet, duty_entry, office_elsewhere


def raw_push(tablet: Tablet, mutations_json: str):
    """A push whose mutations are JSON text as a device could send it, NaN and all."""
    body = (
        f'{{"client_id": "{tablet.client_id}", "schema_version": 1, "mutations": {mutations_json}}}'
    )
    return tablet.client.post(
        "/sync/push", data=body, content_type="application/json", headers=tablet.headers
    )


def problems_page(app) -> str:
    office = app.test_client()
    AuthActions(office).login("office1")
    page = office.get("/sync/problems")
    assert page.status_code == 200
    return page.get_data(as_text=True)


POISONS = {
    "an area id no column holds": '{"area_id": 18446744073709551616}',
    "an area id below any column": '{"area_id": -9223372036854775809}',
    "half an emoji": '{"text": "\\ud83d"}',
    "a NUL": '{"text": "a\\u0000b"}',
    "not a number": '{"area_id": NaN}',
    "infinity": '{"area_id": Infinity}',
    "nested deeper than a change needs": '{"text": ' + "[" * 40 + "]" * 40 + "}",
}


@pytest.mark.parametrize("poison", list(POISONS), ids=list(POISONS))
def test_a_poisoned_value_is_refused_alone_and_the_queue_moves_on(app, poison):
    tablet = Tablet(app, "floor1")
    good_before, good_after = duty_entry(1, text="之前"), duty_entry(3, text="之后")
    # Spliced in as raw JSON, last so that it wins over the valid value of its key.
    poisoned_json = (
        f'{{"id": 2, "name": "duty.create_entry@1", "device_time": "{good_after["device_time"]}",'
        f' "args": {{"id": "{uuid.uuid4()}", "category": "facility", "text": "x", '
        f"{POISONS[poison][1:-1]}}}}}"
    )
    mutations = f"[{json.dumps(good_before)}, {poisoned_json}, {json.dumps(good_after)}]"
    for _attempt in range(2):  # and again, as after a lost reply
        reply = raw_push(tablet, mutations)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        assert reply.get_json()["last_mutation_id"] == 3
    results = [(r["id"], r["status"]) for r in raw_push(tablet, mutations).get_json()["results"]]
    assert results == [(1, "duplicate"), (2, "duplicate"), (3, "duplicate")]
    with app.app_context():
        texts = sorted(db.session.scalars(select(DutyEntry.text)))
        assert texts == ["之前", "之后"]
        assert db.session.scalar(select(func.count()).select_from(rejection)) == 1
    # Named as people know it, with the engine's name beside it.
    assert "值班日志 <code>duty.create_entry@1</code>" in problems_page(app)


MALFORMED = {
    "a time that is no time": {"device_time": "yesterday"},
    "a time without its offset": {"device_time": "2026-12-01T08:00:00"},
    "args that are no object": {"args": ["text"]},
    "a name that is no text": {"name": 7},
    "a name with half an emoji": {"name": "duty.create_entry@1\ud83d"},
    "a field too many": {"extra": True},
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_a_mutation_with_malformed_fields_is_refused_alone(app, case):
    tablet = Tablet(app, "floor1")
    broken = {**duty_entry(2), **MALFORMED[case]}
    reply = tablet.push(duty_entry(1), broken, duty_entry(3))
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body = reply.get_json()
    assert body["last_mutation_id"] == 3
    assert [(r["status"], r.get("reason")) for r in body["results"]] == [
        ("applied", None),
        ("rejected", "invalid"),
        ("applied", None),
    ]
    assert problems_page(app).count("<tr") >= 2


def test_only_an_unreadable_id_refuses_the_whole_push(app):
    tablet = Tablet(app, "floor1")
    for bad_id in ("1", 0, -1, 1.5, None, 2**70):
        reply = tablet.push(duty_entry(1), {**duty_entry(2), "id": bad_id})
        assert reply.status_code == 400, bad_id
        assert reply.get_json()["error"] == "invalid_request"
    assert tablet.push(duty_entry(1)).get_json()["last_mutation_id"] == 1


@pytest.mark.parametrize("path", ["/sync/push", "/sync/pull"])
def test_json_nested_beyond_the_parser_is_invalid_json(app, path):
    tablet = Tablet(app, "floor1")
    body = "[" * 100_000 + "]" * 100_000
    reply = tablet.client.post(
        path, data=body, content_type="application/json", headers=tablet.headers
    )
    assert reply.status_code == 400
    assert reply.get_json()["error"] == "invalid_json"


def test_the_devices_offset_is_kept_with_its_time(app):
    tablet = Tablet(app, "floor1")
    sent = duty_entry(1, text="北京时间")
    sent["device_time"] = "2026-12-01T14:05:09.120000+08:00"
    refused = duty_entry(2, text="")
    refused["device_time"] = "2026-12-01T14:06:00+05:30"
    tablet.push(sent, refused)
    (change,) = [c for c in tablet.pull().get_json()["changes"] if c["kind"] == "duty_entry"]
    assert change["data"]["device_time"] == "2026-12-01T14:05:09.120000+08:00"
    with app.app_context():
        stored = db.session.scalar(select(DutyEntry))
        assert stored.device_time == datetime(2026, 12, 1, 6, 5, 9, 120000, tzinfo=UTC)
        assert db.session.execute(select(rejection.c.device_utc_offset)).scalar() == 330


def test_a_huge_refused_change_is_kept_in_part(app):
    tablet = Tablet(app, "floor1")
    reply = tablet.push(duty_entry(1, text="长" * 1_000_000))
    assert reply.get_json()["results"][0]["status"] == "rejected"
    with app.app_context():
        kept = db.session.execute(select(rejection.c.args)).scalar()
    assert kept["truncated_from_chars"] > 1_000_000
    assert len(kept["start"]) <= 4000
    assert len(problems_page(app)) < 100_000


def test_a_device_keeps_at_most_so_many_refusals_an_hour(app):
    tablet = Tablet(app, "floor1")
    for start in (1, 201):
        reply = tablet.push(*(duty_entry(n, text="") for n in range(start, start + 200)))
        assert reply.get_json()["last_mutation_id"] == start + 199
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(rejection)) == 200
        (dropped,) = db.session.execute(select(flag.c.reason, flag.c.detail)).all()
    assert dropped.reason == "rejections_dropped" and dropped.detail["count"] == 200
    assert "未全部保存" in problems_page(app)


def second_property_with_floor_staff(app) -> None:
    """别的小区 with an area, and floor9, who works there only."""
    with app.app_context():
        other = Property(code="OTHER", name="别的小区")
        other.buildings.append(Building(name="一栋", floors=[Floor(name="1F", level=1)]))
        db.session.add(other)
        db.session.flush()
        other.buildings[0].floors[0].areas.append(Area(name="别处大堂", kind=AreaKind.LOBBY))
        floor9 = User(username="floor9", display_name="别处楼层", role=Role.FLOOR_STAFF)
        floor9.set_password("floor9-password")
        floor9.properties = [other]
        db.session.add(floor9)
        db.session.commit()


def other_tablet(app) -> Tablet:
    return Tablet(app, "floor9", "floor9-password")


def test_a_record_id_of_another_property_is_refused_without_a_word_of_it(app):
    second_property_with_floor_staff(app)
    ours = Tablet(app, "floor1")
    secret = duty_entry(1, text="一号楼的秘密")
    ours.push(secret)
    theirs = other_tablet(app)
    reply = theirs.push(duty_entry(1, id=secret["args"]["id"], text="冒用编号"))
    (result,) = reply.get_json()["results"]
    assert result["status"] == "rejected" and result["reason"] == "id_taken"
    assert "秘密" not in reply.get_data(as_text=True)
    elsewhere = office_elsewhere(app)
    page = elsewhere.get("/sync/problems").get_data(as_text=True)
    assert "冒用编号" in page and "秘密" not in page
    assert "冒用编号" not in problems_page(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(flag)) == 0


def test_nothing_of_one_property_reaches_the_other(app):
    second_property_with_floor_staff(app)
    ours, theirs = Tablet(app, "floor1"), other_tablet(app)
    photo_id = uuid.uuid4()
    assert ours.upload(photo_id, PNG, content_type="image/png").status_code == 201
    ours.push(duty_entry(1, text="一号楼记录", photo_ids=[str(photo_id)]))
    pulled = json.dumps(theirs.pull().get_json(), ensure_ascii=False)
    assert "一号楼记录" not in pulled and "大堂" not in pulled.replace("别处大堂", "")
    # Their device names our photo in its own entry: still not theirs to see.
    theirs.push(duty_entry(1, text="借用照片", photo_ids=[str(photo_id)]))
    assert office_elsewhere(app).get(f"/attachments/{photo_id}").status_code == 404


def test_bytes_after_a_pictures_end_are_never_served(app):
    tablet = Tablet(app, "floor1")
    photo_id = uuid.uuid4()
    smuggled = PNG + b"<html><script>alert(1)</script></html>"
    assert tablet.upload(photo_id, smuggled, content_type="image/png").status_code == 201
    tablet.push(duty_entry(1, photo_ids=[str(photo_id)]))
    office = app.test_client()
    AuthActions(office).login("office1")
    served = office.get(f"/attachments/{photo_id}")
    assert served.data == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    # Sending the same upload again is a repeat, not another file under the id.
    assert tablet.upload(photo_id, smuggled, content_type="image/png").status_code == 200
    with app.app_context():
        assert db.session.execute(select(attachment.c.size)).scalar() == len(PNG)


def test_an_incomplete_picture_is_refused(app):
    tablet = Tablet(app, "floor1")
    reply = tablet.upload(uuid.uuid4(), PNG[:-12], content_type="image/png")
    assert reply.status_code == 415 and reply.get_json()["error"] == "unreadable_image"


def edit_user(app, username, **changes):
    """The admin changes an account as the admin page would."""
    admin = app.test_client()
    AuthActions(admin).login("admin")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        form = {
            "display_name": user.display_name,
            "role": user.role.value,
            "property_ids": [str(p.id) for p in user.properties],
            "active": "on",
        }
        user_id = user.id
    form.update(changes)
    form = {k: v for k, v in form.items() if v is not None}
    assert AuthActions(admin).post(f"/admin/users/{user_id}", form).status_code == 302


def test_taken_off_the_property_the_tablet_is_cut_off_at_its_next_request(app):
    second_property_with_floor_staff(app)
    tablet = Tablet(app, "floor1")
    assert tablet.pull().status_code == 200
    with app.app_context():
        other_id = db.session.scalar(select(Property.id).where(Property.code == "OTHER"))
    edit_user(app, "floor1", property_ids=[str(other_id)])
    for reply in (tablet.push(duty_entry(1)), tablet.pull()):
        assert reply.status_code == 401
        assert reply.get_json()["error"] == "not_a_member"
    # Signed in on its pages, the tablet follows its user to the property they have left.
    assert tablet.client.get("/duty/").status_code == 200
    renewed = tablet.auth.post("/sync/token").get_json()
    assert renewed["property_id"] == other_id
    tablet.token = renewed["token"]
    pulled = tablet.pull().get_json()
    assert pulled["reset"]
    names = {c["data"]["name"] for c in pulled["changes"] if c["kind"] == "area"}
    assert names == {"别处大堂"}


def test_a_role_change_makes_the_tablet_refetch_what_it_may_hold(app):
    tablet = Tablet(app, "floor1")
    tablet.pull()
    edit_user(app, "floor1", role="guard")
    pulled = tablet.pull().get_json()
    assert pulled["must_refetch"] and pulled["reset"]
    assert not [c for c in pulled["changes"] if c["kind"] == "area"]


@pytest.mark.parametrize("cut", ["revoked", "disabled"])
def test_a_revoked_device_or_disabled_account_is_cut_off_at_its_next_request(app, cut):
    tablet = Tablet(app, "floor1")
    assert tablet.pull().status_code == 200
    with app.app_context():
        device = db.session.get(Device, tablet.device_id)
        if cut == "revoked":
            device.revoked_at = datetime.now(UTC)
        else:
            device.user.active = False
        db.session.commit()
    expected = {"revoked": "device_revoked", "disabled": "account_disabled"}[cut]
    for reply in (tablet.push(duty_entry(1)), tablet.pull()):
        assert reply.status_code == 401
        assert reply.get_json()["error"] == expected


def test_a_device_id_alone_claims_no_device(app):
    tablet = Tablet(app, "floor1")
    thief = app.test_client()
    reply = AuthActions(thief).login("guard1", device_id=tablet.device_id)
    assert reply.status_code == 403
    reply = AuthActions(thief).login("guard1", device_id=tablet.device_id, device_secret="f" * 64)
    assert reply.status_code == 403
    with app.app_context():
        assert db.session.get(Device, tablet.device_id).user.username == "floor1"
    assert tablet.pull().status_code == 200
    # The tablet itself, with its secret, signs in again as before.
    again = AuthActions(tablet.client).login(
        "floor1", device_id=tablet.device_id, device_secret=tablet.device_secret
    )
    assert again.status_code == 302
