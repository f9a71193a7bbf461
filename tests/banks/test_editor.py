"""The form editor: every type goes form -> version -> form unchanged, through the same loader
as a bank file; rows are added and removed without script; the preview shows no save."""

import re

import pytest
import sqlalchemy as sa

from quizapp.banks import editor, manage
from quizapp.banks.models import Bank, Question, QuestionVersion
from quizapp.extensions import db

#: One question of each type, as the editor's values, with formatting and every optional part.
FORMS = {
    "single_best": {
        "stem": "Which ion is K<sup>+</sup>?",
        "options": [
            {"text": "Sodium", "correct": False},
            {"text": "<b>Potassium</b>", "correct": True},
            {"text": "Calcium", "correct": False},
        ],
        "key": "1",
        "shuffle": False,
    },
    "multiple_response": {
        "stem": "Which are vital signs?",
        "options": [
            {"text": "Pulse", "correct": True},
            {"text": "Height", "correct": False},
            {"text": "Respirations", "correct": True},
        ],
        "shuffle": True,
    },
    "true_false": {"stem": "H<sub>2</sub>O is water.", "truth": "true"},
    "fill_in_blank": {
        "stem": "Normal adult pulse, upper limit?",
        "accepted": ["100"],
        "tolerance": "5",
    },
    "matching": {
        "stem": "Match the prefix to its meaning.",
        "pairs": [{"prompt": "brady-", "match": "slow"}, {"prompt": "tachy-", "match": "fast"}],
        "extra_matches": ["painful"],
    },
    "ordering": {
        "stem": "Put the steps of hand hygiene in order.",
        "items": [
            {"text": "Wet hands", "position": 1},
            {"text": "Apply soap", "position": 2},
            {"text": "Rinse", "position": 3},
        ],
    },
}
COMMON = {
    "topic": "b",
    "difficulty": "hard",
    "rationale": "Because <i>this</i> is so.",
    "source": "CMA content outline",
    "tags": "vitals, units",
}


def post_data(values: dict, action: str = "save") -> dict:
    """The editor's values as the browser posts them (WTForms field names)."""
    data = {"action": action}
    for name, value in values.items():
        if isinstance(value, list):
            for i, row in enumerate(value):
                if isinstance(row, dict):
                    for sub, sub_value in row.items():
                        if sub_value is True:
                            data[f"{name}-{i}-{sub}"] = "y"
                        elif sub_value not in (False, None):
                            data[f"{name}-{i}-{sub}"] = str(sub_value)
                else:
                    data[f"{name}-{i}"] = row
        elif value is True:
            data[name] = "y"
        elif value not in (False, None):
            data[name] = str(value)
    return data


@pytest.mark.parametrize("question_type", sorted(FORMS))
def test_service_round_trip_for_every_type(app, owned_bank, question_type):
    values = {**COMMON, **FORMS[question_type]}
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank).where(Bank.slug == owned_bank))
        fields = editor.fields_from_form(question_type, values)
        question = manage.create_question(bank, fields)
        db.session.commit()
        version = question.current_version
        assert version.type == question_type and version.number == 1
        shown = editor.form_from_version(**manage.version_fields(version))
        expected = dict(values)
        if question_type == "multiple_response":
            expected["shuffle"] = True
        assert {k: shown.get(k) for k in expected} == expected
        # Saving the form unchanged makes no new version; a change makes version 2.
        assert (
            manage.save_question(bank, question, editor.fields_from_form(question_type, shown))
            is False
        )
        shown["stem"] += " (edited)"
        assert manage.save_question(bank, question, editor.fields_from_form(question_type, shown))
        db.session.commit()
        assert question.current_version.number == 2


@pytest.mark.parametrize("question_type", sorted(FORMS))
def test_browser_form_round_trip_for_every_type(app, client, owned_bank, question_type):
    values = {**COMMON, **FORMS[question_type]}
    response = client.post(
        f"/banks/{owned_bank}/questions/new/{question_type}", data=post_data(values)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    edit_url = response.headers["Location"]
    page = client.get(edit_url).get_data(as_text=True)
    with app.app_context():
        version = db.session.scalar(
            sa.select(QuestionVersion)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(QuestionVersion.type == question_type)
            .order_by(QuestionVersion.id.desc())
            .limit(1)
        )
        assert version.rationale == "Because <i>this</i> is so."
        assert version.tags == ["vitals", "units"]
    # The page shows the saved values in the form fields again.
    assert 'value="CMA content outline"' in page
    if question_type == "single_best":
        assert re.search(r'value="1" id="key-1"\s+checked', page)
        assert 'value="&lt;b&gt;Potassium&lt;/b&gt;"' in page
    # Posting the page's values again changes nothing.
    again = client.post(edit_url, data=post_data({**values, "base_version": version.id}))
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(QuestionVersion, version.id).question.current_version_id == version.id


def test_rows_are_added_and_removed_without_script(client, owned_bank):
    values = {**COMMON, **FORMS["single_best"]}
    url = f"/banks/{owned_bank}/questions/new/single_best"
    added = client.post(url, data=post_data(values, "add-options")).get_data(as_text=True)
    assert 'name="options-3-text"' in added
    assert re.search(r'<input autofocus[^>]*id="options-3-text"', added)  # the new row
    removed = client.post(url, data=post_data(values, "remove-options-0")).get_data(as_text=True)
    assert re.search(r'id="add-options"[^>]*autofocus', removed)
    assert "Sodium" not in removed and 'name="options-2-text"' not in removed
    # The key followed its option: Potassium is now the first option, still chosen.
    assert re.search(r'value="0" id="key-0"\s+checked', removed)


def test_preview_shows_the_question_as_a_student_sees_it_and_saves_nothing(app, client, owned_bank):
    values = {**COMMON, **FORMS["single_best"]}
    response = client.post(
        f"/banks/{owned_bank}/questions/new/single_best", data=post_data(values, "preview")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "as a student sees it" in page
    assert "K<sup>+</sup>" in page and "<b>Potassium</b>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 2


def test_problems_are_shown_and_nothing_is_lost(app, client, owned_bank):
    values = {**COMMON, **FORMS["single_best"], "key": ""}
    response = client.post(f"/banks/{owned_bank}/questions/new/single_best", data=post_data(values))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "choose the correct option" in page
    assert 'value="Calcium"' in page
    values = {**COMMON, **FORMS["matching"], "topic": "nope"}
    response = client.post(f"/banks/{owned_bank}/questions/new/matching", data=post_data(values))
    assert response.status_code == 400


def test_script_never_survives_the_editor(app, client, owned_bank):
    values = {
        **COMMON,
        **FORMS["single_best"],
        "stem": 'Pick <b>one</b><script>window.__xss=1</script><i onclick="alert(1)">!</i>',
    }
    response = client.post(f"/banks/{owned_bank}/questions/new/single_best", data=post_data(values))
    assert response.status_code == 302
    with app.app_context():
        stem = db.session.scalar(
            sa.select(QuestionVersion.stem).where(QuestionVersion.stem.like("Pick%"))
        )
    assert stem == "Pick <b>one</b><i>!</i>"
    follow = client.get(response.headers["Location"])
    assert "formatting that is not allowed was removed" in follow.get_data(as_text=True)
