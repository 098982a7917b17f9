"""A simulated world for the sync engine's tests: a server clock, devices, the database."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

import sync.tables
from sync import engine as sync_engine
from sync.registry import Actor
from tests import sync_kinds

PROPERTY = 1
T0 = datetime(2026, 11, 27, 2, 0)


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def all_tables():
    return list(sync.tables.metadata.sorted_tables) + list(sync_kinds.Base.metadata.sorted_tables)


class Device:
    def __init__(self, world, role, user_id, property_id=PROPERTY):
        self.world = world
        self.actor = Actor(uuid.uuid4(), user_id, role, property_id)
        self.client_id = uuid.uuid4()
        self.next_id = 1
        self.cursor = None
        self.data: dict[tuple[str, str], dict] = {}

    def mutation(self, name, args, device_time=None, mutation_id=None):
        if mutation_id is None:
            mutation_id = self.next_id
            self.next_id += 1
        moment = device_time or self.world.clock.now.replace(tzinfo=UTC)
        return {"id": mutation_id, "name": name, "args": args, "device_time": moment.isoformat()}

    def push(self, *mutations, client_id=None):
        return self.world.push(
            self.actor,
            {
                "client_id": str(client_id or self.client_id),
                "schema_version": 1,
                "mutations": list(mutations),
            },
        )

    def pull(self):
        reply = self.world.pull(
            self.actor, {"client_id": str(self.client_id), "cursor": self.cursor}
        )
        if reply["reset"]:
            self.data.clear()
        for item in reply["changes"]:
            key = (item["kind"], item["id"])
            if item["op"] == "put":
                self.data[key] = item["data"]
            else:
                self.data.pop(key, None)
        self.cursor = reply["cursor"]
        return reply


class World:
    def __init__(self, Session, registry, clock):
        self.Session = Session
        self.registry = registry
        self.clock = clock

    def push(self, actor, body):
        with self.Session() as session:
            return sync_engine.push(session, self.registry, actor, body, self.clock.now)

    def pull(self, actor, body):
        with self.Session() as session:
            return sync_engine.pull(session, self.registry, actor, body, self.clock.now).to_dict()

    def count(self, table_or_model, *where):
        with self.Session() as session:
            query = select(func.count()).select_from(table_or_model)
            for condition in where:
                query = query.where(condition)
            return session.scalar(query)

    def rows(self, table):
        with self.Session() as session:
            return session.execute(select(table)).all()

    def add(self, *records):
        with self.Session() as session:
            session.add_all(records)
            session.commit()
            return [r.id for r in records]


def scope_data(session, registry, actors, now: datetime) -> list[dict]:
    """What each actor's device must hold: the unexpired records of its property that fall
    in one of its scopes, as the registry serializes them."""
    moment = now.replace(tzinfo=UTC)
    scopes = [registry.scopes_for(actor) for actor in actors]
    held = [{} for _ in actors]
    for kind in registry.kinds.values():
        for row in session.scalars(select(kind.model)):
            expires = kind.expires(row)
            if expires is not None and expires <= moment:
                continue
            tags = set(kind.scopes(row))
            for actor, allowed, data in zip(actors, scopes, held, strict=True):
                if kind.partition(row) == actor.property_id and tags & allowed:
                    data[(kind.name, str(row.id))] = kind.serialize(row)
    return held
