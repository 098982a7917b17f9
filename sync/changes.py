"""The change log: every write to a synced record leaves its latest state per scope.

``track_changes`` hooks a SQLAlchemy session so that any code path that writes a
registered record (a device's mutation, an office form, the demo command) logs it in the
same transaction; nobody has to remember to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync.registry import Registry
from sync.tables import change, partition

VERSIONS_KEY = "sync_versions"
TOMBSTONE_VALUES = {"deleted": 1, "data": None, "expires_at": None}


@cache
def _statements(dialect: str) -> dict:
    """The engine's hot statements, built once per dialect: building them costs more
    than running them."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    bump = (
        insert(partition)
        .values(id=bindparam("partition_id"), version=1, horizon=0)
        .on_conflict_do_update(
            index_elements=[partition.c.id], set_={"version": partition.c.version + 1}
        )
        .returning(partition.c.version)
    )
    upsert = insert(change)
    upsert = upsert.on_conflict_do_update(
        index_elements=["partition_id", "kind", "record_id", "scope"],
        set_={
            "version": upsert.excluded.version,
            "deleted": 0,
            "data": upsert.excluded.data,
            "expires_at": upsert.excluded.expires_at,
            "changed_at": upsert.excluded.changed_at,
        },
    )
    same_record = (
        (change.c.partition_id == bindparam("p_id"))
        & (change.c.kind == bindparam("p_kind"))
        & (change.c.record_id == bindparam("p_record"))
        & (change.c.deleted == 0)
    )
    tombstone_values = {
        **TOMBSTONE_VALUES,
        "version": bindparam("p_version"),
        "changed_at": bindparam("p_now"),
    }
    return {
        "bump": bump,
        "upsert": upsert,
        "tombstone_all": update(change).where(same_record).values(tombstone_values),
        "tombstone_others": update(change)
        .where(same_record & change.c.scope.not_in(bindparam("p_keep", expanding=True)))
        .values(tombstone_values),
    }


def statements_for(session: Session) -> dict:
    return _statements(session.get_bind().dialect.name)


def bump_partition(session: Session, partition_id: int) -> int:
    """Take the next version of a property's changes, locking its row until commit.

    One version per transaction: later writes in the same transaction reuse it.
    """
    versions = session.info.setdefault(VERSIONS_KEY, {})
    if partition_id not in versions:
        versions[partition_id] = session.execute(
            statements_for(session)["bump"], {"partition_id": partition_id}
        ).scalar_one()
    return versions[partition_id]


def current_version(session: Session, partition_id: int) -> tuple[int, int]:
    """(version, horizon) of a property's changes as committed now."""
    row = session.execute(
        select(partition.c.version, partition.c.horizon).where(partition.c.id == partition_id)
    ).first()
    return (row.version, row.horizon) if row else (0, 0)


def naive_utc(moment: datetime | None) -> datetime | None:
    """The engine's tables hold UTC without a zone, the same on SQLite and PostgreSQL."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _record_id(session: Session, record) -> str:
    return str(session.identity_key(instance=record)[1][0])


def change_rows(session: Session, kind, record, now: datetime, record_id=None) -> list[dict]:
    """The change-log rows of a record's current state, one per scope it is in.

    ``record`` is an ORM object, or any object with its values and then ``record_id``.
    """
    partition_id = kind.partition(record)
    version = bump_partition(session, partition_id)
    record_id = _record_id(session, record) if record_id is None else str(record_id)
    data = kind.serialize(record)
    expires = naive_utc(kind.expires(record))
    return [
        {
            "partition_id": partition_id,
            "scope": scope,
            "kind": kind.name,
            "record_id": record_id,
            "version": version,
            "deleted": 0,
            "data": data,
            "expires_at": expires,
            "changed_at": now,
        }
        for scope in sorted(set(kind.scopes(record)))
    ]


def tombstone(session: Session, kind, record, now: datetime, keep=()) -> None:
    """Mark the record gone from every scope it is in, except those in ``keep``."""
    partition_id = kind.partition(record)
    parameters = {
        "p_id": partition_id,
        "p_kind": kind.name,
        "p_record": _record_id(session, record),
        "p_version": bump_partition(session, partition_id),
        "p_now": now,
    }
    statements = statements_for(session)
    if keep:
        session.execute(statements["tombstone_others"], {**parameters, "p_keep": sorted(keep)})
    else:
        session.execute(statements["tombstone_all"], parameters)


def log_flush(session: Session, registry: Registry, now: datetime) -> None:
    """Write the change log of everything a flush is about to make permanent."""
    rows: list[dict] = []
    for record in session.new:
        kind = registry.kind_of_model(type(record))
        if kind is not None:
            # A new record has left no scope: nothing to tombstone.
            rows.extend(change_rows(session, kind, record, now))
    for record in session.dirty:
        kind = registry.kind_of_model(type(record))
        if kind is not None and session.is_modified(record):
            fresh = change_rows(session, kind, record, now)
            rows.extend(fresh)
            tombstone(session, kind, record, now, keep={row["scope"] for row in fresh})
    for record in session.deleted:
        kind = registry.kind_of_model(type(record))
        if kind is not None:
            tombstone(session, kind, record, now)
    if rows:
        session.execute(statements_for(session)["upsert"], rows)


def expire_due(session: Session, partition_id: int, now: datetime) -> int:
    """Tombstone the records whose time in their scope has run out; returns how many."""
    due = (
        (change.c.partition_id == partition_id)
        & (change.c.deleted == 0)
        & (change.c.expires_at <= now)
    )
    if session.execute(select(change.c.id).where(due).limit(1)).first() is None:
        return 0
    version = bump_partition(session, partition_id)
    result = session.execute(
        update(change).where(due).values(version=version, changed_at=now, **TOMBSTONE_VALUES)
    )
    return result.rowcount


def purge_tombstones(session: Session, partition_id: int, older_than: datetime) -> int:
    """Forget deletions older than the retention; devices behind them must refetch."""
    old = (
        (change.c.partition_id == partition_id)
        & (change.c.deleted == 1)
        & (change.c.changed_at < older_than)
    )
    horizon = session.execute(
        select(change.c.version).where(old).order_by(change.c.version.desc()).limit(1)
    ).scalar()
    if horizon is None:
        return 0
    bump_partition(session, partition_id)
    session.execute(update(partition).where(partition.c.id == partition_id).values(horizon=horizon))
    return session.execute(change.delete().where(old)).rowcount


def _forget_versions_after_rollback(session: Session, previous_transaction) -> None:
    # A rolled-back savepoint may have taken back the version bumped inside it.
    session.info.pop(VERSIONS_KEY, None)


def _forget_versions_at_the_end(session: Session, transaction) -> None:
    # Only the outermost transaction's end releases the lock the version stands for;
    # savepoints end inside it.
    if transaction.parent is None:
        session.info.pop(VERSIONS_KEY, None)


def track_changes(session_target, registry_of, clock) -> None:
    """Log every flushed write of a registered record kind, in the flushing transaction.

    ``session_target`` is a Session class, sessionmaker or scoped_session;
    ``registry_of()`` gives the registry in force (one per app); ``clock()`` gives the
    server's time as naive UTC.
    """

    def after_flush(session: Session, flush_context) -> None:
        log_flush(session, registry_of(), clock())

    event.listen(session_target, "after_flush", after_flush)
    event.listen(session_target, "after_transaction_end", _forget_versions_at_the_end)
    event.listen(session_target, "after_soft_rollback", _forget_versions_after_rollback)
