"""The gate: permits, worker passes and their photos, exit passes, gate events and settings

Revision ID: 6097da5e7e1d
Revises: 5c2b33cabee0
Create Date: 2026-12-01 09:55:19.264052

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6097da5e7e1d'
down_revision = '5c2b33cabee0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exit_pass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.Column('carrier', sa.String(length=60), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('valid_on', sa.Date(), nullable=False),
    sa.Column('approver', sa.String(length=60), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('released_event_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_exit_pass_issued_by_id_user')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_exit_pass_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_pass')),
    sa.UniqueConstraint('property_id', 'number', name=op.f('uq_exit_pass_property_id')),
    sa.UniqueConstraint('token', name=op.f('uq_exit_pass_token'))
    )
    with op.batch_alter_table('exit_pass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exit_pass_property_id'), ['property_id'], unique=False)

    op.create_table('gate_settings',
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('closing_time', sa.String(length=5), nullable=False),
    sa.Column('stale_hours', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_gate_settings_property_id_property')),
    sa.PrimaryKeyConstraint('property_id', name=op.f('pk_gate_settings'))
    )
    op.create_table('permit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('company', sa.String(length=120), nullable=False),
    sa.Column('foreman', sa.String(length=60), nullable=False),
    sa.Column('foreman_phone', sa.String(length=30), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=True),
    sa.Column('days', sa.JSON(), nullable=True),
    sa.Column('state', sa.Enum('active', 'suspended', 'closed', name='permitstate', native_enum=False, length=32), nullable=False),
    sa.Column('deposit_yuan', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_permit_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permit'))
    )
    with op.batch_alter_table('permit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permit_property_id'), ['property_id'], unique=False)

    op.create_table('worker_pass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('trade', sa.String(length=40), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('retired_tokens', sa.JSON(), nullable=False),
    sa.Column('issue', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('live', 'revoked', name='passstate', native_enum=False, length=32), nullable=False),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('reissued_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_worker_pass_permit_id_permit')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_worker_pass_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_pass')),
    sa.UniqueConstraint('property_id', 'number', name=op.f('uq_worker_pass_property_id')),
    sa.UniqueConstraint('token', name=op.f('uq_worker_pass_token'))
    )
    with op.batch_alter_table('worker_pass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_pass_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_pass_property_id'), ['property_id'], unique=False)
        batch_op.create_index('uq_worker_pass_live_person', ['permit_id', 'id_number'], unique=True, sqlite_where=sa.text("state = 'live'"), postgresql_where=sa.text("state = 'live'"))

    op.create_table('gate_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('entry', 'exit', 'release', name='direction', native_enum=False, length=32), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=True),
    sa.Column('exit_pass_id', sa.Integer(), nullable=True),
    sa.Column('shown', sa.Enum('valid_entering', 'valid_leaving', 'expired', 'revoked', 'outside_hours', 'suspended', 'unknown', 'already_inside', 'used', 'valid_release', name='checkstate', native_enum=False, length=32), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('list_synced_at', sa.DateTime(), nullable=True),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('device_time', sa.DateTime(), nullable=False),
    sa.Column('device_utc_offset', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_gate_event_created_by_id_user')),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_gate_event_device_id_device')),
    sa.ForeignKeyConstraint(['exit_pass_id'], ['exit_pass.id'], name=op.f('fk_gate_event_exit_pass_id_exit_pass')),
    sa.ForeignKeyConstraint(['pass_id'], ['worker_pass.id'], name=op.f('fk_gate_event_pass_id_worker_pass')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_gate_event_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_event'))
    )
    with op.batch_alter_table('gate_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_event_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_event_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_event_exit_pass_id'), ['exit_pass_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_event_pass_id'), ['pass_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_event_property_id'), ['property_id'], unique=False)

    op.create_table('pass_photo',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('thumbnail', sa.Text(), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pass_id'], ['worker_pass.id'], name=op.f('fk_pass_photo_pass_id_worker_pass')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_pass_photo_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pass_photo')),
    sa.UniqueConstraint('pass_id', name=op.f('uq_pass_photo_pass_id'))
    )
    with op.batch_alter_table('pass_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pass_photo_property_id'), ['property_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pass_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pass_photo_property_id'))

    op.drop_table('pass_photo')
    with op.batch_alter_table('gate_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_event_property_id'))
        batch_op.drop_index(batch_op.f('ix_gate_event_pass_id'))
        batch_op.drop_index(batch_op.f('ix_gate_event_exit_pass_id'))
        batch_op.drop_index(batch_op.f('ix_gate_event_device_id'))
        batch_op.drop_index(batch_op.f('ix_gate_event_created_by_id'))

    op.drop_table('gate_event')
    with op.batch_alter_table('worker_pass', schema=None) as batch_op:
        batch_op.drop_index('uq_worker_pass_live_person', sqlite_where=sa.text("state = 'live'"), postgresql_where=sa.text("state = 'live'"))
        batch_op.drop_index(batch_op.f('ix_worker_pass_property_id'))
        batch_op.drop_index(batch_op.f('ix_worker_pass_permit_id'))

    op.drop_table('worker_pass')
    with op.batch_alter_table('permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_permit_property_id'))

    op.drop_table('permit')
    op.drop_table('gate_settings')
    with op.batch_alter_table('exit_pass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exit_pass_property_id'))

    op.drop_table('exit_pass')
