"""Push and pull: apply each device mutation exactly once, hand each device its scope."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError
from sqlalchemy import Text, cast, func, insert, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sync import protocol
from sync.changes import bump_partition, current_version, expire_due, naive_utc
from sync.errors import ProtocolError, Rejected, TransientError
from sync.handlers import MutationContext, NewRecords
from sync.registry import Actor, MutationHandler, Registry
from sync.tables import change, client, flag, rejection
from sync.values import shown_text, storable_summary, unstorable, utc_offset_minutes

CLOCK_SKEW_LIMIT = timedelta(hours=24)
# What the office keeps of refused mutations: a device sending junk fills no page.
MAX_REJECTIONS_KEPT = 200
REJECTIONS_KEPT_PER = timedelta(hours=1)
MAX_DETAIL_CHARS = 2000
# Errors a value the database cannot hold raises, by driver: the same on every retry.
UNSTORABLE = (DataError, OverflowError, UnicodeError, ValueError)
# How often a pull notes its time: each note is a write, and pulls otherwise only read.
LAST_PULL_NOTED_EVERY = timedelta(minutes=5)


def _outbox(session: Session, client_id: uuid.UUID, actor: Actor, *, lock: bool):
    """The row of a device's outbox, None before its first push; another device's is refused.

    ``lock`` holds the row until commit, for a push that advances it.
    """
    query = select(client).where(client.c.id == client_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is not None and row.device_id != actor.device_id:
        raise ProtocolError(
            403, "client_of_another_device", "This client id belongs to another device."
        )
    return row


def _validate_envelope(registry: Registry, request: dict) -> None:
    if request["schema_version"] not in protocol.SCHEMA_VERSIONS:
        raise ProtocolError(
            400,
            "unsupported_schema_version",
            "This app version is not supported by the server; reload the app.",
            supported=sorted(protocol.SCHEMA_VERSIONS),
        )
    # A malformed mutation is refused on its own below, whatever its name.
    named = {m["name"] for m in request["mutations"] if m["malformed"] is None}
    unknown = sorted(named - registry.mutations.keys())
    if unknown:
        raise ProtocolError(
            400, "unknown_mutation", "The server does not know these changes.", names=unknown
        )
    ids = [m["id"] for m in request["mutations"]]
    if any(b != a + 1 for a, b in zip(ids, ids[1:], strict=False)):
        raise ProtocolError(
            400, "ids_not_consecutive", "Mutation ids in a batch must be consecutive."
        )


def _store_rejections(session, actor, client_id, refused: list[tuple[dict, Rejected]], now):
    """Keep refused mutations for the office, each within a size, and at most so many an
    hour per device: a broken or hostile tablet must not fill the office's page."""
    if not refused:
        return
    stored_lately = session.scalar(
        select(func.count())
        .select_from(rejection)
        .where(
            (rejection.c.device_id == actor.device_id)
            & (rejection.c.received_at > now - REJECTIONS_KEPT_PER)
        )
    )
    room = max(0, MAX_REJECTIONS_KEPT - stored_lately)
    kept, dropped = refused[:room], refused[room:]
    if kept:
        session.execute(
            insert(rejection),
            [
                {
                    "partition_id": actor.property_id,
                    "client_id": client_id,
                    "mutation_id": mutation["id"],
                    "device_id": actor.device_id,
                    "user_id": actor.user_id,
                    "name": shown_text(mutation["name"] or "?", 80),
                    "args": storable_summary(mutation["args"]),
                    "device_time": _naive_utc_or_none(mutation["device_time"]),
                    "device_utc_offset": utc_offset_minutes(mutation["device_time"]),
                    "received_at": now,
                    "reason": refusal.reason,
                    "detail": shown_text(refusal.message, MAX_DETAIL_CHARS),
                }
                for mutation, refusal in kept
            ],
        )
    if dropped:
        session.execute(
            insert(flag).values(
                partition_id=actor.property_id,
                reason="rejections_dropped",
                detail={"count": len(dropped), "mutation_ids": [m["id"] for m, _r in dropped]},
                client_id=client_id,
                device_id=actor.device_id,
                user_id=actor.user_id,
                created_at=now,
            )
        )


def _naive_utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else naive_utc(moment)


@dataclass
class _Pending:
    """A mutation to apply: checked once, applied optimistically or one by one."""

    mutation: dict
    handler: MutationHandler
    args: dict | None
    refusal: Rejected | None


def _check(registry: Registry, actor: Actor, mutation: dict) -> _Pending:
    if mutation["malformed"] is not None:
        return _Pending(mutation, None, None, Rejected("invalid", mutation["malformed"]))
    handler = registry.mutations[mutation["name"]]
    if actor.role not in handler.roles:
        refusal = Rejected("forbidden", "Your role may not make this change.")
        return _Pending(mutation, handler, None, refusal)
    try:
        args = handler.schema.load(mutation["args"])
    except ValidationError as error:
        refusal = Rejected("invalid", json.dumps(error.normalized_messages()))
        return _Pending(mutation, handler, None, refusal)
    # Loading can make what arrived storable unstorable (1e308 as a whole number).
    problem = unstorable(args)
    if problem is not None:
        return _Pending(mutation, handler, None, Rejected("invalid", problem))
    return _Pending(mutation, handler, args, None)


def _acting(session, registry: Registry, actor: Actor, mutation: dict, holders: dict) -> Actor:
    """Who made the change: the device's user, or someone the device was handed over to.

    ``holders`` keeps this push's answers; only the positive ones, since a hand-over
    earlier in the batch can make a later answer yes.
    """
    user_id = mutation["acting_user_id"]
    if user_id is None or user_id == actor.user_id:
        return actor
    if user_id not in holders:
        acting = registry.holder(session, actor, user_id) if registry.holder else None
        if acting is None:
            raise Rejected("not_a_holder", "This person has not taken this device over.")
        holders[user_id] = acting
    return holders[user_id]


def _context(session, registry, actor, client_id, pending: _Pending, now, new_records=None):
    context = MutationContext(
        session,
        registry,
        actor,
        client_id,
        pending.mutation["id"],
        # The same instant in UTC: SQLite would drop the device's offset as it stores it,
        # so the offset travels beside it.
        pending.mutation["device_time"].astimezone(UTC),
        now.replace(tzinfo=UTC),
        new_records,
        utc_offset_minutes(pending.mutation["device_time"]),
    )
    if abs(context.device_time - context.received_at) > CLOCK_SKEW_LIMIT:
        context.flag("clock_skew", device_time=context.device_time, received_at=now)
    return context


def _result(pending: _Pending, context: MutationContext) -> dict:
    result = {"id": pending.mutation["id"], "status": "applied"}
    if context.flags:
        result["flags"] = sorted({f["reason"] for f in context.flags})
    return result


def _store_flags(session: Session, contexts: list[MutationContext]) -> None:
    flags = [f for context in contexts for f in context.flags]
    if flags:
        session.execute(insert(flag), flags)


def _apply_together(session, registry, actor, client_id, batch, now) -> list[dict] | None:
    """Apply a batch in one savepoint and one flush: the common case, fast.

    Handlers insert without looking for an existing record first; anything unusual (a
    refusal, a repeated id) undoes the whole attempt and returns None.
    """
    if any(pending.refusal for pending in batch):
        return None
    new_records = NewRecords(session, registry, now)
    contexts, holders = [], {}
    savepoint = session.begin_nested()
    try:
        for pending in batch:
            acting = _acting(session, registry, actor, pending.mutation, holders)
            context = _context(session, registry, acting, client_id, pending, now, new_records)
            contexts.append(context)
            pending.handler.apply(context, dict(pending.args))
        new_records.write()
        session.flush()
        _store_flags(session, contexts)
        savepoint.commit()
    except (Rejected, IntegrityError, *UNSTORABLE):
        savepoint.rollback()
        return None
    return [_result(p, c) for p, c in zip(batch, contexts, strict=True)]


def _apply_one(session, registry, actor, client_id, pending: _Pending, now) -> dict:
    """Apply one mutation in its own savepoint; a refusal is reported and noted in
    ``pending.refusal`` for the office."""
    if pending.refusal is None:
        savepoint = session.begin_nested()
        try:
            acting = _acting(session, registry, actor, pending.mutation, {})
            context = _context(session, registry, acting, client_id, pending, now)
            pending.handler.apply(context, dict(pending.args))
            session.flush()
            _store_flags(session, [context])
            savepoint.commit()
            return _result(pending, context)
        except Rejected as error:
            savepoint.rollback()
            pending.refusal = error
        except IntegrityError as error:
            savepoint.rollback()
            pending.refusal = Rejected("constraint", _first_line(error.orig))
        except UNSTORABLE as error:
            # A value the database cannot hold fails the same way on every retry.
            savepoint.rollback()
            pending.refusal = Rejected("invalid", _first_line(getattr(error, "orig", error)))
    return {
        "id": pending.mutation["id"],
        "status": "rejected",
        "reason": pending.refusal.reason,
        "message": pending.refusal.message,
    }


def _first_line(error) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


@contextmanager
def _all_or_nothing(session: Session):
    """Commit inside; on any refusal or database failure roll everything back.

    A database that is down or busy becomes a TransientError: the device retries later.
    """
    try:
        yield
    except ProtocolError:
        session.rollback()
        raise
    except (OperationalError, DBAPIError) as error:
        session.rollback()
        raise TransientError(str(error)) from error


def push(session: Session, registry: Registry, actor: Actor, body, now: datetime) -> dict:
    """Apply a device's batch: each new mutation once, in order, with its effect.

    ``now`` is the server's time as naive UTC. Raises ProtocolError (nothing applied) or
    TransientError (nothing applied; retry).
    """
    request = protocol.load(protocol.PUSH, body)
    _validate_envelope(registry, request)
    client_id = request["client_id"]
    # Checked before the property's lock is taken, which other devices' pushes wait for.
    checked = [_check(registry, actor, m) for m in request["mutations"]]
    with _all_or_nothing(session):
        bump_partition(session, actor.property_id)
        outbox = _outbox(session, client_id, actor, lock=True)
        if outbox is None:
            session.execute(
                insert(client).values(
                    id=client_id, device_id=actor.device_id, last_mutation_id=0, created_at=now
                )
            )
        last = outbox.last_mutation_id if outbox else 0
        mutations = request["mutations"]
        if mutations and mutations[0]["id"] > last + 1:
            raise ProtocolError(
                409,
                "mutation_gap",
                f"Mutation {last + 1} is missing; resend from there.",
                resume_from=last + 1,
                last_mutation_id=last,
            )
        results = [{"id": m["id"], "status": "duplicate"} for m in mutations if m["id"] <= last]
        batch = [pending for pending in checked if pending.mutation["id"] > last]
        applied = _apply_together(session, registry, actor, client_id, batch, now)
        if applied is None:
            applied = [_apply_one(session, registry, actor, client_id, p, now) for p in batch]
            refused = [(p.mutation, p.refusal) for p in batch if p.refusal is not None]
            _store_rejections(session, actor, client_id, refused, now)
        results.extend(applied)
        if batch:
            last = batch[-1].mutation["id"]
        session.execute(
            update(client)
            .where(client.c.id == client_id)
            .values(last_mutation_id=last, last_push_at=now)
        )
        session.commit()
    return {"last_mutation_id": last, "results": results}


@dataclass
class PullReply:
    """A pull's answer. Records stay the JSON text they are stored as: decoding and
    re-encoding ten thousand of them would cost more than the query."""

    cursor: str
    last_mutation_id: int
    reset: bool
    must_refetch: bool
    # (kind, record id, JSON text of the record, or None for "remove it")
    changes: list[tuple[str, str, str | None]]

    def to_json(self) -> str:
        items = []
        for kind, record_id, data in self.changes:
            head = f'{{"kind":{json.dumps(kind)},"id":{json.dumps(record_id)},"op":'
            items.append(head + ('"delete"}' if data is None else f'"put","data":{data}}}'))
        return (
            f'{{"cursor":{json.dumps(self.cursor)},"last_mutation_id":{self.last_mutation_id},'
            f'"reset":{json.dumps(self.reset)},"must_refetch":{json.dumps(self.must_refetch)},'
            f'"changes":[{",".join(items)}]}}'
        )

    def to_dict(self) -> dict:
        return json.loads(self.to_json())


def pull(session: Session, registry: Registry, actor: Actor, body, now: datetime) -> PullReply:
    """The changes in the device's scope since its cursor, and a new cursor."""
    request = protocol.load(protocol.PULL, body)
    position = protocol.parse_cursor(request["cursor"])
    scopes = registry.scopes_for(actor)
    with _all_or_nothing(session):
        if expire_due(session, actor.property_id, now):
            session.commit()
        # The version is read before the changes: every change at or below it has
        # committed, because writers take versions in order under the partition's lock.
        version, horizon = current_version(session, actor.property_id)
        # Only read: on SQLite a write would wait its turn behind every push.
        outbox = _outbox(session, request["client_id"], actor, lock=False)
        last = outbox.last_mutation_id if outbox else 0
        # Another property, other scopes (a new role), deletions forgotten, or a cursor
        # from the future (a restored database): the device starts over from a snapshot.
        stale = position is not None and (
            position[0] != actor.property_id
            or position[2] != protocol.scope_fingerprint(scopes)
            or position[1] < horizon
            or position[1] > version
        )
        reset = position is None or stale
        changes = _changes_in_scope(
            session, scopes, actor.property_id, version, since=None if reset else position[1]
        )
        if outbox is not None and (
            outbox.last_pull_at is None or now - outbox.last_pull_at >= LAST_PULL_NOTED_EVERY
        ):
            session.execute(
                update(client).where(client.c.id == request["client_id"]).values(last_pull_at=now)
            )
        session.commit()
    return PullReply(
        cursor=protocol.format_cursor(actor.property_id, version, scopes),
        last_mutation_id=last,
        reset=reset,
        must_refetch=stale,
        changes=changes,
    )


def _changes_in_scope(session, scopes, partition_id, version, since) -> list[tuple]:
    if not scopes:
        return []
    condition = (
        (change.c.partition_id == partition_id)
        & change.c.scope.in_(sorted(scopes))
        & (change.c.version <= version)
    )
    if since is None:
        condition &= change.c.deleted == 0
    else:
        condition &= change.c.version > since
    rows = session.execute(
        select(change.c.kind, change.c.record_id, change.c.deleted, cast(change.c.data, Text))
        .where(condition)
        .order_by(change.c.version, change.c.deleted.desc())
    )
    latest: dict[tuple[str, str], tuple] = {}
    for kind, record_id, deleted, data in rows:
        key = (kind, record_id)
        if deleted:
            # A record in two of the device's scopes: a put in one beats leaving the other.
            if key in latest and latest[key][2] is not None:
                continue
            data = None
        latest.pop(key, None)
        latest[key] = (kind, record_id, data)
    return list(latest.values())
