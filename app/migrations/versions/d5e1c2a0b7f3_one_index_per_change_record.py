"""one index finds a change-log record in its scopes

Revision ID: d5e1c2a0b7f3
Revises: b034a3e1331c
Create Date: 2026-11-27 07:00:00

"""

from alembic import op

revision = "d5e1c2a0b7f3"
down_revision = "b034a3e1331c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_change_of_record")
        batch_op.drop_index("uq_sync_change_record")
        batch_op.create_index(
            "uq_sync_change_record", ["partition_id", "kind", "record_id", "scope"], unique=True
        )


def downgrade():
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.drop_index("uq_sync_change_record")
        batch_op.create_index(
            "uq_sync_change_record", ["partition_id", "scope", "kind", "record_id"], unique=True
        )
        batch_op.create_index(
            "ix_sync_change_of_record", ["partition_id", "kind", "record_id"], unique=False
        )
