"""Pending uploads keep their parsed preview (JSON) instead of the file, which is parsed once.

Revision ID: 0007_import_previews
Revises: 0006_registration_throttle
Create Date: 2026-12-06 10:00:00.000000

Uploads waiting for confirmation are at most a day old and hold no saved work, so both
directions drop them rather than parse (or rebuild) files here: their owners upload again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_import_previews'
down_revision = '0006_registration_throttle'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text('DELETE FROM pending_imports'))
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview', sa.JSON(), nullable=False))
        batch_op.drop_column('data')
        batch_op.drop_column('title')
        batch_op.drop_column('format')


def downgrade():
    op.execute(sa.text('DELETE FROM pending_imports'))
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=False))
        batch_op.drop_column('preview')
