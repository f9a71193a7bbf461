"""Readiness services on synthetic answers (no HTTP)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.banks.models import Blueprint, Question, QuestionVersion
from quizapp.extensions import db
from quizapp.readiness import services

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _answers(app, correct_in_topic):
    """One answer to each of the bank's questions, right per topic as given."""
    rows = db.session.execute(
        sa.select(Question.id, QuestionVersion.topic_id, QuestionVersion.topic_id).join(
            QuestionVersion, QuestionVersion.id == Question.current_version_id
        )
    ).all()
    topics = sorted({topic for _, topic, _ in rows})
    return [
        services.Answer(
            question_id,
            topic_id,
            -1.0,
            1.0,
            correct_in_topic[topics.index(topic_id)],
            NOW - timedelta(days=n),
        )
        for n, (question_id, topic_id, _) in enumerate(rows)
    ]


def test_the_weak_topic_is_the_one_that_would_raise_it_most(app, blueprint_id):
    with app.app_context():
        blueprint = db.session.get(Blueprint, blueprint_id)
        answers = _answers(app, [True, False])  # topic a1 all right, b all wrong
        result = services.blueprint_readiness(
            blueprint, answers, services.current_calibration(), now=NOW
        )
        assert result.result is not None and result.answers == 60
        assert [s.topic for s in result.shortfalls] == ["Topic B"]
        assert result.shortfalls[0].points > 3
        # The trend: up to 8 past weeks and now; answers a day apart, so the older weeks lack
        # evidence and the trend starts at the first week with a figure.
        assert 1 < len(result.trend) < 9
        assert all(point.probability is not None for point in result.trend)
        assert result.trend[-1].probability == result.result.probability


def test_percentile_within_the_class(app, blueprint_id, make_user, make_class):
    from tests.readiness.conftest import seed

    teacher, me = make_user("instructor"), make_user()
    classmates = [make_user() for _ in range(30)]
    strangers = [make_user().id for _ in range(5)]
    make_class(teacher, (me, *classmates))
    seed(app, [c.id for c in classmates] + strangers, blueprint_id, attempts_each=2)
    with app.app_context():
        ranks = services.percentile_ranks(me.id, blueprint_id, 60.0)
        assert (ranks.others, ranks.classmates) == (35, 30)
        assert ranks.everyone is not None and ranks.in_class is not None
        # Everyone's first attempts only: the second ones are not counted.
        firsts = services.percentile_ranks(me.id, blueprint_id, 101.0)
        assert firsts.everyone == 100.0
        assert services.percentile_ranks(me.id, blueprint_id, -1.0).everyone == 0.0
