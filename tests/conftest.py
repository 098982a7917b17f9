"""Fixtures in the manner of Flask's tutorial: ``app``, ``client``, ``runner`` and ``auth``.

Every test that takes ``app`` runs once on SQLite and once on PostgreSQL. PostgreSQL needs
``KEFU_TEST_POSTGRES_URL`` (a server URL; each session makes its own database there); without
it those runs skip, unless ``KEFU_REQUIRE_POSTGRES`` is set, as in CI, where they fail.
"""

import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

import sync.tables
from app.demo import create_demo
from app.extensions import db
from sync.changes import track_changes
from tests import sync_kinds
from tests.support import (
    AuthActions,
    empty_postgres,
    fresh_postgres_database,
    make_test_app,
    migrate_database,
)
from tests.sync_world import Clock, World, all_tables

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated, empty SQLite file that each test copies: migrating once is faster."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """A migrated database for the app's tests."""
    with fresh_postgres_database() as url:
        migrate_database(url)
        yield url


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
        empty_postgres(app)
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


@pytest.fixture
def auth(client):
    return AuthActions(client)


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
