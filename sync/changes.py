"""The change log: every write to a synced record leaves its latest state per scope.

``track_changes`` hooks a SQLAlchemy session so that any code path that writes a
registered record (a device's mutation, an office form, the demo command) logs it in the
same transaction; nobody has to remember to.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync.registry import Registry
from sync.tables import change, partition

VERSIONS_KEY = "sync_versions"


def _insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def bump_partition(session: Session, partition_id: int) -> int:
    """Take the next version of a property's changes, locking its row until commit.

    One version per transaction: later writes in the same transaction reuse it.
    """
    versions = session.info.setdefault(VERSIONS_KEY, {})
    if partition_id in versions:
        return versions[partition_id]
    statement = _insert(session, partition).values(id=partition_id, version=1, horizon=0)
    statement = statement.on_conflict_do_update(
        index_elements=[partition.c.id], set_={"version": partition.c.version + 1}
    ).returning(partition.c.version)
    version = session.execute(statement).scalar_one()
    versions[partition_id] = version
    return version


def current_version(session: Session, partition_id: int) -> tuple[int, int]:
    """(version, horizon) of a property's changes as committed now."""
    row = session.execute(
        select(partition.c.version, partition.c.horizon).where(partition.c.id == partition_id)
    ).first()
    return (row.version, row.horizon) if row else (0, 0)


def _forget_versions(session: Session, *args) -> None:
    # A rolled-back (sub)transaction may have taken back the version it bumped.
    session.info.pop(VERSIONS_KEY, None)


def naive_utc(moment: datetime | None) -> datetime | None:
    """The engine's tables hold UTC without a zone, the same on SQLite and PostgreSQL."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def write_record(
    session: Session, registry: Registry, record, now: datetime, is_new: bool = False
) -> None:
    """Log the record's current state in each of its scopes; tombstone the scopes it left.

    A new record has left no scope, so it skips the look for scopes to tombstone.
    """
    kind = registry.kind_of_model(type(record))
    partition_id = kind.partition(record)
    record_id = str(session.identity_key(instance=record)[1][0])
    version = bump_partition(session, partition_id)
    scopes = set(kind.scopes(record))
    expires = naive_utc(kind.expires(record))
    data = kind.serialize(record)
    if scopes:
        rows = [
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
            for scope in sorted(scopes)
        ]
        statement = _insert(session, change)
        statement = statement.on_conflict_do_update(
            index_elements=["partition_id", "scope", "kind", "record_id"],
            set_={
                "version": statement.excluded.version,
                "deleted": 0,
                "data": statement.excluded.data,
                "expires_at": statement.excluded.expires_at,
                "changed_at": statement.excluded.changed_at,
            },
        )
        session.execute(statement, rows)
    if not is_new:
        _tombstone(session, partition_id, kind.name, record_id, version, now, keep=scopes)


def _tombstone(session, partition_id, kind_name, record_id, version, now, keep=()) -> None:
    condition = (
        (change.c.partition_id == partition_id)
        & (change.c.kind == kind_name)
        & (change.c.record_id == record_id)
        & (change.c.deleted == 0)
    )
    if keep:
        condition &= change.c.scope.not_in(sorted(keep))
    session.execute(
        update(change)
        .where(condition)
        .values(version=version, deleted=1, data=None, expires_at=None, changed_at=now)
    )


def delete_record(session: Session, registry: Registry, record, now: datetime) -> None:
    kind = registry.kind_of_model(type(record))
    partition_id = kind.partition(record)
    record_id = str(session.identity_key(instance=record)[1][0])
    version = bump_partition(session, partition_id)
    _tombstone(session, partition_id, kind.name, record_id, version, now)


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
        update(change)
        .where(due)
        .values(version=version, deleted=1, data=None, expires_at=None, changed_at=now)
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


def track_changes(session_target, registry_of, clock) -> None:
    """Log every flushed write of a registered record kind, in the flushing transaction.

    ``session_target`` is a Session class, sessionmaker or scoped_session;
    ``registry_of()`` gives the registry in force (one per app); ``clock()`` gives the
    server's time as naive UTC.
    """

    def after_flush(session: Session, flush_context) -> None:
        registry = registry_of()
        now = clock()
        for record in session.new:
            if registry.kind_of_model(type(record)) is not None:
                write_record(session, registry, record, now, is_new=True)
        for record in session.dirty:
            if registry.kind_of_model(type(record)) is not None and session.is_modified(record):
                write_record(session, registry, record, now)
        for record in list(session.deleted):
            if registry.kind_of_model(type(record)) is not None:
                delete_record(session, registry, record, now)

    event.listen(session_target, "after_flush", after_flush)
    event.listen(session_target, "after_commit", _forget_versions)
    event.listen(session_target, "after_soft_rollback", _forget_versions)
