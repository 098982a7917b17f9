"""checkpoint codes of areas

Revision ID: 6e9faa6ee962
Revises: c1bdb7aa7507
Create Date: 2026-12-01 09:49:59.890172

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6e9faa6ee962"
down_revision = "c1bdb7aa7507"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkpoint_code", sa.String(length=32), nullable=True))
    # Areas made before stickers existed each get a code of their own.
    area = sa.table("area", sa.column("id", sa.Integer), sa.column("checkpoint_code", sa.String))
    bind = op.get_bind()
    for (area_id,) in bind.execute(sa.select(area.c.id)).all():
        bind.execute(
            area.update()
            .where(area.c.id == area_id)
            .values(checkpoint_code=secrets.token_urlsafe(12))
        )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.alter_column("checkpoint_code", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_area_checkpoint_code"), ["checkpoint_code"]
        )


def downgrade():
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_area_checkpoint_code"), type_="unique")
        batch_op.drop_column("checkpoint_code")
