"""The sync engine's own tables, on a MetaData of their own so the engine stands alone.

The app's migrations include this MetaData; the engine's tests create it directly.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per property: the change sequence of everything in it. Writers lock this row
# (UPDATE … RETURNING) for their whole transaction, so versions commit in order.
partition = Table(
    "sync_partition",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False, default=0),
    # Tombstones at or below this version were purged: older cursors must refetch.
    Column("horizon", BigInteger, nullable=False, default=0),
)

# The latest change of each record in each scope: puts carry the record, deletes are
# tombstones. A pull returns the rows above its cursor that fall in the device's scopes.
change = Table(
    "sync_change",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partition_id", Integer, nullable=False),
    Column("scope", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("deleted", Integer, nullable=False, default=0),
    Column("data", JSON),
    # When a put leaves its scope by time (a past booking, an expired pass).
    Column("expires_at", DateTime),
    Column("changed_at", DateTime, nullable=False),
    # Record before scope: the one index serves the upsert and finding a record's rows
    # in every scope; a second index on random record ids doubled a push's writes.
    Index("uq_sync_change_record", "partition_id", "kind", "record_id", "scope", unique=True),
    Index("ix_sync_change_pull", "partition_id", "scope", "version"),
    Index("ix_sync_change_expiry", "partition_id", "expires_at"),
)

# One row per device outbox: how far its mutations have been applied.
client = Table(
    "sync_client",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("device_id", Uuid, nullable=False, index=True),
    Column("last_mutation_id", BigInteger, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("last_push_at", DateTime),
    Column("last_pull_at", DateTime),
)

# Mutations the server refused: kept whole, with the reason, for the office.
rejection = Table(
    "sync_rejection",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partition_id", Integer, nullable=False, index=True),
    Column("client_id", Uuid, nullable=False),
    Column("mutation_id", BigInteger, nullable=False),
    Column("device_id", Uuid, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("name", String(80), nullable=False),
    Column("args", JSON, nullable=False),
    Column("device_time", DateTime),
    # The device clock's offset from UTC in minutes, as reported.
    Column("device_utc_offset", Integer),
    Column("received_at", DateTime, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    # A push that refuses counts the device's refusals of the last hour (engine.py).
    Index("ix_sync_rejection_device_recent", "device_id", "received_at"),
)

# Things the office should look at: id conflicts, concurrent edits, clocks far off,
# entries on revoked passes…
flag = Table(
    "sync_flag",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partition_id", Integer, nullable=False, index=True),
    Column("kind", String(40)),
    Column("record_id", String(64)),
    Column("reason", String(40), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("client_id", Uuid),
    Column("mutation_id", BigInteger),
    Column("device_id", Uuid),
    Column("user_id", Integer),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("resolved_by_id", Integer),
    Index("ix_sync_flag_record", "kind", "record_id"),
)

# Every value a shared record's field has taken, so both sides of a collision survive.
field_history = Table(
    "sync_field_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("field", String(60), nullable=False),
    Column("value", JSON),
    Column("version", Integer, nullable=False),
    Column("base_version", Integer),
    Column("client_id", Uuid),
    Column("mutation_id", BigInteger),
    Column("user_id", Integer),
    Column("received_at", DateTime, nullable=False),
    Index("ix_sync_field_history_record", "kind", "record_id", "field"),
)

# Photos and other files, uploaded apart from the mutations that reference them.
attachment = Table(
    "sync_attachment",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("partition_id", Integer, nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("device_id", Uuid, nullable=False),
    Column("received_at", DateTime, nullable=False),
)

# Which records reference which attachments; a reference without a row in
# sync_attachment is a photo still on the device.
attachment_ref = Table(
    "sync_attachment_ref",
    metadata,
    Column("attachment_id", Uuid, primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("partition_id", Integer, nullable=False),
    Column("device_id", Uuid, nullable=False),
)
