"""Enemy groups in the database draws: blueprint tests, custom tests and the adaptive pool."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD
from quizapp.auth.models import User
from quizapp.banks import services as bank_services
from quizapp.banks.drawing import NotEnoughQuestionsError
from quizapp.banks.loader import BlueprintSection, parse_bank, parse_blueprint
from quizapp.banks.models import Bank, Blueprint, Question
from quizapp.banks.services import enemy_groups, sync_bank, sync_blueprint
from quizapp.exams import services as exam_services
from quizapp.exams.models import AttemptQuestion, Mode
from quizapp.extensions import db
from quizapp.readiness import services as readiness_services
from quizapp.review import services as review_services
from tests.conftest import bank_yaml
from tests.review.conftest import answer

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def tagged_bank(slug: str, n: int, enemies: dict[int, str]) -> str:
    """bank_yaml with `enemy:<group>` on the questions named in `enemies`."""
    lines = []
    for line in bank_yaml(slug, n).splitlines():
        lines.append(line)
        if line.startswith("    rationale: Right "):
            number = int(line.split()[2])
            if number in enemies:
                lines.append(f'    tags: ["enemy:{enemies[number]}", "cognitive:recall"]')
    return "\n".join(lines) + "\n"


@pytest.fixture
def paired_banks(app, make_user):
    """Shipped banks alpha and beta (12 questions each): alpha q1-q6 pair with beta q1-q6;
    an instructor's bank gamma reuses the slug g1, which is another scope."""
    teacher = make_user(role="instructor")
    with app.app_context():
        sync_bank(parse_bank(tagged_bank("alpha", 12, {n: f"g{n}" for n in range(1, 7)})), now=NOW)
        sync_bank(parse_bank(tagged_bank("beta", 12, {n: f"g{n}" for n in range(1, 7)})), now=NOW)
        sync_bank(parse_bank(tagged_bank("gamma", 4, {1: "g1"})), now=NOW, owner_id=teacher.id)
        sync_blueprint(
            parse_blueprint(
                "format: 1\nblueprint: {id: both, title: Both, time_limit_minutes: 30,"
                " passing_percent: 70, adaptive: true, sections: [{bank: alpha, questions: 8},"
                " {bank: beta, questions: 8}]}\n"
            )
        )
        db.session.commit()
    return teacher


def ids_by_name(bank_slug: str) -> dict[str, int]:
    return dict(
        db.session.execute(
            sa.select(Question.external_id, Question.id)
            .join(Bank, Bank.id == Question.bank_id)
            .where(Bank.slug == bank_slug)
        ).all()
    )


def test_groups_are_scoped_by_owner_and_span_banks(app, paired_banks):
    with app.app_context():
        alpha, beta, gamma = ids_by_name("alpha"), ids_by_name("beta"), ids_by_name("gamma")
        groups = enemy_groups([*alpha.values(), *beta.values(), *gamma.values()])
        assert groups[alpha["q1"]] == groups[beta["q1"]] == {"shipped:g1"}
        assert groups[gamma["q1"]] == {f"{paired_banks.id}:g1"}
        assert alpha["q7"] not in groups and len(groups) == 13


def drawn_groups(attempt_id: int) -> Counter:
    ids = db.session.scalars(
        sa.select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt_id)
    ).all()
    groups = enemy_groups(ids)
    return Counter(group for q in ids for group in groups.get(q, ()))


def test_no_blueprint_attempt_holds_two_of_a_group(app, paired_banks, make_user):
    student = make_user()
    with app.app_context():
        user = db.session.get(User, student.id)
        blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "both"))
        for seed in range(40):
            attempt = exam_services.start_blueprint_attempt(
                user, blueprint, mode=Mode.EXAM, accommodation=STANDARD, now=NOW, seed=seed
            )
            assert attempt.question_count == 16
            assert max(drawn_groups(attempt.id).values()) == 1


def test_custom_tests_honour_the_groups_and_say_when_they_cannot(app, paired_banks, make_user):
    student = make_user()
    with app.app_context():
        user = db.session.get(User, student.id)
        banks = db.session.scalars(sa.select(Bank.id).where(Bank.slug.in_(["alpha", "beta"])))
        selections = tuple((bank_id, None) for bank_id in banks)
        for seed in range(20):  # 24 questions in 6 pairs: 18 may share a test
            test = exam_services.CustomTest(selections, 18, Mode.TUTOR)
            attempt = exam_services.start_custom_attempt(user, test, now=NOW, seed=seed)
            assert attempt.question_count == 18
            assert max(drawn_groups(attempt.id).values()) == 1
        with pytest.raises(exam_services.CannotStartError, match="Only 18 questions match"):
            exam_services.start_custom_attempt(
                user, exam_services.CustomTest(selections, 19, Mode.TUTOR), now=NOW, seed=1
            )


def test_the_adaptive_pool_knows_every_items_enemies(app, paired_banks):
    with app.app_context():
        blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "both"))
        pool = readiness_services.blueprint_pool(
            blueprint, readiness_services.current_calibration()
        )
        alpha, beta = ids_by_name("alpha"), ids_by_name("beta")
        index = {q: i for i, q in enumerate(pool.cat_questions)}
        for n in range(1, 7):
            a, b = index[alpha[f"q{n}"]], index[beta[f"q{n}"]]
            assert pool.cat_pool.enemies[a] == (b,) and pool.cat_pool.enemies[b] == (a,)
        assert index[alpha["q7"]] not in pool.cat_pool.enemies


def test_an_instructor_blueprint_the_groups_make_impossible_is_refused(app, paired_banks):
    with app.app_context():
        teacher = db.session.get(User, paired_banks.id)
        section = BlueprintSection("alpha", None, 12)
        with pytest.raises(NotEnoughQuestionsError, match="enemy groups"):
            bank_services.create_blueprint(
                teacher,
                title="Too tight",
                description="",
                time_limit_minutes=10,
                passing_percent=70,
                sections=[section, BlueprintSection("beta", None, 7)],
            )


def test_a_missed_questions_retake_keeps_one_question_per_group(app, paired_banks, make_user):
    """An attempt made before a group existed may hold both members (none of them answered
    here); its retake does not."""
    student = make_user()
    with app.app_context():
        user = db.session.get(User, student.id)
        alpha, beta = ids_by_name("alpha"), ids_by_name("beta")
        both = [alpha["q1"], beta["q1"], alpha["q7"]]
        old = exam_services._create_attempt(
            user,
            accommodation=STANDARD,
            title="Before the groups",
            question_ids=both,
            mode=Mode.TUTOR,
            minutes=None,
            passing_percent=70,
            settings={"kind": "custom", "seed": 1},
            now=NOW,
            rng=Random(1),
        )
        retake = exam_services.start_missed_attempt(user, old, mode=Mode.TUTOR, now=NOW)
        held = set(
            db.session.scalars(
                sa.select(AttemptQuestion.question_id).where(
                    AttemptQuestion.attempt_id == retake.id
                )
            )
        )
        assert alpha["q7"] in held and len(held & {alpha["q1"], beta["q1"]}) == 1
        assert len(held) == 2


def test_review_sessions_and_leech_drills_keep_one_question_per_group(app, paired_banks, make_user):
    """Both members of a group due (or leeches) at once: the session holds the first due."""
    student = make_user()
    with app.app_context():
        alpha, beta = ids_by_name("alpha"), ids_by_name("beta")
        pair = [alpha["q1"], beta["q1"]]
        for day in range(4):  # four misses each: both due again, and both leeches
            answer(student.id, pair, right=False, now=NOW + timedelta(days=day))
        user = db.session.get(User, student.id)
        later = NOW + timedelta(days=5)
        review = review_services.start_review_session(user, now=later, zone=UTC)
        drill = review_services.start_leech_drill(user, min_misses=4, now=later)
        db.session.commit()
        for attempt in (review, drill):
            held = set(
                db.session.scalars(
                    sa.select(AttemptQuestion.question_id).where(
                        AttemptQuestion.attempt_id == attempt.id
                    )
                )
            )
            assert len(held & set(pair)) == 1, attempt.title
        assert max(drawn_groups(review.id).values()) == 1
