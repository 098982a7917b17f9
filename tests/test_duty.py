"""The duty log's mutation, pages and photos, through the real endpoints."""

import uuid

from sqlalchemy import select

from app.duty.models import DutyEntry
from app.extensions import db
from app.models import Area, AreaKind, Building, Floor, Property
from tests.support import Tablet, an_area, duty_entry


def other_property_area(app) -> int:
    with app.app_context():
        other = Property(code="OTHER", name="别的小区")
        other.buildings.append(Building(name="一栋", floors=[Floor(name="1F", level=1)]))
        other.buildings[0].floors[0].areas.append(Area(name="大堂", kind=AreaKind.LOBBY))
        db.session.add(other)
        db.session.commit()
    return an_area(app, "OTHER")


def test_floor_staff_and_guards_write_entries_that_the_office_reads(app, client, auth):
    floor, guard = Tablet(app, "floor1"), Tablet(app, "guard1")
    reply = floor.push(duty_entry(1, area_id=an_area(app), text="电梯异响"))
    assert reply.get_json()["results"][0]["status"] == "applied"
    assert guard.push(duty_entry(1, category="safety", text="消防通道堵塞")).status_code == 200
    auth.login("office1")
    page = client.get("/duty/review").get_data(as_text=True)
    assert "电梯异响" in page and "消防通道堵塞" in page
    assert "王楼层" in page and "李保安" in page


def test_an_entry_for_an_area_of_another_property_is_refused(app):
    tablet = Tablet(app, "floor1")
    reply = tablet.push(
        duty_entry(1, area_id=other_property_area(app)), duty_entry(2, text="后面的")
    )
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["reason"] == "wrong_property"
    with app.app_context():
        assert [e.text for e in db.session.scalars(select(DutyEntry))] == ["后面的"]


def test_bad_entries_are_refused_with_reasons(app):
    tablet = Tablet(app, "floor1")
    photos = [str(uuid.uuid4()) for _ in range(5)]
    reply = tablet.push(
        duty_entry(1, text=""),
        duty_entry(2, category="gossip"),
        duty_entry(3, photo_ids=photos),
    )
    assert [r["reason"] for r in reply.get_json()["results"]] == ["invalid"] * 3


def test_the_office_cannot_write_entries(app):
    tablet = Tablet(app, "office1")
    reply = tablet.push(duty_entry(1))
    assert reply.get_json()["results"][0]["reason"] == "forbidden"


def test_the_device_holds_its_users_own_entries(app):
    floor, guard = Tablet(app, "floor1"), Tablet(app, "guard1")
    floor.push(duty_entry(1, text="我的"))
    guard.push(duty_entry(1, text="他的"))
    changes = floor.pull().get_json()["changes"]
    texts = [c["data"]["text"] for c in changes if c["kind"] == "duty_entry"]
    assert texts == ["我的"]
