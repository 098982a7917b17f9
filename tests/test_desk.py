"""The office desk lists a job's records as the job declares: filters, CSV, a record's page."""

import csv
import io
import uuid

from sqlalchemy import select

from app.demo import add_job_demos
from app.duty.models import DutyEntry
from app.extensions import db
from app.models import Property
from tests.support import Tablet, duty_entry, office_elsewhere


def two_entries(app) -> None:
    tablet = Tablet(app, "floor1")
    tablet.push(
        duty_entry(1, category="facility", text="电梯异响"),
        duty_entry(2, category="hygiene", text="地面积水"),
    )


def test_a_filter_narrows_the_list_and_htmx_gets_only_the_rows(app, client, auth):
    two_entries(app)
    auth.login("office1")
    page = client.get("/duty/review?category=hygiene")
    text = page.get_data(as_text=True)
    assert "地面积水" in text and "电梯异响" not in text
    assert "<html" in text and "HX-Request" in page.headers["Vary"]
    rows = client.get(
        "/duty/review?category=facility",
        headers={"HX-Request": "true", "HX-Target": "listing-rows"},
    ).get_data(as_text=True)
    assert rows.lstrip().startswith('<tbody id="listing-rows">')
    assert "电梯异响" in rows and "地面积水" not in rows
    # A value no filter offers is ignored, as an old bookmark would be.
    assert "电梯异响" in client.get("/duty/review?category=nonsense").get_data(as_text=True)


def test_a_long_list_pages_with_its_filters_kept(app, client, auth, monkeypatch):
    monkeypatch.setattr("app.desk.routes.PAGE_SIZE", 1)
    Tablet(app, "floor1").push(
        duty_entry(1, category="facility", text="电梯异响"),
        duty_entry(2, category="facility", text="灯管闪烁"),
        duty_entry(3, category="hygiene", text="地面积水"),
    )
    auth.login("office1")
    first = client.get("/duty/review?category=facility").get_data(as_text=True)
    assert 'href="/duty/review?category=facility&amp;page=2"' in first
    assert "较新" not in first
    second = client.get(
        "/duty/review?category=facility&page=2",
        headers={"HX-Request": "true", "HX-Target": "listing-rows"},
    ).get_data(as_text=True)
    assert 'href="/duty/review?category=facility&amp;page=1"' in second
    assert "page=3" not in second
    shown = {text for text in ("电梯异响", "灯管闪烁", "地面积水") if text in first + second}
    assert shown == {"电梯异响", "灯管闪烁"}
    assert ("电梯异响" in first) != ("电梯异响" in second)


def test_the_csv_export_has_the_filtered_records_for_excel(app, client, auth):
    two_entries(app)
    auth.login("office1")
    response = client.get("/desk/duty-log.csv?category=facility")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["接收时间", "设备时间", "操作人"]
    assert [row[rows[0].index("情况记录")] for row in rows[1:]] == ["电梯异响"]
    assert client.get("/desk/no-such-list.csv").status_code == 404


def test_floor_staff_get_no_csv_and_no_record_page(app, client, auth):
    two_entries(app)
    with app.app_context():
        entry_id = db.session.scalars(select(DutyEntry.id)).first()
    auth.login("floor1")
    assert client.get("/desk/duty-log.csv").status_code == 403
    assert client.get(f"/duty/review/{entry_id}").status_code == 403


def test_a_records_page_shows_who_where_and_both_clocks(app, client, auth):
    two_entries(app)
    with app.app_context():
        entry_id = db.session.scalar(select(DutyEntry.id).where(DutyEntry.text == "电梯异响"))
    auth.login("office1")
    listing = client.get("/duty/review").get_data(as_text=True)
    assert f"/duty/review/{entry_id}" in listing
    page = client.get(f"/duty/review/{entry_id}").get_data(as_text=True)
    assert "电梯异响" in page and "王楼层" in page and "设备时间" in page
    assert client.get(f"/duty/review/{uuid.uuid4()}").status_code == 404


def test_a_record_of_another_property_is_not_shown(app):
    two_entries(app)
    with app.app_context():
        entry_id = db.session.scalars(select(DutyEntry.id)).first()
    elsewhere = office_elsewhere(app)
    assert elsewhere.get(f"/duty/review/{entry_id}").status_code == 404
    assert "电梯异响" not in elsewhere.get("/desk/duty-log.csv").get_data(as_text=True)


def test_the_demo_adds_each_jobs_own_data(app, client, auth):
    with app.app_context():
        add_job_demos(db.session.scalar(select(Property).where(Property.code == "DEMO")))
    auth.login("office1")
    page = client.get("/duty/review").get_data(as_text=True)
    assert "旋转门" in page and "李保安" in page
