"""What the tests share: the test app and its databases, signing in, and a device speaking
the sync protocol over HTTP."""

import contextlib
import hashlib
import os
import re
import secrets
import struct
import uuid
import zlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, select, text

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.gate.issue import issue_exit_pass
from app.models import Area, AreaKind, Building, Floor, Property, Role, User, areas_at
from app.rooms.models import Room
from tests.databases import throwaway_postgres

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')

# The smallest files of each type: their first bytes are what the server checks.
# The segments a JPEG file is made of, enough for the server to find where it ends.
JPEG = (
    b"\xff\xd8"  # start of image
    + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"  # start of scan
    + b"\x12\x34\xff\x00\x56" * 12  # coded data, its 0xFF bytes escaped
    + b"\xff\xd9"  # end of image
)


def make_test_app(database_url: str, **overrides):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key",
            **overrides,
        }
    )


def migrate_database(database_url: str) -> None:
    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@contextlib.contextmanager
def fresh_postgres_database():
    """A database of its own on the test PostgreSQL server, dropped afterwards."""
    server_url = os.environ.get("KEFU_TEST_POSTGRES_URL")
    if not server_url:
        if os.environ.get("KEFU_REQUIRE_POSTGRES"):
            pytest.fail("KEFU_REQUIRE_POSTGRES is set but KEFU_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL: set KEFU_TEST_POSTGRES_URL to run these tests on it")
    with throwaway_postgres(server_url, "kefu_test") as url:
        yield url


def empty_postgres(app) -> None:
    """Empty every table of the app's PostgreSQL database, for the next test."""
    with app.app_context():
        present = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        tables = ", ".join(f'"{name}"' for name in sorted(present))
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


def table_contents(app) -> dict:
    """Every row of every table, to prove that a refused form changed nothing."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
            for table in db.metadata.sorted_tables
        }


def csrf_token_of(client) -> str:
    """The CSRF token a page hands this client, as a browser would read it from a form."""
    page = client.get("/auth/login").get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    if match is None:
        page = client.get("/").get_data(as_text=True)
        match = CSRF_FIELD.search(page)
    return match.group(1)


def session_of(client) -> dict:
    """What the signed session cookie of this client holds."""
    with client.session_transaction() as session:
        return dict(session)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="floor1", password=DEMO_PASSWORD, device_id=None, **extra):
        data = {
            "csrf_token": csrf_token_of(self._client),
            "username": username,
            "password": password,
            **extra,
        }
        if device_id is not None:
            data["device_id"] = str(device_id)
        return self._client.post("/auth/login", data=data)

    def logout(self):
        return self._client.post("/auth/logout", data={"csrf_token": csrf_token_of(self._client)})

    def post(self, url, data=None, **kwargs):
        """POST a form with this client's CSRF token, as the page's own form would."""
        return self._client.post(
            url, data={"csrf_token": csrf_token_of(self._client), **(data or {})}, **kwargs
        )


class Tablet:
    """A signed-in device with its sync token, speaking the protocol over HTTP."""

    def __init__(self, app, username="floor1", password=DEMO_PASSWORD):
        self.client = app.test_client()
        self.device_id = uuid.uuid4()
        self.device_secret = secrets.token_hex(32)
        self.client_id = uuid.uuid4()
        self.auth = AuthActions(self.client)
        signed_in = self.auth.login(
            username, password, device_id=self.device_id, device_secret=self.device_secret
        )
        assert signed_in.status_code == 302
        reply = self.auth.post("/sync/token")
        assert reply.status_code == 200, reply.get_data(as_text=True)
        self.token = reply.get_json()["token"]
        self.next_id = 1
        self.cursor = None

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def note(self, text="大堂灯不亮", **extra):
        mutation = {
            "id": self.next_id,
            "name": "note.create@1",
            "args": {"id": str(uuid.uuid4()), "text": text, **extra},
            "device_time": datetime.now(UTC).isoformat(),
        }
        self.next_id += 1
        return mutation

    def push(self, *mutations, **overrides):
        body = {
            "client_id": str(self.client_id),
            "schema_version": 1,
            "mutations": list(mutations),
            **overrides,
        }
        return self.client.post("/sync/push", json=body, headers=self.headers)

    def pull(self):
        reply = self.client.post(
            "/sync/pull",
            json={"client_id": str(self.client_id), "cursor": self.cursor},
            headers=self.headers,
        )
        self.cursor = reply.get_json().get("cursor", self.cursor)
        return reply

    def upload(self, attachment_id, content, content_type="image/jpeg", sha256=None):
        return self.client.put(
            f"/sync/attachments/{attachment_id}",
            data=content,
            content_type=content_type,
            headers={
                **self.headers,
                "X-Content-SHA256": sha256 or hashlib.sha256(content).hexdigest(),
            },
        )


def add_annex(app) -> int:
    """A second building at the demo property, 副楼, whose 1F holds a 前台 (a lobby): a
    property of several buildings, whose places the pages name with their building."""
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        annex = Building(name="副楼", property=prop)
        annex.floors.append(
            Floor(name="1F", level=1, areas=[Area(name="前台", kind=AreaKind.LOBBY)])
        )
        db.session.add(annex)
        db.session.commit()
        return annex.id


def add_other_property(app) -> int:
    """Another property, 别的小区, with a floor account of its own, outsider."""
    with app.app_context():
        other = Property(code="OTHER", name="别的小区")
        db.session.add(other)
        outsider = User(username="outsider", display_name="外人", role=Role.FLOOR_STAFF)
        outsider.set_password("outsider-pass")
        outsider.properties = [other]
        db.session.add(outsider)
        db.session.commit()
        return other.id


def office_elsewhere(app):
    """A client signed in as the office of another property, 别的小区, made for the test."""
    with app.app_context():
        outsider = User(username="office9", display_name="别处客服", role=Role.OFFICE)
        outsider.set_password("office9-password")
        other = db.session.scalar(select(Property).where(Property.code == "OTHER"))
        outsider.properties = [other or Property(code="OTHER", name="别的小区")]
        db.session.add(outsider)
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login("office9", "office9-password")
    return client


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour, made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png(2, 2)


def duty_entry(mutation_id: int, acting_user_id: int | None = None, **args) -> dict:
    """A duty-log entry as a tablet sends it; ``args`` replace the usual ones."""
    mutation = {
        "id": mutation_id,
        "name": "duty.create_entry@1",
        "args": {"id": str(uuid.uuid4()), "category": "facility", "text": "大堂灯不亮", **args},
        "device_time": datetime.now(UTC).isoformat(),
    }
    if acting_user_id is not None:
        mutation["acting_user_id"] = acting_user_id
    return mutation


# Meeting rooms: a room of the demo tower and a tablet's request for it.
ROOM_DAY = date.today() + timedelta(days=3)


def add_room(app, name="长江厅", capacity=20, setup=30, cleardown=15) -> int:
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        area = db.session.scalar(areas_at(prop.id).where(Area.kind == AreaKind.MEETING_FLOOR))
        room = Room(
            property_id=prop.id,
            floor_id=area.floor_id,
            name=name,
            capacity=capacity,
            equipment=["projector", "screen"],
            layouts=["boardroom", "u_shape"],
            opens_at=time(8),
            closes_at=time(21),
            setup_minutes=setup,
            cleardown_minutes=cleardown,
        )
        db.session.add(room)
        db.session.commit()
        return room.id


def room_request(
    mutation_id: int, room_id: int, starts="09:00", ends="10:00", day=ROOM_DAY, **args
):
    """A booking request as a tablet sends it; ``args`` replace the usual ones."""
    return {
        "id": mutation_id,
        "name": "rooms.request@1",
        "args": {
            "id": str(uuid.uuid4()),
            "room_id": room_id,
            "date": day.isoformat(),
            "starts": starts,
            "ends": ends,
            "title": "季度会",
            "company": "华信科技",
            "organiser": "刘女士",
            "phone": "13800000000",
            "attendees": 8,
            "layout": "boardroom",
            "equipment": ["projector"],
            "tea_for": 8,
            **args,
        },
        "device_time": datetime.now(UTC).isoformat(),
    }


def an_exit_pass(app) -> int:
    """An exit pass 出门凭证 the office issued for today, on the demo property's clocks:
    two old doors carried out of 1203室."""
    with app.app_context():
        office = db.session.scalar(select(User).where(User.username == "office1"))
        prop = office.properties[0]
        exit_pass = issue_exit_pass(
            prop.id,
            office.id,
            unit="1203室",
            items="旧木门 2 扇",
            carrier="黄师傅",
            plate="沪A12345",
            valid_on=datetime.now(ZoneInfo(prop.timezone)).date(),
            approver="陈主管",
        )
        db.session.commit()
        return exit_pass.id


def an_area(app, property_code="DEMO") -> int:
    """The id of one area of the property ``property_code``."""
    with app.app_context():
        return db.session.scalar(
            select(Area.id)
            .join(Floor)
            .join(Building)
            .join(Property)
            .where(Property.code == property_code)
            .limit(1)
        )


def a_photo_in_the_duty_log(app) -> uuid.UUID:
    """A photo floor1's tablet uploaded and attached to a duty-log entry."""
    tablet = Tablet(app, "floor1")
    photo_id = uuid.uuid4()
    assert tablet.upload(photo_id, JPEG).status_code == 201
    tablet.push(duty_entry(1, photo_ids=[str(photo_id)]))
    return photo_id
