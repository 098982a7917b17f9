"""Each role's home: only its own sections, and the desk's counts, each linking to its list."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import url_for
from sqlalchemy import func, insert, select

from app.extensions import db
from app.jobs import jobs_of
from app.models import AreaKind, Property, areas_at
from app.patrols.demo import add_checklists
from app.repairs.demo import ASSIGN, ticket_with_moves
from app.repairs.models import RepairCategory
from app.rooms.demo import add_demo_rooms
from app.rooms.models import Booking, BookingState
from sync.tables import flag, rejection
from tests.support import AuthActions, Tablet, add_other_property

FIGURE = re.compile(r'<li class="figure[^"]*"(?:\s+data-figure="([^"]+)")?')
LABEL = re.compile(r'<span class="figure-label">([^<]+)</span>')
SECTION = re.compile(r'<h2 id="home-section-\d+">([^<]+)</h2>')
DRAFTS = re.compile(r"data-drafts='([^']+)'")

DESK_LABELS = {
    "待审批的申请",
    "尚未派单的维修单",
    "待处理的门岗异常",
    "今天被拒绝的更改",
    "今天漏巡的班次",
}


def home_of(app, username: str) -> str:
    client = app.test_client()
    AuthActions(client).login(username)
    page = client.get("/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def figures_of(html: str) -> list[str]:
    return FIGURE.findall(html)


def desk_counts(html: str) -> dict[str, tuple[int, str]]:
    """Each desk figure's label: its count and the list it links to."""
    found = re.findall(
        r'<a class="figure-main" href="([^"]+)"><span class="figure-count">(\d+)</span> '
        r'<span class="figure-label">([^<]+)</span>',
        html,
    )
    return {label: (int(count), href.replace("&amp;", "&")) for href, count, label in found}


@pytest.mark.parametrize(
    ("username", "figures"),
    [
        ("floor1", ["patrols.overdue", "patrols.due", "rooms.tasks", "drafts"]),
        ("guard1", ["gate.list_age", "gate.on_site", "gate.held", "drafts"]),
        ("eng1", ["repairs.mine"] * 4 + ["drafts"]),
    ],
)
def test_a_tablets_home_asks_the_device_for_its_own_figures_only(app, username, figures):
    html = home_of(app, username)
    assert figures_of(html) == figures
    assert not DESK_LABELS & set(LABEL.findall(html))
    assert 'class="tiles"' not in html


def test_engineering_counts_its_tickets_by_state_and_floor_staff_get_patrols_first(app):
    html = home_of(app, "eng1")
    assert LABEL.findall(html) == [
        "已重开：需再次维修",
        "已派单：尚未开始",
        "处理中",
        "已修：等待楼层核实",
        "未提交的草稿",
    ]
    assert re.findall(r'data-params=\'\{"moves": [^}]+\}, "state": "(\w+)"\}\'', html) == [
        "reopened",
        "assigned",
        "in_progress",
        "fixed",
    ]
    floor = home_of(app, "floor1")
    assert SECTION.findall(floor) == ["巡视", "会议室", "本设备"]
    # Each draft the floor's pages keep, named and linked; none of a page it cannot open.
    drafts = DRAFTS.search(floor).group(1)
    assert '"key": "patrol-round:"' in drafts and '"href": "/patrols/"' in drafts
    assert '"key": "duty-entry"' in drafts and '"key": "room-request"' in drafts
    assert '"key": "repairs-"' in drafts
    assert '"key": "room-request"' not in DRAFTS.search(home_of(app, "guard1")).group(1)


@pytest.mark.parametrize(
    ("username", "approvals"),
    [("office1", "/rooms/list?state=pending"), ("super1", "/rooms/queue")],
)
def test_the_desk_home_counts_what_waits_each_linking_to_its_list(app, username, approvals):
    html = home_of(app, username)
    assert figures_of(html) == [""] * 5, "the desk's figures are the server's, none the device's"
    assert desk_counts(html) == {
        "待审批的申请": (0, approvals),
        "尚未派单的维修单": (0, "/repairs/desk?state=open"),
        "待处理的门岗异常": (0, "/gate/flags"),
        "今天被拒绝的更改": (0, "/sync/problems"),
        "今天漏巡的班次": (0, "/patrols/punctuality"),
    }


def test_an_admin_keeps_the_pages_as_tiles(app):
    html = home_of(app, "admin")
    assert figures_of(html) == []
    assert 'class="tiles"' in html


def counts(app, username="office1") -> dict[str, int]:
    return {label: count for label, (count, _href) in desk_counts(home_of(app, username)).items()}


def test_approvals_waiting_are_the_pending_requests_and_one_approved_leaves(app):
    with app.app_context():
        add_demo_rooms(db.session.scalar(select(Property)))
        db.session.commit()
        pending = db.session.scalars(
            select(Booking.id).where(Booking.state == BookingState.PENDING)
        ).all()
    assert len(pending) >= 2
    assert counts(app)["待审批的申请"] == len(pending)
    supervisor = app.test_client()
    AuthActions(supervisor).login("super1")
    decided = AuthActions(supervisor).post(
        f"/rooms/bookings/{pending[0]}/decide", {"decision": "approve"}
    )
    assert decided.status_code == 302
    assert counts(app, "super1")["待审批的申请"] == len(pending) - 1


def test_unassigned_tickets_are_those_nobody_was_given(app):
    with app.app_context():
        prop = db.session.scalar(select(Property))
        opened = datetime.now(UTC) - timedelta(hours=2)
        ticket_with_moves(prop, "大堂", RepairCategory.LIGHTING, "筒灯不亮", [], opened)
        ticket_with_moves(prop, "大堂", RepairCategory.GATES, "道闸迟缓", [ASSIGN], opened)
        db.session.commit()
    assert counts(app)["尚未派单的维修单"] == 1


def test_open_gate_flags_are_the_gates_unresolved_ones_at_this_property(app):
    other = add_other_property(app)
    with app.app_context():
        here = db.session.scalar(select(Property.id).where(Property.code == "DEMO"))
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [
            (here, "gate_override", None),
            (here, "gate_entry_expired", None),
            (here, "gate_stale_list", now),  # looked at already
            (here, "clock_skew", None),  # not the gate's
            (other, "gate_override", None),
        ]
        for partition, reason, resolved in rows:
            db.session.execute(
                insert(flag).values(
                    partition_id=partition,
                    reason=reason,
                    detail={},
                    created_at=now,
                    resolved_at=resolved,
                )
            )
        db.session.commit()
    assert counts(app)["待处理的门岗异常"] == 2


def test_changes_refused_today_count_from_the_propertys_midnight(app):
    guard = Tablet(app, "guard1")
    refused = {
        "id": 1,
        "name": "rooms.no_show@1",
        "args": {"booking_id": str(uuid.uuid4())},
        "device_time": datetime.now(UTC).isoformat(),
    }
    assert guard.push(refused).get_json()["results"][0]["status"] == "rejected"
    with app.app_context():
        prop = db.session.scalar(select(Property))
        zone = ZoneInfo(prop.timezone)
        midnight = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        before = midnight.astimezone(UTC).replace(tzinfo=None) - timedelta(minutes=1)
        yesterdays = db.session.execute(select(rejection)).mappings().one()
        db.session.execute(
            insert(rejection).values(
                {**{k: v for k, v in yesterdays.items() if k != "id"}, "mutation_id": 2}
                | {"received_at": before}
            )
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(rejection)) == 2
    assert counts(app)["今天被拒绝的更改"] == 1


# Slots of the demo checklists' schedules (app/patrols/demo.py) that end by 12:30: the
# lobby's hourly from 08:00 (08, 09, 10, 11), two-hourly office and meeting floors (08,
# 10), the car park's four-hourly (08); the plant room's daily 09:00 runs until tomorrow.
MISSED_BY_12_30 = {
    AreaKind.LOBBY: 4,
    AreaKind.OFFICE_FLOOR: 2,
    AreaKind.MEETING_FLOOR: 2,
    AreaKind.CAR_PARK: 1,
    AreaKind.PLANT_ROOM: 0,
    AreaKind.OTHER: 0,  # the plant room's schedule
}


def test_rounds_missed_today_are_the_slots_ended_since_midnight_with_no_round(app):
    with app.app_context():
        prop = db.session.scalar(select(Property))
        zone = ZoneInfo(prop.timezone)
        day = datetime.now(zone).date() + timedelta(days=1)
        kinds = [area.kind for area in db.session.scalars(areas_at(prop.id))]
    at_half_past_noon = datetime(day.year, day.month, day.day, 12, 30, tzinfo=zone)
    with time_machine.travel(at_half_past_noon, tick=False):
        with app.app_context():
            add_checklists(db.session.scalar(select(Property)))
            db.session.commit()
        expected = sum(MISSED_BY_12_30[kind] for kind in kinds)
        assert expected > 0
        assert counts(app, "super1")["今天漏巡的班次"] == expected
    # At 07:59 the next morning nothing of that day has ended yet.
    with time_machine.travel(at_half_past_noon + timedelta(hours=19, minutes=29), tick=False):
        assert counts(app, "super1")["今天漏巡的班次"] == 0


def test_every_figure_is_counted_somewhere_and_links_to_a_page_of_its_roles(app):
    """A device figure names a function that static/src declares; a desk figure has its
    count; each links to a page that its roles may open."""
    source = "\n".join(
        path.read_text() for path in (Path(app.root_path).parent / "static" / "src").rglob("*.js")
    )
    defined = set(re.findall(r'defineFigure\("([^"]+)"', source))
    with app.test_request_context():
        for job in jobs_of(app):
            for section in job.home:
                for shown in section.figures:
                    assert bool(shown.device) != bool(shown.count), shown.name
                    assert not shown.device or shown.device in defined, shown.name
                    if not shown.endpoint:
                        continue
                    url_for(shown.endpoint, **shown.args)
                    allowed = app.view_functions[shown.endpoint].allowed_roles
                    assert (shown.roles or section.roles) <= allowed, shown.name
