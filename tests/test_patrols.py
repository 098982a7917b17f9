"""Floor patrols through the real endpoints: the round a tablet submits, what the server
checks again, the tickets and duty-log line it adds, versions, roles, the office's pages."""

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.demo import add_job_demos
from app.duty.models import DutyEntry
from app.extensions import db
from app.models import Area, AreaKind, Property, areas_at, utcnow
from app.patrols.demo import add_checklists
from app.patrols.editing import items_of, new_version
from app.patrols.models import (
    ChecklistTemplate,
    Outcome,
    PatrolResult,
    PatrolRound,
    PatrolSchedule,
)
from app.repairs.models import RepairCategory, RepairTicket, TicketState
from tests.support import JPEG, Tablet, add_annex, table_contents

MUTATION = "patrols.submit_round@1"


@pytest.fixture
def checklists(app):
    with app.app_context():
        add_checklists(db.session.scalar(select(Property).where(Property.code == "DEMO")))
        db.session.commit()


def area_named(app, name: str) -> dict:
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        area = db.session.scalar(areas_at(prop.id).where(Area.name == name))
        template = db.session.scalar(
            select(ChecklistTemplate).where(
                ChecklistTemplate.area_kind == area.kind, ChecklistTemplate.current
            )
        )
        return {
            "id": area.id,
            "code": area.checkpoint_code,
            "template_id": template.id,
            "version": template.version,
            "items": [
                {"id": i.id, "key": i.key, "kind": i.kind.value, "photo": i.photo_required}
                for i in template.items
            ],
        }


def answer_all(area: dict, **special) -> list[dict]:
    """Every item OK (readings within the lobby's and floors' standards), but for those
    given by key: a dict of the result's fields."""
    typical = {"ac_comfort": 24.0, "light_level": 600.0, "aroma": 2.5}
    results = []
    for item in area["items"]:
        result = {"item_id": item["id"], "outcome": "ok", "photo_ids": []}
        if item["kind"] == "reading":
            result["value"] = typical[item["key"]]
        if item["kind"] == "text":
            result["note"] = "无"
        result.update(special.get(item["key"], {}))
        results.append(result)
    return results


def a_round(mutation_id: int, area: dict, results=None, **args) -> dict:
    started = datetime.now(UTC) - timedelta(minutes=8)
    return {
        "id": mutation_id,
        "name": MUTATION,
        "args": {
            "id": str(uuid.uuid4()),
            "area_id": area["id"],
            "template_id": area["template_id"],
            "template_version": area["version"],
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=7)).isoformat(),
            "scanned": True,
            "checkpoint_code": area["code"],
            "results": results if results is not None else answer_all(area),
            **args,
        },
        "device_time": datetime.now(UTC).isoformat(),
    }


def statuses(reply) -> list[str]:
    """Each mutation's status, or its reason where it was rejected."""
    results = reply.get_json()["results"]
    return [r["reason"] if r["status"] == "rejected" else r["status"] for r in results]


def results_of(app, mutation) -> dict[str, PatrolResult]:
    with app.app_context():
        rows = db.session.scalars(
            select(PatrolResult).where(PatrolResult.round_id == uuid.UUID(mutation["args"]["id"]))
        )
        return {row.item.key: row for row in rows}


def test_a_round_is_recorded_with_its_results_and_a_duty_log_line(app, checklists):
    lobby = area_named(app, "大堂")
    tablet = Tablet(app, "floor1")
    mutation = a_round(
        1,
        lobby,
        answer_all(lobby, lighting={"outcome": "problem", "note": "东侧筒灯不亮"}),
    )
    assert statuses(tablet.push(mutation)) == ["applied"]
    with app.app_context():
        record = db.session.get(PatrolRound, uuid.UUID(mutation["args"]["id"]))
        assert record.scanned and record.problems == 1 and record.by_name == "王楼层"
        assert len(record.results) == len(lobby["items"])
        (entry,) = db.session.scalars(select(DutyEntry)).all()
        assert "大堂" in entry.text and "照明灯具完好" in entry.text


def test_a_reading_outside_the_standard_is_a_problem_whatever_the_device_said(app, checklists):
    lobby, office = area_named(app, "大堂"), area_named(app, "12层办公区")
    tablet = Tablet(app, "floor1")
    # 400 lux is within the template's 300–750 but below the lobby's own 500–1000.
    lobby_round = a_round(1, lobby, answer_all(lobby, light_level={"value": 400.0}))
    office_round = a_round(
        2,
        office,
        answer_all(office, light_level={"value": 400.0}, ac_comfort={"value": 29.0}),
    )
    assert statuses(tablet.push(lobby_round, office_round)) == ["applied", "applied"]
    lobby_results, office_results = results_of(app, lobby_round), results_of(app, office_round)
    assert lobby_results["light_level"].outcome is Outcome.PROBLEM
    assert lobby_results["light_level"].out_of_standard
    assert office_results["light_level"].outcome is Outcome.OK
    assert office_results["ac_comfort"].outcome is Outcome.PROBLEM
    assert office_results["ac_comfort"].ticket_id is not None
    with app.app_context():
        problems = db.session.scalar(
            select(func.sum(PatrolRound.problems)).where(
                PatrolRound.id.in_(
                    [uuid.UUID(lobby_round["args"]["id"]), uuid.UUID(office_round["args"]["id"])]
                )
            )
        )
        assert problems == 2
        tickets = {t.category: t for t in db.session.scalars(select(RepairTicket))}
        assert set(tickets) == {RepairCategory.LIGHTING, RepairCategory.HVAC}
        assert "读数 29 °C，标准 22–26" in tickets[RepairCategory.HVAC].note
        assert tickets[RepairCategory.HVAC].state is TicketState.OPEN


def test_a_round_sent_twice_is_kept_once_with_one_duty_line(app, checklists):
    lobby = area_named(app, "大堂")
    tablet = Tablet(app, "floor1")
    first = a_round(1, lobby, answer_all(lobby, plants={"outcome": "problem", "note": "干枯"}))
    again = {**first, "id": 2}
    assert statuses(tablet.push(first)) == ["applied"]
    assert statuses(tablet.push(first)) == ["duplicate"]
    assert statuses(tablet.push(again)) == ["applied"]
    with app.app_context():
        assert db.session.scalar(select(func.count(PatrolRound.id))) == 1
        assert db.session.scalar(select(func.count(PatrolResult.id))) == len(lobby["items"])
        assert db.session.scalar(select(func.count(DutyEntry.id))) == 1
        (ticket,) = db.session.scalars(select(RepairTicket)).all()
        assert ticket.category is RepairCategory.PLANTS and ticket.note == "植物是否有干枯：干枯"
        assert ticket.location == "1F · 大堂" and ticket.source_id == uuid.UUID(first["args"]["id"])


def test_a_problem_s_ticket_id_is_the_one_open_ticket_promises(app, checklists):
    """uuid5(round, item): the id a resend, another tab or the office can work out again."""
    lobby = area_named(app, "大堂")
    tablet = Tablet(app, "floor1")
    mutation = a_round(
        1,
        lobby,
        answer_all(
            lobby,
            plants={"outcome": "problem", "note": "干枯"},
            lighting={"outcome": "problem", "note": "筒灯不亮"},
        ),
    )
    assert statuses(tablet.push(mutation)) == ["applied"]
    round_id = uuid.UUID(mutation["args"]["id"])
    results = results_of(app, mutation)
    with app.app_context():
        tickets = {t.id: t for t in db.session.scalars(select(RepairTicket))}
    assert set(tickets) == {uuid.uuid5(round_id, "plants"), uuid.uuid5(round_id, "lighting")}
    for key in ("plants", "lighting"):
        assert results[key].ticket_id == uuid.uuid5(round_id, key)
        assert tickets[results[key].ticket_id].source_id == round_id


def test_places_are_named_with_their_building_where_the_property_has_several(
    app, client, auth, checklists
):
    add_annex(app)
    desk = area_named(app, "前台")
    mutation = a_round(1, desk, answer_all(desk, plants={"outcome": "problem", "note": "干枯"}))
    assert statuses(Tablet(app, "floor1").push(mutation)) == ["applied"]
    with app.app_context():
        (ticket,) = db.session.scalars(select(RepairTicket)).all()
        assert ticket.location == "副楼 1F · 前台"
    auth.login("office1")
    page = client.get(f"/patrols/rounds/{mutation['args']['id']}").get_data(as_text=True)
    assert "<h1>副楼 1F · 前台 · " in page
    assert "主楼 1F · 大堂" in client.get("/patrols/punctuality").get_data(as_text=True)


def test_a_round_begun_on_an_old_version_is_accepted_and_says_so(app, client, auth, checklists):
    lobby = area_named(app, "大堂")
    with app.app_context():
        old = db.session.get(ChecklistTemplate, lobby["template_id"])
        new_version(old, items_of(old)[:-1], created_by=None)
        db.session.commit()
    tablet = Tablet(app, "floor1")
    mutation = a_round(1, lobby)
    assert statuses(tablet.push(mutation)) == ["applied"]
    with app.app_context():
        record = db.session.get(PatrolRound, uuid.UUID(mutation["args"]["id"]))
        assert record.old_version and record.template_version == 1
    auth.login("office1")
    page = client.get(f"/patrols/rounds/{mutation['args']['id']}").get_data(as_text=True)
    assert "第 1 版" in page and "第 2 版" in page


def test_bad_rounds_are_refused_with_reasons_and_change_nothing(app, checklists):
    lobby, office = area_named(app, "大堂"), area_named(app, "12层办公区")
    tablet = Tablet(app, "floor1")
    no_evidence = answer_all(lobby, lighting={"outcome": "problem"})
    no_photo = answer_all(lobby, fire_equipment={"outcome": "problem", "note": "灭火器过期"})
    no_reading = answer_all(lobby, ac_comfort={"value": None})
    reply = tablet.push(
        a_round(1, lobby, no_evidence),
        a_round(2, lobby, no_photo),
        a_round(3, lobby, no_reading),
        a_round(4, lobby, answer_all(lobby)[:-1]),
        a_round(5, lobby, template_id=office["template_id"]),
        a_round(6, lobby, template_version=7),
        a_round(7, lobby, ended_at="2020-01-01T00:00:00+08:00"),
        a_round(8, lobby, answer_all(lobby, aroma={"value": float("nan")})),
        a_round(9, lobby, results=[]),
    )
    assert statuses(reply) == [
        "invalid",
        "photo_required",
        "missing_reading",
        "incomplete",
        "wrong_template",
        "wrong_template",
        "invalid",
        "invalid",
        "invalid",
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count(PatrolRound.id))) == 0
        assert db.session.scalar(select(func.count(DutyEntry.id))) == 0


def test_a_wrong_checkpoint_code_is_no_proof_of_presence(app, checklists):
    lobby = area_named(app, "大堂")
    tablet = Tablet(app, "floor1")
    mutation = a_round(1, lobby, checkpoint_code="kefu-checkpoint:forged")
    reply = tablet.push(mutation)
    assert reply.get_json()["results"][0].get("flags") == ["checkpoint_mismatch"]
    with app.app_context():
        assert not db.session.get(PatrolRound, uuid.UUID(mutation["args"]["id"])).scanned


def test_only_floor_staff_submit_rounds(app, checklists):
    lobby = area_named(app, "大堂")
    for username in ("guard1", "office1", "eng1"):
        assert statuses(Tablet(app, username).push(a_round(1, lobby))) == ["forbidden"]


def test_floor_staff_tablets_hold_checklists_schedules_standards_and_rounds(app, checklists):
    lobby = area_named(app, "大堂")
    floor, guard = Tablet(app, "floor1"), Tablet(app, "guard1")
    floor.push(a_round(1, lobby))
    kinds = {}
    for change in floor.pull().get_json()["changes"]:
        kinds.setdefault(change["kind"], []).append(change["data"])
    assert {t["area_kind"] for t in kinds["patrol_template"]} >= {"lobby", "office_floor"}
    assert any(
        s["every_minutes"] == 60 and s["starts"] == "08:00" for s in kinds["patrol_schedule"]
    )
    assert [s["item_key"] for s in kinds["patrol_standard"]] == ["light_level"]
    assert [r["by"] for r in kinds["patrol_round"]] == ["王楼层"]
    held_by_guard = {c["kind"] for c in guard.pull().get_json()["changes"]}
    assert not held_by_guard & {"patrol_template", "patrol_schedule", "patrol_round"}


def test_the_office_lists_rounds_and_opens_one_with_its_photos(app, client, auth, checklists):
    office = area_named(app, "12层办公区")
    tablet = Tablet(app, "floor1")
    photo = str(uuid.uuid4())
    assert tablet.upload(photo, JPEG).status_code == 201
    mutation = a_round(
        1, office, answer_all(office, plants={"outcome": "problem", "photo_ids": [photo]})
    )
    tablet.push(mutation)
    auth.login("office1")
    listing = client.get(f"/patrols/rounds?area={office['id']}&problems=yes")
    assert "12层办公区" in listing.get_data(as_text=True)
    assert (
        "12层办公区"
        not in client.get(f"/patrols/rounds?area={area_named(app, '大堂')['id']}")
        .get_data(as_text=True)
        .split("<tbody")[1]
    )
    page = client.get(f"/patrols/rounds/{mutation['args']['id']}").get_data(as_text=True)
    assert f"/attachments/{photo}" in page and "植物是否有干枯" in page
    assert client.get(f"/attachments/{photo}").status_code == 200


def test_the_demo_has_checklists_schedules_and_a_week_of_rounds(app):
    with app.app_context():
        add_job_demos(db.session.scalar(select(Property).where(Property.code == "DEMO")))
        kinds = set(db.session.scalars(select(ChecklistTemplate.area_kind)))
        assert {AreaKind.LOBBY, AreaKind.OFFICE_FLOOR} <= kinds
        rounds = db.session.scalars(select(PatrolRound)).all()
        assert {r.area.name for r in rounds} >= {"大堂", "12层办公区"}
        assert min(r.started_at for r in rounds) < utcnow() - timedelta(days=6)
        assert sum(r.problems for r in rounds) == 4
        opened = db.session.scalars(
            select(RepairTicket).where(RepairTicket.source_id.in_([r.id for r in rounds]))
        ).all()
        assert len(opened) == 4


def test_a_supervisor_edits_a_checklist_into_a_new_version_that_tablets_get(
    app, client, auth, checklists
):
    office = area_named(app, "12层办公区")
    tablet = Tablet(app, "floor1")
    tablet.pull()
    auth.login("super1")
    page = client.get("/patrols/checklists/office_floor").get_data(as_text=True)
    assert "植物是否有干枯" in page
    with app.app_context():
        rows = len(items_of(db.session.get(ChecklistTemplate, office["template_id"])))
    form = {"rows": str(rows + 1)}
    with app.app_context():
        for index, item in enumerate(
            items_of(db.session.get(ChecklistTemplate, office["template_id"]))
        ):
            for name, value in item.items():
                if value is None or value is False:
                    continue
                form[f"item-{index}-{name}"] = "on" if value is True else str(value)
            form[f"item-{index}-position"] = str(index + 1)
    form[f"item-{rows}-label"] = "饮水机"
    form[f"item-{rows}-kind"] = "check"
    form[f"item-{rows}-category"] = "facilities"
    form[f"item-{rows}-position"] = "0"
    form["item-0-remove"] = "on"
    bad = dict(form, **{"item-3-min_value": "30", "item-3-max_value": "20"})
    before = table_contents(app)
    refused = auth.post("/patrols/checklists/office_floor", data=bad)
    assert refused.status_code == 422 and "最小值大于最大值" in refused.get_data(as_text=True)
    assert table_contents(app) == before
    assert auth.post("/patrols/checklists/office_floor", data=form).status_code == 302
    with app.app_context():
        current = db.session.scalar(
            select(ChecklistTemplate).where(
                ChecklistTemplate.area_kind == AreaKind.OFFICE_FLOOR, ChecklistTemplate.current
            )
        )
        assert current.version == 2
        labels = [item.label for item in current.items]
        assert labels[0] == "饮水机" and "门窗是否正常使用" not in labels
    changes = tablet.pull().get_json()["changes"]
    templates = [c for c in changes if c["kind"] == "patrol_template"]
    assert {c["op"] for c in templates} == {"put", "delete"}
    put = next(c for c in templates if c["op"] == "put")
    assert put["data"]["version"] == 2 and put["data"]["items"][0]["label"] == "饮水机"


def test_a_schedule_change_and_an_area_standard_reach_the_tablets(app, client, auth, checklists):
    lobby = area_named(app, "大堂")
    tablet = Tablet(app, "floor1")
    tablet.pull()
    auth.login("admin")
    form = {
        "schedule-every_minutes": "30",
        "schedule-starts": "07:00",
        "schedule-ends": "22:00",
        "std-ac_comfort-min_value": "23",
        "std-ac_comfort-max_value": "25",
        "std-light_level-min_value": "",
        "std-light_level-max_value": "",
    }
    refused = auth.post(f"/patrols/areas/{lobby['id']}", data={**form, "schedule-ends": ""})
    assert refused.status_code == 422
    assert auth.post(f"/patrols/areas/{lobby['id']}", data=form).status_code == 302
    changes = tablet.pull().get_json()["changes"]
    schedules = [c["data"] for c in changes if c["kind"] == "patrol_schedule" and c["op"] == "put"]
    assert schedules == [{"area_id": lobby["id"], "every_minutes": 30, "starts": "07:00",
                          "ends": "22:00"}]  # fmt: skip
    standards = [c for c in changes if c["kind"] == "patrol_standard"]
    assert {(c["op"], (c.get("data") or {}).get("item_key")) for c in standards} == {
        ("put", "ac_comfort"),
        ("delete", None),
    }
    with app.app_context():
        assert db.session.scalar(select(func.count(PatrolSchedule.id))) == 25


def test_the_office_sees_late_and_missed_rounds_of_a_day_in_the_property_s_zone(
    app, client, auth, checklists
):
    lobby = area_named(app, "大堂")
    shanghai = ZoneInfo("Asia/Shanghai")
    yesterday = datetime.now(shanghai).date() - timedelta(days=1)

    def begun_at(hour: int, minute: int) -> str:
        return datetime.combine(yesterday, time(hour, minute), shanghai).isoformat()

    tablet = Tablet(app, "floor1")
    late = a_round(1, lobby, started_at=begun_at(10, 30), ended_at=begun_at(10, 38))
    on_time = a_round(2, lobby, started_at=begun_at(11, 5), ended_at=begun_at(11, 12))
    assert statuses(tablet.push(late, on_time)) == ["applied", "applied"]
    auth.login("office1")
    page = client.get(f"/patrols/punctuality?day={yesterday.isoformat()}").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if "1F · 大堂" in r)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[:4] == ["1", "1", "11", "0"]
    assert "08:00 09:00 12:00" in row
