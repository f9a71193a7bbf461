"""Syncing banks into the database: idempotence, versions, retirement and counts."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from quizapp.banks import services
from quizapp.banks.drawing import NotEnoughQuestionsError, draw_questions
from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.models import Bank, ImmutableVersionError, Question, QuestionVersion, Topic
from quizapp.extensions import db
from tests.conftest import bank_yaml, blueprint_yaml

pytestmark = pytest.mark.usefixtures("app_ctx")

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _sync(text):
    report = services.sync_bank(parse_bank(text, "demo.yaml"), now=NOW)
    db.session.commit()
    return report


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_first_sync_creates_everything():
    report = _sync(bank_yaml(n_questions=4))
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert _count(Question) == 4 and _count(QuestionVersion) == 4
    topics = {t.slug: t for t in db.session.scalars(sa.select(Topic))}
    assert topics["a1"].parent_id == topics["a"].id


def test_second_sync_changes_nothing(count_queries):
    _sync(bank_yaml(n_questions=4))
    with count_queries() as statements:
        report = _sync(bank_yaml(n_questions=4))
    writes = [s for s in statements if s.split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert not report.changed and report.unchanged == 4
    assert writes == []
    assert _count(QuestionVersion) == 4


def test_edit_creates_a_new_version_and_keeps_the_old_one():
    _sync(bank_yaml(n_questions=3))
    question = db.session.scalar(sa.select(Question).where(Question.external_id == "q1"))
    old_version = question.current_version
    report = _sync(
        bank_yaml(n_questions=3).replace("Demo question number 1?", "Edited question 1?")
    )
    assert (report.updated, report.unchanged) == (1, 2)
    db.session.refresh(question)
    assert question.current_version.number == 2
    assert question.current_version.stem == "Edited question 1?"
    db.session.refresh(old_version)
    assert old_version.stem == "Demo question number 1?"
    assert old_version.number == 1


def test_versions_are_immutable():
    _sync(bank_yaml(n_questions=1))
    version = db.session.scalar(sa.select(QuestionVersion))
    version.stem = "changed in place"
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()


def test_removed_questions_are_retired_and_come_back():
    _sync(bank_yaml(n_questions=3))
    report = _sync(bank_yaml(n_questions=2))
    assert report.retired == 1
    retired = db.session.scalar(sa.select(Question).where(Question.external_id == "q3"))
    assert retired.retired_at is not None
    assert _count(Question) == 3  # never deleted
    report = _sync(bank_yaml(n_questions=3))
    assert (report.restored, report.created) == (1, 0)
    db.session.refresh(retired)
    assert retired.retired_at is None


def test_moving_a_question_to_another_topic_is_a_new_version():
    _sync(bank_yaml(n_questions=2, topic_split=2))
    report = _sync(bank_yaml(n_questions=2, topic_split=1))
    assert report.updated == 1


def _write(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_directory_sync_skips_a_broken_file_whole(tmp_path):
    _write(tmp_path, "good.yaml", bank_yaml("good", 3))
    broken = bank_yaml("broken", 3).replace("key: right 3", "key: nowhere")
    _write(tmp_path, "broken.yaml", broken)
    _write(tmp_path, "blueprints/test.yaml", blueprint_yaml("test", "good", 2))
    result = services.sync_directory(tmp_path, now=NOW)
    db.session.commit()
    assert [r.bank for r in result.reports] == ["good"]
    assert any("key 'nowhere' is not among the options" in str(p) for p in result.problems)
    assert db.session.scalar(sa.select(Bank.slug).where(Bank.slug == "broken")) is None
    assert _count(Question) == 3
    assert result.blueprints == ["test"]


def test_directory_sync_reports_blueprints_naming_unknown_banks(tmp_path):
    _write(tmp_path, "blueprints/test.yaml", blueprint_yaml("test", "nowhere", 2))
    result = services.sync_directory(tmp_path, now=NOW)
    assert "unknown bank 'nowhere'" in str(result.problems[0])


def test_summaries_count_topic_subtrees_types_and_difficulties():
    _sync(bank_yaml(n_questions=5, topic_split=3))
    bank = db.session.scalar(sa.select(Bank))
    summary = services.bank_summaries([bank])[bank.id]
    topics = {t.slug: t.id for t in bank.topics}
    assert summary.total == 5
    assert summary.by_topic[topics["a1"]] == 3
    assert summary.by_topic[topics["a"]] == 3  # includes its child
    assert summary.by_topic[topics["b"]] == 2
    assert summary.by_type == {"single_best": 5}
    assert summary.by_difficulty == {"easy": 5}


def test_blueprint_pools_follow_topics_and_skip_retired():
    _sync(bank_yaml(n_questions=6, topic_split=4))
    _sync(bank_yaml(n_questions=5, topic_split=4))  # q5 (topic b) remains, q6 retired
    two_sections = blueprint_yaml("t", "demo", 2).replace(
        "sections: [{bank: demo, questions: 2}]",
        "sections: [{bank: demo, topic: a, questions: 4}, {bank: demo, topic: b, questions: 1}]",
    )
    blueprint = services.sync_blueprint(parse_blueprint(two_sections))
    pools = services.section_pools(blueprint)
    externals = dict(db.session.execute(sa.select(Question.id, Question.external_id)).all())
    assert sorted(externals[q] for q in pools[0]) == ["q1", "q2", "q3", "q4"]
    assert [externals[q] for q in pools[1]] == ["q5"]
    drawn = draw_questions(services.blueprint_sections(blueprint), pools, seed=3)
    assert len(drawn) == 5
    with pytest.raises(NotEnoughQuestionsError):
        draw_questions(services.blueprint_sections(blueprint), [pools[0], []], seed=3)


def test_a_bank_owned_by_someone_else_cannot_be_overwritten(make_user):
    owner = make_user("instructor")
    services.sync_bank(parse_bank(bank_yaml("mine", 1)), now=NOW, owner_id=owner.id)
    with pytest.raises(services.BankOwnershipError):
        services.sync_bank(parse_bank(bank_yaml("mine", 1)), now=NOW)
