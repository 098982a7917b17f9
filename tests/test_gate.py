"""The gate through the real endpoints: the office's permits and passes, what gate tablets
hold, the entries and exits they send and what the office is told of them."""

import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.gate.demo import DEMO_PHOTO, DEMO_THUMBNAIL
from app.gate.issue import issue_pass
from app.gate.models import ExitPass, GateEvent, PassState, Permit, PermitState, WorkerPass
from app.gate.sync import exit_qr, pass_qr, qr_hash
from app.models import Property
from sync.tables import flag
from tests.support import Tablet, an_exit_pass, table_contents

ID_A = "11010519491231002X"
ID_B = "440524188001010014"
PHOTO = (DEMO_PHOTO, "image/jpeg", DEMO_THUMBNAIL)


def today() -> date:
    return datetime.now(UTC).date()


def a_permit(app, property_code="DEMO", **overrides) -> int:
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == property_code))
        permit = Permit(
            property_id=prop.id,
            unit="1203室",
            owner="周女士",
            company="匠心装饰",
            foreman="黄师傅",
            foreman_phone="13800001203",
            starts_on=today() - timedelta(days=10),
            ends_on=today() + timedelta(days=30),
            **overrides,
        )
        db.session.add(permit)
        db.session.commit()
        return permit.id


def a_pass(app, permit_id, id_number=ID_A, name="王建国", **overrides) -> int:
    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        values = {
            "name": name,
            "id_number": id_number,
            "phone": "13900000000",
            "trade": "木工",
            "valid_from": permit.starts_on,
            "valid_until": permit.ends_on,
            **overrides,
        }
        worker_pass = issue_pass(permit, PHOTO, **values)
        db.session.commit()
        return worker_pass.id


def gate_record(mutation_id, acting_user_id=None, device_time=None, **args) -> dict:
    mutation = {
        "id": mutation_id,
        "name": "gate.record@1",
        "args": {
            "id": str(uuid.uuid4()),
            "direction": "entry",
            "pass_id": None,
            "exit_pass_id": None,
            "shown": "valid_entering",
            **args,
        },
        "device_time": (device_time or datetime.now(UTC)).isoformat(),
    }
    if acting_user_id is not None:
        mutation["acting_user_id"] = acting_user_id
    return mutation


def gate_changes(tablet) -> dict[str, dict[str, dict]]:
    changes: dict[str, dict[str, dict]] = {}
    for change in tablet.pull().get_json()["changes"]:
        if change["kind"].startswith("gate_"):
            changes.setdefault(change["kind"], {})[change["id"]] = change
    return changes


def flags_of(app) -> list:
    with app.app_context():
        return db.session.execute(select(flag).order_by(flag.c.id)).all()


# ---- the office ------------------------------------------------------------------


def permit_form(**overrides) -> dict:
    return {
        "unit": "1508室",
        "owner": "孙先生",
        "company": "安居家装",
        "foreman": "吴师傅",
        "foreman_phone": "13900001508",
        "starts_on": today().isoformat(),
        "ends_on": (today() + timedelta(days=30)).isoformat(),
        "hours": "",
        "state": "active",
        "deposit_yuan": "3000",
        **overrides,
    }


def pass_form(**overrides) -> dict:
    return {
        "name": "李志强",
        "id_number": ID_B,
        "phone": "13700000000",
        "trade": "电工",
        "valid_from": today().isoformat(),
        "valid_until": (today() + timedelta(days=10)).isoformat(),
        "thumbnail": DEMO_THUMBNAIL,
        "photo": (io.BytesIO(DEMO_PHOTO), "face.jpg"),
        **overrides,
    }


def test_the_office_adds_a_permit_and_issues_a_pass_with_a_photo(app, client, auth):
    auth.login("office1")
    reply = auth.post("/gate/permits", permit_form(hours="09:00-12:00, 13:30-17:30", days=["0"]))
    assert reply.status_code == 302
    with app.app_context():
        permit = db.session.scalar(select(Permit).where(Permit.unit == "1508室"))
        assert permit.hours == [["09:00", "12:00"], ["13:30", "17:30"]] and permit.days == [0]
        permit_id = permit.id
    reply = auth.post(
        f"/gate/permits/{permit_id}/passes", pass_form(), content_type="multipart/form-data"
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    with app.app_context():
        worker_pass = db.session.scalar(select(WorkerPass))
        assert worker_pass.photo.content == DEMO_PHOTO
        pass_id = worker_pass.id
    page = client.get(f"/gate/passes/{pass_id}").get_data(as_text=True)
    assert ID_B in page
    assert client.get(f"/gate/passes/{pass_id}/photo").data == DEMO_PHOTO
    listing = client.get(f"/gate/permits/{permit_id}").get_data(as_text=True)
    assert ID_B not in listing and "440524********0014" in listing


def test_a_valid_pass_and_its_validity_are_two_words(app, client, auth):
    # "Valid" the state (有效) and "Valid" the period (有效期) are one English word.
    permit_id = a_permit(app)
    pass_id = a_pass(app, permit_id)
    auth.login("office1")
    page = client.get(f"/gate/passes/{pass_id}").get_data(as_text=True)
    title = page[page.index("<h1>") : page.index("</h1>")]
    assert title.endswith("王建国 · 有效") and "有效期" not in title
    assert "<dt>有效期</dt>" in page
    permit_page = client.get(f"/gate/permits/{permit_id}").get_data(as_text=True)
    assert "1203室 · 施工中</h1>" in permit_page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "110105194912310021"),
        ("id_number", ""),
        ("name", ""),
        ("valid_until", "2001-01-01"),
        ("valid_from", "not a date"),
        ("photo", b"<html>not a picture"),
    ],
)
def test_a_bad_pass_is_refused_with_its_field_marked_and_nothing_changed(
    app, client, auth, field, value
):
    permit_id = a_permit(app)
    auth.login("office1")
    before = table_contents(app)
    if isinstance(value, bytes):
        value = (io.BytesIO(value), "x.jpg")
    reply = auth.post(
        f"/gate/permits/{permit_id}/passes",
        pass_form(**{field: value}),
        content_type="multipart/form-data",
    )
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert table_contents(app) == before


def test_one_person_holds_one_live_pass_per_permit(app, client, auth):
    permit_id = a_permit(app)
    a_pass(app, permit_id, ID_B)
    auth.login("office1")
    reply = auth.post(
        f"/gate/permits/{permit_id}/passes", pass_form(), content_type="multipart/form-data"
    )
    assert reply.status_code == 422
    assert "已持有" in reply.get_data(as_text=True)
    # The database holds to it whatever the code path.
    with app.app_context(), pytest.raises(IntegrityError):
        permit = db.session.get(Permit, permit_id)
        issue_pass(
            permit,
            PHOTO,
            name="x",
            id_number=ID_B,
            phone="1",
            trade="t",
            valid_from=permit.starts_on,
            valid_until=permit.ends_on,
        )
    # Once revoked, the person may be issued a new pass.
    with app.app_context():
        db.session.scalar(select(WorkerPass)).state = PassState.REVOKED
        db.session.commit()
    reply = auth.post(
        f"/gate/permits/{permit_id}/passes", pass_form(), content_type="multipart/form-data"
    )
    assert reply.status_code == 302


def test_a_bad_permit_is_refused_and_changes_nothing(app, client, auth):
    auth.login("office1")
    before = table_contents(app)
    for bad in (
        {"unit": ""},
        {"hours": "8 to 12"},
        {"ends_on": "2000-01-01"},
        {"deposit_yuan": "lots"},
        {"state": "gone"},
        {"days": ["9"]},
    ):
        reply = auth.post("/gate/permits", permit_form(**bad))
        assert reply.status_code == 422, bad
    assert table_contents(app) == before


def test_an_exit_pass_needs_no_plate_and_a_long_one_is_refused_with_its_field_marked(
    app, client, auth
):
    auth.login("office1")
    form = {
        "unit": "1203室",
        "items": "旧木门 2 扇",
        "carrier": "黄师傅",
        "valid_on": today().isoformat(),
        "approver": "陈主管",
    }
    before = table_contents(app)
    refused = auth.post("/gate/exit-passes", {**form, "plate": "沪" * 21})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'aria-describedby="plate-error"' in page and "最多填写 20 个字" in page
    assert table_contents(app) == before
    assert auth.post("/gate/exit-passes", form).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ExitPass.plate)).all() == [""]


def test_revoking_and_reissuing_need_a_reason(app, client, auth):
    permit_id = a_permit(app)
    pass_id = a_pass(app, permit_id)
    auth.login("office1")
    assert auth.post(f"/gate/passes/{pass_id}/revoke", {"reason": ""}).status_code == 422
    with app.app_context():
        old_token = db.session.get(WorkerPass, pass_id).token
    assert auth.post(f"/gate/passes/{pass_id}/reissue", {"reason": "丢失"}).status_code == 302
    with app.app_context():
        worker_pass = db.session.get(WorkerPass, pass_id)
        assert worker_pass.token != old_token and worker_pass.issue == 2
        assert worker_pass.retired_tokens == [qr_hash("KEFU-P:" + old_token)]
    assert auth.post(f"/gate/passes/{pass_id}/revoke", {"reason": "离场"}).status_code == 302
    with app.app_context():
        worker_pass = db.session.get(WorkerPass, pass_id)
        assert worker_pass.state is PassState.REVOKED and worker_pass.revoked_reason == "离场"


def test_the_print_view_holds_original_and_duplicate_with_the_qr_code(app, client, auth):
    permit_id = a_permit(app)
    pass_id = a_pass(app, permit_id)
    auth.login("office1")
    page = client.get(f"/gate/passes/{pass_id}/print").get_data(as_text=True)
    assert "正本" in page and "副本" in page
    assert page.count("<svg") == 2 and ID_A not in page


def test_gate_settings_are_changed_by_the_office_and_checked(app, client, auth):
    auth.login("office1")
    good = {
        "hours": "07:30-11:30, 13:00-17:00",
        "closing_time": "18:30",
        "stale_hours": "6",
        "days": ["0", "1"],
    }
    assert auth.post("/gate/settings", good).status_code == 302
    for bad in ({"hours": "x"}, {"closing_time": "25:00"}, {"stale_hours": "0"}):
        assert auth.post("/gate/settings", {**good, **bad}).status_code == 422


# ---- the gate tablet -------------------------------------------------------------


def test_guards_hold_passes_permits_photos_and_exit_passes_but_never_a_full_id(app):
    permit_id = a_permit(app)
    pass_id = a_pass(app, permit_id)
    exit_id = an_exit_pass(app)
    guard = Tablet(app, "guard1")
    reply = guard.pull()
    body = reply.get_data(as_text=True)
    assert ID_A not in body
    held = {}
    for change in reply.get_json()["changes"]:
        held.setdefault(change["kind"], {})[change["id"]] = change["data"]
    worker = held["gate_pass"][str(pass_id)]
    assert worker["id_masked"] == "110105********002X" and worker["permit_id"] == permit_id
    with app.app_context():
        worker_pass = db.session.get(WorkerPass, pass_id)
        assert worker["qr"] == qr_hash(pass_qr(worker_pass))
        assert worker_pass.token not in body
        assert held["gate_exit_pass"][str(exit_id)]["qr"] == qr_hash(
            exit_qr(db.session.get(ExitPass, exit_id))
        )
    (photo,) = held["gate_photo"].values()
    assert photo["pass_id"] == pass_id and photo["thumbnail"] == DEMO_THUMBNAIL
    assert held["gate_permit"][str(permit_id)]["unit"] == "1203室"


def test_floor_staff_hold_nothing_of_the_gate(app):
    a_pass(app, a_permit(app))
    floor = Tablet(app, "floor1")
    kinds = {c["kind"] for c in floor.pull().get_json()["changes"]}
    assert not {kind for kind in kinds if kind.startswith("gate_")}


def test_a_photo_leaves_the_tablet_when_its_pass_is_revoked_or_runs_out(app, client, auth):
    permit_id = a_permit(app)
    revoked_id = a_pass(app, permit_id)
    expiring_id = a_pass(app, permit_id, ID_B)
    guard = Tablet(app, "guard1")
    assert len(gate_changes(guard)["gate_photo"]) == 2
    auth.login("office1")
    auth.post(f"/gate/passes/{revoked_id}/revoke", {"reason": "离职"})
    with app.app_context():
        # Its last day passed: the photo's time on the tablets is over.
        photo = db.session.get(WorkerPass, expiring_id).photo
        photo.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    changes = gate_changes(guard)
    assert {c["op"] for c in changes["gate_photo"].values()} == {"delete"}
    assert len(changes["gate_photo"]) == 2
    # The revoked pass itself stays, to say so.
    assert changes["gate_pass"][str(revoked_id)]["data"]["state"] == "revoked"
    assert changes["gate_pass"][str(revoked_id)]["data"]["revoked_reason"] == "离职"


def test_a_suspended_permit_reaches_the_tablet(app, client, auth):
    permit_id = a_permit(app)
    guard = Tablet(app, "guard1")
    gate_changes(guard)
    auth.login("office1")
    reply = auth.post(f"/gate/permits/{permit_id}", permit_form(state="suspended"))
    assert reply.status_code == 302
    change = gate_changes(guard)["gate_permit"][str(permit_id)]
    assert change["data"]["state"] == PermitState.SUSPENDED.value


def test_entries_and_exits_are_recorded_under_the_guard(app):
    pass_id = a_pass(app, a_permit(app))
    guard = Tablet(app, "guard1")
    reply = guard.push(
        gate_record(1, pass_id=pass_id),
        gate_record(2, pass_id=pass_id, direction="exit", shown="valid_leaving"),
    )
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied", "applied"]
    assert "flags" not in reply.get_json()["results"][0]
    with app.app_context():
        events = db.session.scalars(select(GateEvent).order_by(GateEvent.device_time)).all()
        assert [e.created_by.username for e in events] == ["guard1", "guard1"]
    # Every gate tablet of the property holds them: the duplicates held are shared.
    other = Tablet(app, "guard1")
    assert len(gate_changes(other)["gate_event"]) == 2


def test_an_entry_on_a_pass_revoked_at_the_devices_time_is_kept_and_flagged(app, client, auth):
    pass_id = a_pass(app, a_permit(app))
    guard = Tablet(app, "guard1")
    auth.login("office1")
    auth.post(f"/gate/passes/{pass_id}/revoke", {"reason": "离职"})
    before = datetime.now(UTC) - timedelta(hours=1)
    reply = guard.push(
        # Let in an hour before the revocation: nothing to flag.
        gate_record(1, pass_id=pass_id, device_time=before),
        gate_record(2, pass_id=pass_id, direction="exit", shown="valid_leaving"),
        gate_record(3, pass_id=pass_id),
    )
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert results[2]["flags"] == ["gate_entry_revoked"] and "flags" not in results[0]
    (row,) = flags_of(app)
    assert row.detail["revoked_reason"] == "离职" and row.detail["device_time"]
    assert row.detail["received_at"] and row.detail["revoked_at"]
    page = client.get("/gate/flags").get_data(as_text=True)
    assert "注销后入场" in page and "王建国" in page and "李保安" in page


def test_an_entry_on_an_expired_pass_is_flagged(app):
    permit_id = a_permit(app)
    pass_id = a_pass(
        app,
        permit_id,
        valid_from=today() - timedelta(days=9),
        valid_until=today() - timedelta(days=2),
    )
    reply = Tablet(app, "guard1").push(gate_record(1, pass_id=pass_id))
    assert reply.get_json()["results"][0]["flags"] == ["gate_entry_expired"]


def property_today() -> date:
    """Today on the demo property's clocks, the day a gate entry is judged by."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_an_entry_the_day_after_a_pass_ended_is_flagged(app):
    permit_id = a_permit(app)
    yesterday = property_today() - timedelta(days=1)
    pass_id = a_pass(
        app, permit_id, valid_from=yesterday - timedelta(days=5), valid_until=yesterday
    )
    reply = Tablet(app, "guard1").push(gate_record(1, pass_id=pass_id))
    assert reply.get_json()["results"][0]["flags"] == ["gate_entry_expired"]
    (row,) = flags_of(app)
    assert row.detail["valid_until"] == yesterday.isoformat()


def test_an_entry_on_a_passs_last_day_is_not_flagged(app):
    permit_id = a_permit(app)
    last_day = property_today()
    pass_id = a_pass(app, permit_id, valid_from=last_day - timedelta(days=5), valid_until=last_day)
    reply = Tablet(app, "guard1").push(gate_record(1, pass_id=pass_id))
    assert reply.get_json()["results"][0]["status"] == "applied"
    assert "flags" not in reply.get_json()["results"][0]
    assert flags_of(app) == []


def test_one_gate_event_makes_one_flag_naming_its_pass_and_worker(app, client, auth):
    permit_id = a_permit(app)
    ended = property_today() - timedelta(days=3)
    pass_id = a_pass(app, permit_id, valid_from=ended - timedelta(days=5), valid_until=ended)
    with app.app_context():
        number = db.session.get(WorkerPass, pass_id).number
    synced = (datetime.now(UTC) - timedelta(hours=13)).isoformat()
    reply = Tablet(app, "guard1").push(
        # Let in on an expired pass, against the check, on an out-of-date list: one event.
        gate_record(
            1,
            pass_id=pass_id,
            shown="expired",
            override_reason="业主在场，取工具",
            stale=True,
            list_synced_at=synced,
        )
    )
    assert reply.get_json()["results"][0]["flags"] == ["gate_entry_expired"]
    (row,) = flags_of(app)
    assert row.detail["pass_number"] == number and row.detail["worker"] == "王建国"
    assert row.detail["why"] == "业主在场，取工具" and row.detail["list_synced_at"]
    assert row.detail["also"] == ["gate_override", "gate_stale_list"]
    auth.login("office1")
    page = client.get("/gate/flags").get_data(as_text=True)
    table = page[page.index('id="gate-flags"') : page.index('id="still-inside"')]
    assert table.count("<tr>") == 2  # the heading and the one flag
    assert f"出入证 {number:04d} · 王建国" in table and "业主在场，取工具" in table
    assert "查验不通过仍放行" in table and "在过期名单上查验" in table


def test_an_override_alone_names_its_pass_and_worker(app):
    pass_id = a_pass(app, a_permit(app))
    reply = Tablet(app, "guard1").push(
        gate_record(1, pass_id=pass_id, shown="outside_hours", override_reason="业主陪同")
    )
    assert reply.get_json()["results"][0]["flags"] == ["gate_override"]
    (row,) = flags_of(app)
    assert row.detail["worker"] == "王建国" and row.detail["pass_number"]
    assert row.detail["why"] == "业主陪同" and row.detail["also"] == []


def test_overrides_and_stale_lists_are_flagged(app):
    pass_id = a_pass(app, a_permit(app))
    guard = Tablet(app, "guard1")
    synced = (datetime.now(UTC) - timedelta(hours=13)).isoformat()
    reply = guard.push(
        gate_record(
            1, pass_id=pass_id, shown="outside_hours", override_reason="业主陪同，紧急维修"
        ),
        gate_record(
            2,
            pass_id=pass_id,
            direction="exit",
            shown="valid_leaving",
            stale=True,
            list_synced_at=synced,
        ),
    )
    results = reply.get_json()["results"]
    assert results[0]["flags"] == ["gate_override"] and results[1]["flags"] == ["gate_stale_list"]
    reasons = {row.reason: row.detail for row in flags_of(app)}
    assert reasons["gate_override"]["why"] == "业主陪同，紧急维修"


def test_an_exit_pass_releases_once_and_a_second_use_is_flagged(app):
    exit_id = an_exit_pass(app)
    first, second = Tablet(app, "guard1"), Tablet(app, "guard1")
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    release = {"direction": "release", "exit_pass_id": exit_id, "shown": "valid_release"}
    assert (
        "flags"
        not in first.push(gate_record(1, device_time=earlier, **release)).get_json()["results"][0]
    )
    reply = second.push(gate_record(1, **release))
    assert reply.get_json()["results"][0]["flags"] == ["exit_pass_reused"]
    with app.app_context():
        assert db.session.get(ExitPass, exit_id).released_at == earlier.replace(
            microsecond=earlier.microsecond
        )
    assert gate_changes(first)["gate_exit_pass"][str(exit_id)]["data"]["released_at"]


@pytest.mark.parametrize(
    "args",
    [
        {"pass_id": None},
        {"direction": "release"},
        {"shown": "expired"},  # a refusal let through without a reason
        {"shown": "unknown"},
        {"shown": "guessing"},
        {"override_reason": ""},
        {"override_reason": "x" * 501},
        {"stale": "perhaps"},
        {"list_synced_at": "yesterday"},
    ],
)
def test_bad_gate_records_are_refused(app, args):
    pass_id = a_pass(app, a_permit(app))
    reply = Tablet(app, "guard1").push(gate_record(1, **{"pass_id": pass_id, **args}))
    assert reply.get_json()["results"][0]["reason"] == "invalid"


def test_a_pass_of_another_property_is_refused(app):
    pass_id = a_pass(app, a_permit(app))
    with app.app_context():
        db.session.add(Property(code="OTHER", name="别的小区"))
        db.session.commit()
    elsewhere = a_pass(app, a_permit(app, "OTHER"), ID_B)
    reply = Tablet(app, "guard1").push(
        gate_record(1, pass_id=elsewhere), gate_record(2, pass_id=pass_id)
    )
    assert [r.get("reason") for r in reply.get_json()["results"]] == ["unknown_pass", None]


def test_only_guards_record_at_the_gate(app):
    pass_id = a_pass(app, a_permit(app))
    reply = Tablet(app, "floor1").push(gate_record(1, pass_id=pass_id))
    assert reply.get_json()["results"][0]["reason"] == "forbidden"


# ---- the office desk -------------------------------------------------------------


def test_the_gate_log_and_its_csv_show_masked_ids_only(app, client, auth):
    pass_id = a_pass(app, a_permit(app))
    Tablet(app, "guard1").push(gate_record(1, pass_id=pass_id))
    auth.login("office1")
    page = client.get("/gate/events").get_data(as_text=True)
    assert "王建国 · 110105********002X" in page and ID_A not in page
    exported = client.get("/desk/gate-log.csv").get_data(as_text=True)
    assert ID_A not in exported
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert len(rows) == 2 and "110105********002X" in " ".join(rows[1])


def test_workers_still_inside_after_closing_are_listed_for_the_office(app, client, auth):
    permit_id = a_permit(app)
    inside, left = a_pass(app, permit_id), a_pass(app, permit_id, ID_B, name="李志强")
    guard = Tablet(app, "guard1")
    # Before closing time (19:00 at the property) and before now, whenever the test runs.
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC)
    closing = datetime.combine(now.astimezone(zone).date(), time(19), tzinfo=zone)
    reference = min(now, closing)
    guard.push(
        gate_record(1, pass_id=inside, device_time=reference - timedelta(hours=2)),
        gate_record(2, pass_id=left, device_time=reference - timedelta(hours=2)),
        gate_record(
            3,
            pass_id=left,
            direction="exit",
            shown="valid_leaving",
            device_time=reference - timedelta(hours=1),
        ),
    )
    auth.login("office1")
    page = client.get("/gate/flags").get_data(as_text=True)
    table = page[page.index('id="still-inside"') :]
    assert "王建国" in table and "李志强" not in table


def test_the_demo_gate_has_three_permits_and_25_passes(app):
    with app.app_context():
        from app.demo import add_job_demos

        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        add_job_demos(prop)
        passes = db.session.scalars(select(WorkerPass)).all()
        assert len(db.session.scalars(select(Permit)).all()) == 3 and len(passes) == 25
        assert sum(p.state is PassState.REVOKED for p in passes) == 1
        assert sum(p.valid_until < today() for p in passes) == 1
        assert len(db.session.scalars(select(ExitPass)).all()) == 2
        assert db.session.scalar(select(GateEvent.id).limit(1)) is not None
