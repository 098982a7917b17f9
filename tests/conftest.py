"""Fixtures in the manner of Flask's tutorial: ``app``, ``client``, ``runner`` and ``auth``.

Every test that takes ``app`` runs once on SQLite and once on PostgreSQL. PostgreSQL needs
``KEFU_TEST_POSTGRES_URL`` (a server URL; each session makes its own database there); without
it those runs skip, unless ``KEFU_REQUIRE_POSTGRES`` is set, as in CI, where they fail.
"""

import contextlib
import os
import re
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import sessionmaker

import sync.tables
from app import create_app
from app.demo import DEMO_PASSWORD, create_demo
from app.extensions import db
from sync.changes import track_changes
from tests import sync_kinds
from tests.databases import throwaway_postgres
from tests.sync_world import Clock, World, all_tables

BACKENDS = ["sqlite", "postgresql"]
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated, empty SQLite file that each test copies: migrating once is faster."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return path


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


@pytest.fixture(scope="session")
def postgres_database():
    """A migrated database for the app's tests."""
    with fresh_postgres_database() as url:
        migrate_database(url)
        yield url


def _empty_postgres(app) -> None:
    with app.app_context():
        present = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        tables = ", ".join(f'"{name}"' for name in sorted(present))
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "kefu.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield request.getfixturevalue("postgres_database")


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, KEFU_ATTACHMENT_DIR=str(tmp_path / "attachments"))
    with app.app_context():
        create_demo()
    yield app
    if database_url.startswith("postgresql"):
        _empty_postgres(app)
    else:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_of(client) -> str:
    """The CSRF token a page hands this client, as a browser would read it from a form."""
    page = client.get("/auth/login").get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    if match is None:
        page = client.get("/").get_data(as_text=True)
        match = CSRF_FIELD.search(page)
    return match.group(1)


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


@pytest.fixture
def auth(client):
    return AuthActions(client)


def session_of(client) -> dict:
    """What the signed session cookie of this client holds."""
    with client.session_transaction() as session:
        return dict(session)


@pytest.fixture(scope="session")
def postgres_engine_url():
    with fresh_postgres_database() as url:
        engine = create_engine(url)
        sync.tables.metadata.create_all(engine)
        sync_kinds.Base.metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def sync_database_url(request, tmp_path):
    """An empty database with the engine's tables and the test kinds."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sync.sqlite3'}"
        engine = create_engine(url)
        sync.tables.metadata.create_all(engine)
        sync_kinds.Base.metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_engine_url")
    yield url
    engine = create_engine(url)
    names = ", ".join(t.name for t in all_tables())
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    engine.dispose()


@pytest.fixture
def world(sync_database_url):
    """The sync engine's database, and a way to act on it."""
    engine = create_engine(sync_database_url)
    registry = sync_kinds.build_registry()
    clock = Clock()
    Session = sessionmaker(engine, expire_on_commit=False)
    track_changes(Session, lambda: registry, clock)
    yield World(Session, registry, clock)
    engine.dispose()
