"""Today's review, the review session, the exam-date plan, settings and leeches.

Days are UTC days. Every function here runs a fixed number of queries whatever the number of
cards: counts are counted by the database, lists are limited.
"""

import math
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks import services as bank_services
from quizapp.banks.drawing import compatible
from quizapp.banks.models import Bank, Question, QuestionVersion, Topic
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, Status
from quizapp.extensions import db
from quizapp.history.models import StudentTopicMastery
from quizapp.review.models import DEFAULT_DAILY_GOAL, ReviewCard, ReviewSettings, WordPart
from quizapp.scoring import spaced
from quizapp.utils import dialect_insert

#: Due questions listed on the review page (the session holds up to the daily goal).
DUE_PREVIEW = 10
#: Weakest topics new questions are drawn from, weakest first.
WEAK_TOPICS_FOR_NEW = 5
#: Topics named as furthest behind in the exam-date plan.
TOPICS_BEHIND = 3
LEECHES_LISTED = 50
CLASS_LEECHES_LISTED = 20
PART_TAG = "part:"


def end_of_day(now: datetime, zone: tzinfo) -> datetime:
    """The next midnight in `zone` (the site's time zone), in UTC: a card due before it is due
    today, so an evening's review in Chicago does not pull in tomorrow's cards."""
    today = now.astimezone(zone).date()
    return datetime.combine(today + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)


def gone_questions():
    """A select of the ids of the questions that left review: retired, or in an archived bank.

    Both halves use an index (questions.retired_at, questions.bank_id), so the set is built
    from the few questions gone, not by scanning the bank.
    """
    archived = sa.select(Bank.id).where(Bank.archived_at.is_not(None))
    return sa.union(
        sa.select(Question.id).where(Question.retired_at.is_not(None)),
        sa.select(Question.id).where(Question.bank_id.in_(archived)),
    )


def _live_cards(user_id: int, *conditions):
    return (
        ReviewCard.user_id == user_id,
        *conditions,
        ReviewCard.question_id.not_in(gone_questions()),
    )


# --- settings -------------------------------------------------------------------------------


def settings_of(user_id: int) -> ReviewSettings:
    """The student's review settings (defaults, unsaved, until they first save them)."""
    found = db.session.get(ReviewSettings, user_id)
    return found or ReviewSettings(
        user_id=user_id,
        daily_goal=DEFAULT_DAILY_GOAL,
        desired_retention=spaced.DEFAULT_RETENTION,
        exam_date=None,
        show_plan=True,
    )


def save_settings(
    user: User,
    *,
    daily_goal: int,
    desired_retention: float,
    exam_date: date | None,
    show_plan: bool,
) -> None:
    """Store the student's choices in one upsert (fitted parameters are kept)."""
    values = {
        "daily_goal": daily_goal,
        "desired_retention": desired_retention,
        "exam_date": exam_date,
        "show_plan": show_plan,
    }
    insert = dialect_insert(ReviewSettings).values(user_id=user.id, **values)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id"], set_={name: insert.excluded[name] for name in values}
        )
    )
    db.session.expire_all()


# --- today's review -------------------------------------------------------------------------


@dataclass
class DueQuestion:
    question_id: int
    due: datetime
    stem: str
    topic_title: str


@dataclass
class ReviewDay:
    """What today's review holds for one student."""

    due_today: int
    due_this_week: int
    daily_goal: int
    #: The oldest-due questions, up to DUE_PREVIEW.
    first_due: list[DueQuestion] = field(default_factory=list)

    @property
    def new_today(self) -> int:
        """New questions a session adds today: the goal's room left by the due ones."""
        return max(0, self.daily_goal - self.due_today)

    @property
    def session_size(self) -> int:
        return min(self.daily_goal, self.due_today) + self.new_today


def due_counts(user_id: int, *, now: datetime, zone: tzinfo) -> tuple[int, int]:
    """(due today, due within seven days) in one query over the (user, due) index."""
    today = end_of_day(now, zone)
    today_count, week_count = db.session.execute(
        sa.select(
            sa.func.count().filter(ReviewCard.due < today),
            sa.func.count(),
        ).where(*_live_cards(user_id, ReviewCard.due < today + timedelta(days=6)))
    ).one()
    return today_count, week_count


def review_day(user_id: int, *, now: datetime, zone: tzinfo, goal: int | None = None) -> ReviewDay:
    """Today's review: the counts and the first due questions."""
    goal = goal or settings_of(user_id).daily_goal
    today, week = due_counts(user_id, now=now, zone=zone)
    rows = db.session.execute(
        sa.select(ReviewCard.question_id, ReviewCard.due, QuestionVersion.stem, Topic.title)
        .join(Question, Question.id == ReviewCard.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Topic, Topic.id == QuestionVersion.topic_id)
        .where(*_live_cards(user_id, ReviewCard.due < end_of_day(now, zone)))
        .order_by(ReviewCard.due, ReviewCard.question_id)
        .limit(DUE_PREVIEW)
    ).all()
    return ReviewDay(today, week, goal, [DueQuestion(*row) for row in rows])


def due_question_ids(user_id: int, *, now: datetime, zone: tzinfo, limit: int) -> list[int]:
    """The questions due today, oldest due first, at most `limit`."""
    return list(
        db.session.scalars(
            sa.select(ReviewCard.question_id)
            .where(*_live_cards(user_id, ReviewCard.due < end_of_day(now, zone)))
            .order_by(ReviewCard.due, ReviewCard.question_id)
            .limit(limit)
        )
    )


def weakest_topic_ids(user_id: int, *, limit: int = WEAK_TOPICS_FOR_NEW) -> list[int]:
    """The student's topics by share of points, lowest first."""
    share = StudentTopicMastery.points / sa.func.nullif(StudentTopicMastery.answered, 0)
    return list(
        db.session.scalars(
            sa.select(StudentTopicMastery.topic_id)
            .where(StudentTopicMastery.user_id == user_id, StudentTopicMastery.answered > 0)
            .order_by(share, StudentTopicMastery.topic_id)
            .limit(limit)
        )
    )


def _unmet_questions(user: User):
    """A select of the active questions of banks the user may practice that have no card."""
    visible = bank_services.visible_banks_query(user).with_only_columns(Bank.id).order_by(None)
    return (
        sa.select(Question.id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(
            Question.retired_at.is_(None),
            Question.bank_id.in_(visible),
            ~sa.exists().where(
                ReviewCard.user_id == user.id, ReviewCard.question_id == Question.id
            ),
        )
    )


def new_question_ids(user: User, *, limit: int) -> list[int]:
    """Questions the student has not met, from their weakest topics first, at most `limit`."""
    if limit <= 0:
        return []
    weakest = weakest_topic_ids(user.id)
    rank = sa.case(
        {topic_id: n for n, topic_id in enumerate(weakest)},
        value=QuestionVersion.topic_id,
        else_=len(weakest),
    )
    return list(
        db.session.scalars(
            _unmet_questions(user).order_by(rank, Question.id).limit(limit)
            if weakest
            else _unmet_questions(user).order_by(Question.id).limit(limit)
        )
    )


def open_session(user_id: int, kind: str) -> Attempt | None:
    """The student's unfinished review session ("review") or leech drill ("leeches"): starting
    again continues it rather than making a second copy of the same questions."""
    unfinished = db.session.scalars(
        sa.select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.status == Status.IN_PROGRESS.value,
            Attempt.blueprint_id.is_(None),
        )
        .order_by(Attempt.id.desc())
    )
    return next((a for a in unfinished if (a.settings or {}).get("kind") == kind), None)


def start_review_session(user: User, *, now: datetime, zone: tzinfo) -> Attempt:
    """A tutor-mode attempt with today's due questions (oldest due first) topped up with new
    ones from the weakest topics, up to the daily goal; or the session the student has open.

    :raises exam_services.CannotStartError: when nothing is due and nothing is new.
    """
    if (unfinished := open_session(user.id, "review")) is not None:
        return unfinished
    goal = settings_of(user.id).daily_goal
    due = due_question_ids(user.id, now=now, zone=zone, limit=goal)
    # New questions are fetched up to the whole goal: enemy groups may leave some out.
    candidates = due + new_question_ids(user, limit=goal)
    kept = compatible(candidates, bank_services.enemy_groups(candidates))
    due_kept = set(due)
    due = [question_id for question_id in kept if question_id in due_kept]
    fresh = [question_id for question_id in kept if question_id not in due_kept][: goal - len(due)]
    if not due and not fresh:
        raise exam_services.CannotStartError(
            "Nothing is due today and there is no question you have not met: well done."
        )
    seed = secrets.randbits(48)
    return exam_services.start_chosen_attempt(
        user,
        title=f"Today's review ({len(due)} due, {len(fresh)} new)",
        question_ids=due + fresh,
        settings={"kind": "review", "due": len(due), "new": len(fresh), "seed": seed},
        now=now,
        seed=seed,
    )


# --- the exam-date plan ---------------------------------------------------------------------


@dataclass
class TopicBehind:
    title: str
    met: int
    total: int

    @property
    def percent_met(self) -> float:
        return 100 * self.met / self.total if self.total else 100.0


@dataclass
class ExamPlan:
    exam_date: date
    days_left: int
    unmet: int
    daily_goal: int
    behind: list[TopicBehind]

    @property
    def days_needed(self) -> int:
        """Days of new questions at the daily goal to meet every question once."""
        return math.ceil(self.unmet / self.daily_goal)

    @property
    def on_track(self) -> bool:
        return self.days_needed <= self.days_left


def exam_plan(user: User, settings: ReviewSettings, *, today: date) -> ExamPlan | None:
    """The plan towards the student's exam date; None without a date, when switched off, or
    once the date has passed."""
    if settings.exam_date is None or not settings.show_plan or settings.exam_date < today:
        return None
    met = sa.exists().where(ReviewCard.user_id == user.id, ReviewCard.question_id == Question.id)
    visible = bank_services.visible_banks_query(user).with_only_columns(Bank.id).order_by(None)
    rows = db.session.execute(
        sa.select(
            Topic.title,
            sa.func.count(Question.id),
            sa.func.count(Question.id).filter(met),
        )
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Topic, Topic.id == QuestionVersion.topic_id)
        .where(Question.retired_at.is_(None), Question.bank_id.in_(visible))
        .group_by(Topic.id, Topic.title)
    ).all()
    topics = [TopicBehind(title, met_count, total) for title, total, met_count in rows]
    behind = sorted((t for t in topics if t.met < t.total), key=lambda t: (t.percent_met, t.title))
    return ExamPlan(
        exam_date=settings.exam_date,
        days_left=(settings.exam_date - today).days,
        unmet=sum(t.total - t.met for t in topics),
        daily_goal=settings.daily_goal,
        behind=behind[:TOPICS_BEHIND],
    )


# --- leeches --------------------------------------------------------------------------------


@dataclass
class Leech:
    question_id: int
    misses: int
    version: QuestionVersion
    topic_title: str
    word_parts: list[WordPart] = field(default_factory=list)

    @property
    def facts(self) -> list[str]:
        """The question's other tags: what it tests besides word parts."""
        return [tag for tag in self.version.tags if not tag.startswith(PART_TAG)]


def leeches(user_id: int, *, min_misses: int) -> list[Leech]:
    """The student's questions missed `min_misses` times or more, most missed first, with the
    word parts they test (two queries)."""
    rows = db.session.execute(
        sa.select(ReviewCard.question_id, ReviewCard.misses, QuestionVersion, Topic.title)
        .join(Question, Question.id == ReviewCard.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Topic, Topic.id == QuestionVersion.topic_id)
        .where(*_live_cards(user_id, ReviewCard.misses >= min_misses))
        .order_by(ReviewCard.misses.desc(), ReviewCard.question_id)
        .limit(LEECHES_LISTED)
    ).all()
    found = [Leech(*row) for row in rows]
    parts = {part for leech in found for part in tagged_parts(leech.version.tags)}
    if parts:
        by_part = {
            part.part: part
            for part in db.session.scalars(sa.select(WordPart).where(WordPart.part.in_(parts)))
        }
        for leech in found:
            leech.word_parts = [
                by_part[part] for part in tagged_parts(leech.version.tags) if part in by_part
            ]
    return found


def tagged_parts(tags: list[str]) -> list[str]:
    """The word parts a question's tags name (`part:brady-` -> "brady-")."""
    return [tag.removeprefix(PART_TAG) for tag in tags if tag.startswith(PART_TAG)]


def start_leech_drill(user: User, *, min_misses: int, now: datetime) -> Attempt:
    """A tutor-mode attempt on the student's leeches, or the drill they have open.

    :raises exam_services.CannotStartError: when there is no leech.
    """
    if (unfinished := open_session(user.id, "leeches")) is not None:
        return unfinished
    question_ids = list(
        db.session.scalars(
            sa.select(ReviewCard.question_id)
            .where(*_live_cards(user.id, ReviewCard.misses >= min_misses))
            .order_by(ReviewCard.misses.desc(), ReviewCard.question_id)
            .limit(exam_services.MAX_CUSTOM_QUESTIONS)
        )
    )
    question_ids = compatible(question_ids, bank_services.enemy_groups(question_ids))
    if not question_ids:
        raise exam_services.CannotStartError("You have no leech to drill.")
    seed = secrets.randbits(48)
    return exam_services.start_chosen_attempt(
        user,
        title=f"Leech drill ({len(question_ids)} questions)",
        question_ids=question_ids,
        settings={"kind": "leeches", "seed": seed},
        now=now,
        seed=seed,
    )


@dataclass
class ClassLeech:
    version: QuestionVersion
    bank_title: str
    students: int
    misses: int


def class_leeches(student_ids, *, min_misses: int) -> list[ClassLeech]:
    """The questions most students of a class keep missing: by students for whom it is a
    leech, then total misses. One query."""
    students = sa.func.count(ReviewCard.user_id).label("students")
    misses = sa.func.sum(ReviewCard.misses).label("misses")
    ranked = (
        sa.select(ReviewCard.question_id, students, misses)
        .where(
            ReviewCard.user_id.in_(student_ids),
            ReviewCard.misses >= min_misses,
            ReviewCard.question_id.not_in(gone_questions()),
        )
        .group_by(ReviewCard.question_id)
        .order_by(students.desc(), misses.desc(), ReviewCard.question_id)
        .limit(CLASS_LEECHES_LISTED)
        .subquery()
    )
    found = db.session.execute(
        sa.select(QuestionVersion, Bank.title, ranked.c.students, ranked.c.misses)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .join(ranked, ranked.c.question_id == Question.id)
        .join(Bank, Bank.id == Question.bank_id)
        .order_by(ranked.c.students.desc(), ranked.c.misses.desc(), Question.id)
    ).all()
    return [ClassLeech(*row) for row in found]
