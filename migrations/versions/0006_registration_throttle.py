"""Registrations refused for a taken email, which throttle registration per address.

Revision ID: 0006_registration_throttle
Revises: 0005_imports
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_registration_throttle'
down_revision = '0005_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_failures'))
    )
    with op.batch_alter_table('registration_failures', schema=None) as batch_op:
        batch_op.create_index('ix_registration_failures_address_created_at', ['address', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('registration_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_failures_address_created_at')

    op.drop_table('registration_failures')
