"""Item-analysis sums per question version and per blueprint, for everyone and per student,
kept up to date as exam-mode attempts are graded; filled here from the existing responses.

Revision ID: 0009_question_stats
Revises: 0008_student_aggregates
Create Date: 2026-12-06 20:54:09.050932

The fill uses the pure sums of quizapp.scoring.item_analysis (no app, no ORM models), the same
arithmetic as `flask stats rebuild`.
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

from quizapp.scoring.item_analysis import (
    POINTS_SCALE,
    ItemSums,
    TotalSums,
    response_sums,
    scaled,
)


# revision identifiers, used by Alembic.
revision = '0009_question_stats'
down_revision = '0008_student_aggregates'
branch_labels = None
depends_on = None


def upgrade():
    blueprint_stats = op.create_table('blueprint_stats',
    sa.Column('blueprint_id', sa.Integer(), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('total_sq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['blueprint_id'], ['blueprints.id'], name=op.f('fk_blueprint_stats_blueprint_id_blueprints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blueprint_id', 'question_count', name=op.f('pk_blueprint_stats'))
    )
    student_blueprint_stats = op.create_table('student_blueprint_stats',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('blueprint_id', sa.Integer(), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('total_sq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['blueprint_id'], ['blueprints.id'], name=op.f('fk_student_blueprint_stats_blueprint_id_blueprints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_blueprint_stats_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'blueprint_id', 'question_count', name=op.f('pk_student_blueprint_stats'))
    )
    with op.batch_alter_table('student_blueprint_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_blueprint_stats_blueprint_id'), ['blueprint_id'], unique=False)

    student_version_stats = op.create_table('student_version_stats',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('blank', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('total_sq', sa.BigInteger(), nullable=False),
    sa.Column('correct_total', sa.BigInteger(), nullable=False),
    sa.Column('option_0', sa.Integer(), nullable=False),
    sa.Column('option_1', sa.Integer(), nullable=False),
    sa.Column('option_2', sa.Integer(), nullable=False),
    sa.Column('option_3', sa.Integer(), nullable=False),
    sa.Column('option_4', sa.Integer(), nullable=False),
    sa.Column('option_5', sa.Integer(), nullable=False),
    sa.Column('option_6', sa.Integer(), nullable=False),
    sa.Column('option_7', sa.Integer(), nullable=False),
    sa.Column('option_8', sa.Integer(), nullable=False),
    sa.Column('option_9', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_version_stats_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_student_version_stats_version_id_question_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'version_id', name=op.f('pk_student_version_stats'))
    )
    with op.batch_alter_table('student_version_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_version_stats_version_id'), ['version_id'], unique=False)

    version_stats = op.create_table('version_stats',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('blank', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('total_sq', sa.BigInteger(), nullable=False),
    sa.Column('correct_total', sa.BigInteger(), nullable=False),
    sa.Column('option_0', sa.Integer(), nullable=False),
    sa.Column('option_1', sa.Integer(), nullable=False),
    sa.Column('option_2', sa.Integer(), nullable=False),
    sa.Column('option_3', sa.Integer(), nullable=False),
    sa.Column('option_4', sa.Integer(), nullable=False),
    sa.Column('option_5', sa.Integer(), nullable=False),
    sa.Column('option_6', sa.Integer(), nullable=False),
    sa.Column('option_7', sa.Integer(), nullable=False),
    sa.Column('option_8', sa.Integer(), nullable=False),
    sa.Column('option_9', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_version_stats_version_id_question_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_version_stats'))
    )
    _fill(version_stats, student_version_stats, blueprint_stats, student_blueprint_stats)


RESPONSES = sa.text(
    "SELECT a.id, a.user_id, a.blueprint_id, a.question_count, a.score_points, a.percent,"
    " aq.version_id, v.type, aq.score, aq.response"
    " FROM attempt_questions aq JOIN attempts a ON a.id = aq.attempt_id"
    " JOIN question_versions v ON v.id = aq.version_id"
    " WHERE a.status = 'finished' AND a.mode = 'exam'"
).columns(
    sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
    sa.column('blueprint_id', sa.Integer), sa.column('question_count', sa.Integer),
    sa.column('score_points', sa.Float), sa.column('percent', sa.Float),
    sa.column('version_id', sa.Integer), sa.column('type', sa.String),
    sa.column('score', sa.Float), sa.column('response', sa.JSON),
)
CHOICE_TYPES = {'single_best', 'multiple_response'}
ITEM_COLUMNS = ('responses', 'correct', 'blank', 'total', 'total_sq', 'correct_total')


def _fill(version_stats, student_version_stats, blueprint_stats, student_blueprint_stats):
    """Sum every finished exam-mode response into the new tables."""
    versions, student_versions = defaultdict(ItemSums), defaultdict(ItemSums)
    blueprints, student_blueprints = defaultdict(TotalSums), defaultdict(TotalSums)
    seen = set()
    for (attempt_id, user_id, blueprint_id, k, points, percent, version_id, qtype, score,
         response) in op.get_bind().execute(RESPONSES):
        sums = response_sums(score, percent, response, choice=qtype in CHOICE_TYPES)
        versions[version_id] += sums
        student_versions[user_id, version_id] += sums
        if blueprint_id is not None and attempt_id not in seen:
            seen.add(attempt_id)
            x = scaled(points, POINTS_SCALE)
            blueprints[blueprint_id, k] += TotalSums(1, x, x * x)
            student_blueprints[user_id, blueprint_id, k] += TotalSums(1, x, x * x)

    def item_row(s):
        return {c: getattr(s, c) for c in ITEM_COLUMNS} | {
            f'option_{i}': c for i, c in enumerate(s.options)
        }

    def total_row(s):
        return {'count': s.count, 'total': s.total, 'total_sq': s.total_sq}

    op.bulk_insert(version_stats, [
        {'version_id': v} | item_row(s) for v, s in versions.items()
    ])
    op.bulk_insert(student_version_stats, [
        {'user_id': u, 'version_id': v} | item_row(s) for (u, v), s in student_versions.items()
    ])
    op.bulk_insert(blueprint_stats, [
        {'blueprint_id': b, 'question_count': k} | total_row(s)
        for (b, k), s in blueprints.items()
    ])
    op.bulk_insert(student_blueprint_stats, [
        {'user_id': u, 'blueprint_id': b, 'question_count': k} | total_row(s)
        for (u, b, k), s in student_blueprints.items()
    ])


def downgrade():
    op.drop_table('version_stats')
    with op.batch_alter_table('student_version_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_version_stats_version_id'))

    op.drop_table('student_version_stats')
    with op.batch_alter_table('student_blueprint_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_blueprint_stats_blueprint_id'))

    op.drop_table('student_blueprint_stats')
    op.drop_table('blueprint_stats')
