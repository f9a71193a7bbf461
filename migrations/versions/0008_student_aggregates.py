"""Per-student result aggregates (totals, per blueprint, per bank, per bank and week, per
topic), kept up to date as answers are graded, filled here from the history already graded.

Revision ID: 0008_student_aggregates
Revises: 0007_import_previews
Create Date: 2026-12-06 20:54:48.907875

"""
from alembic import op
import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.history.aggregates import rebuild_student_aggregates


# revision identifiers, used by Alembic.
revision = '0008_student_aggregates'
down_revision = '0007_import_previews'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('student_totals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('finished_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_totals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_student_totals'))
    )
    op.create_table('student_bank_scores',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('recent', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_student_bank_scores_bank_id_banks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_bank_scores_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'bank_id', name=op.f('pk_student_bank_scores'))
    )
    with op.batch_alter_table('student_bank_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_bank_scores_bank_id'), ['bank_id'], unique=False)

    op.create_table('student_bank_weeks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('percent_sum', sa.Double(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_student_bank_weeks_bank_id_banks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_bank_weeks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'bank_id', 'week', name=op.f('pk_student_bank_weeks'))
    )
    with op.batch_alter_table('student_bank_weeks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_bank_weeks_bank_id'), ['bank_id'], unique=False)

    op.create_table('student_blueprint_results',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('blueprint_id', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('best_percent', sa.Double(), nullable=False),
    sa.Column('recent', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['blueprint_id'], ['blueprints.id'], name=op.f('fk_student_blueprint_results_blueprint_id_blueprints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_blueprint_results_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'blueprint_id', name=op.f('pk_student_blueprint_results'))
    )
    with op.batch_alter_table('student_blueprint_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_blueprint_results_blueprint_id'), ['blueprint_id'], unique=False)

    op.create_table('student_topic_mastery',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('points', sa.Double(), nullable=False),
    sa.Column('recent', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_student_topic_mastery_topic_id_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_topic_mastery_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_student_topic_mastery'))
    )
    with op.batch_alter_table('student_topic_mastery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_topic_mastery_topic_id'), ['topic_id'], unique=False)

    # An upgraded school sees its history at once: the same code as `flask stats rebuild`,
    # on the migration's own connection (a second connection would wait for its locks).
    with so.Session(bind=op.get_bind()) as session:
        rebuild_student_aggregates(session=session)


def downgrade():
    with op.batch_alter_table('student_topic_mastery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_topic_mastery_topic_id'))

    op.drop_table('student_topic_mastery')
    with op.batch_alter_table('student_blueprint_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_blueprint_results_blueprint_id'))

    op.drop_table('student_blueprint_results')
    with op.batch_alter_table('student_bank_weeks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_bank_weeks_bank_id'))

    op.drop_table('student_bank_weeks')
    with op.batch_alter_table('student_bank_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_bank_scores_bank_id'))

    op.drop_table('student_bank_scores')
    op.drop_table('student_totals')
