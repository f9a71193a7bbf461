"""The exam screen's tools and teaching feedback: struck options saved with the answer, the
options marked once graded, how other students chose, and the results page's listing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from config import TestingConfig
from quizapp.exams.feedback import MIN_ANSWERS_FOR_SHARES
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.item_stats.models import VersionStats
from tests.exams.conftest import correct_form, slot_of_type, wrong_form

pytestmark = pytest.mark.usefixtures("mixed")


def _struck_and_response(app, slot_id):
    with app.app_context():
        return tuple(
            db.session.execute(
                sa.select(
                    AttemptQuestion.struck, AttemptQuestion.response, AttemptQuestion.graded_at
                ).where(AttemptQuestion.id == slot_id)
            ).one()
        )


def _tokens(slot):
    """The option tokens in display order, and the content index each stands for."""
    return list(zip(slot.layout["tokens"], slot.layout["order"], strict=True))


def _post(client, attempt_id, slot, form, revision, **fields):
    """Post the answer form: `form` (a MultiDict of answer values) plus `fields`."""
    data = MultiDict(form)
    data["revision"] = str(revision)
    data.update(fields)
    return client.post(f"/attempts/{attempt_id}/{slot.position}", data=data)


# --- strike out ------------------------------------------------------------------------------


def test_a_struck_option_is_saved_with_the_answer_and_survives_a_reload(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "single_best")
    (token, index), *_ = [(t, i) for t, i in _tokens(slot) if i != slot.version.content["key"]]
    answer = correct_form(slot)

    response = _post(client, attempt_id, slot, answer, 0, action=f"strike-{token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/{slot.position}#answer-options")
    struck, saved_response, _ = _struck_and_response(app, slot.id)
    assert struck == [index] and saved_response == slot.version.content["key"]

    page = client.get(f"/attempts/{attempt_id}/{slot.position}").get_data(as_text=True)
    assert f'<input type="hidden" name="struck" value="{token}">' in page
    assert f'value="strike-{token}" aria-pressed="true"' in page
    assert page.count('aria-pressed="true"') == 1
    assert "(struck out)" in page

    # The same button restores it; the struck list the page carries is kept otherwise.
    _post(client, attempt_id, slot, answer, 1, struck=token, action=f"strike-{token}")
    assert _struck_and_response(app, slot.id)[0] is None
    _post(client, attempt_id, slot, answer, 2, struck=token, action="next")
    assert _struck_and_response(app, slot.id)[0] == [index]


def test_autosave_saves_struck_options(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "multiple_response")
    tokens = _tokens(slot)
    data = MultiDict([("revision", "0"), ("struck", tokens[0][0]), ("struck", tokens[2][0])])
    response = client.post(f"/attempts/{attempt_id}/{slot.position}/autosave", data=data)
    assert response.get_json()["saved"] is True
    assert _struck_and_response(app, slot.id)[0] == sorted([tokens[0][1], tokens[2][1]])


def test_a_strike_in_tutor_mode_keeps_the_answer_ungraded(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    slot = slot_of_type(app, attempt_id, "single_best")
    token = _tokens(slot)[0][0]
    _post(client, attempt_id, slot, wrong_form(slot), 0, action=f"strike-{token}")
    struck, saved_response, graded_at = _struck_and_response(app, slot.id)
    assert struck and saved_response is not None and graded_at is None
    # Autosave never grades either; "Check answer" does.
    client.post(
        f"/attempts/{attempt_id}/{slot.position}/autosave",
        data={**wrong_form(slot), "revision": "1"},
    )
    assert _struck_and_response(app, slot.id)[2] is None
    _post(client, attempt_id, slot, wrong_form(slot), 2, action="check")
    assert _struck_and_response(app, slot.id)[2] is not None


def test_a_struck_token_that_is_not_an_option_is_a_400(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "single_best")
    other = slot_of_type(app, attempt_id, "multiple_response")
    foreign = other.layout["tokens"][0]
    response = _post(client, attempt_id, slot, {}, 0, action=f"strike-{foreign}")
    assert response.status_code == 400
    response = client.post(
        f"/attempts/{attempt_id}/{slot.position}/autosave",
        data={"revision": "0", "struck": foreign},
    )
    assert response.status_code == 400
    assert _struck_and_response(app, slot.id) == (None, None, None)


def test_strikes_are_refused_on_another_students_or_a_finished_attempt(
    client, app, auth, make_user, student, start_attempt
):
    victim = make_user()
    victim_attempt = start_attempt(victim, "mixed-test")
    slot = slot_of_type(app, victim_attempt, "single_best")
    token = _tokens(slot)[0][0]
    assert _post(client, victim_attempt, slot, {}, 0, action=f"strike-{token}").status_code == 404
    assert _struck_and_response(app, slot.id)[0] is None

    mine = start_attempt(student, "mixed-test", seed=3)
    slot = slot_of_type(app, mine, "single_best")
    token = _tokens(slot)[0][0]
    client.post(f"/attempts/{mine}/submit")
    response = _post(client, mine, slot, {}, 0, action=f"strike-{token}")
    assert response.headers["Location"] == f"/attempts/{mine}/results"
    response = client.post(
        f"/attempts/{mine}/{slot.position}/autosave", data={"revision": "0", "struck": token}
    )
    assert response.status_code == 409
    assert _struck_and_response(app, slot.id)[0] is None


class CsrfConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.mark.parametrize("config_class", [CsrfConfig])
def test_a_strike_without_the_csrf_token_is_refused(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "single_best")
    token = _tokens(slot)[0][0]
    assert _post(client, attempt_id, slot, {}, 0, action=f"strike-{token}").status_code == 400
    assert _struck_and_response(app, slot.id)[0] is None
    page = client.get(f"/attempts/{attempt_id}/{slot.position}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = _post(client, attempt_id, slot, {}, 0, action=f"strike-{token}", csrf_token=csrf)
    assert response.status_code == 302
    assert _struck_and_response(app, slot.id)[0] is not None


# --- the question page -----------------------------------------------------------------------


def test_the_question_is_the_h1_and_previous_comes_before_next(client, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    page = client.get(f"/attempts/{attempt_id}/2").get_data(as_text=True)
    assert re.search(r'<legend class="question-stem"><h1 [^>]*id="question-stem">', page)
    assert page.count("<h1") == 1
    assert page.index(">Previous</button>") < page.index('data-shortcut="next">Next</button>')
    # The first focusable control after the skip-less top is an option: the exam bar follows.
    assert page.index('class="exam-bar"') > page.index("</form>")
    assert 'class="navbar' not in page  # the site navigation gives way to the exam bar
    assert "Question 2 of 6" in page and 'class="exam-navigator"' in page


def test_exam_mode_shows_no_marks_or_shares_before_grading(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "single_best")
    _fill_stats(app, slot.version_id, answered=40)
    _post(client, attempt_id, slot, correct_form(slot), 0, action="save")
    page = client.get(f"/attempts/{attempt_id}/{slot.position}").get_data(as_text=True)
    for leak in ("option-mark", "chose this", "keyed", 'feedback-announcer" data-verdict'):
        assert leak not in page
    assert "correct" not in page.lower().replace("incorrect", "")


def _fill_stats(app, version_id, *, answered, blank=0):
    """Everyone's sums for a version: `answered` answers, half of them option 0, a quarter
    each option 1 and 2."""
    with app.app_context():
        options = {f"option_{i}": 0 for i in range(10)}
        options.update(option_0=answered // 2, option_1=answered // 4, option_2=answered // 4)
        db.session.merge(
            VersionStats(
                version_id=version_id,
                responses=answered + blank,
                correct=answered // 2,
                blank=blank,
                total=0,
                total_sq=0,
                correct_total=0,
                **options,
            )
        )
        db.session.commit()


def _check_wrong(client, app, student, start_attempt, *, answered):
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    slot = slot_of_type(app, attempt_id, "single_best")
    _fill_stats(app, slot.version_id, answered=answered, blank=5)
    response = _post(client, attempt_id, slot, wrong_form(slot), 0, action="check")
    assert response.headers["Location"].endswith(f"/{slot.position}#feedback")
    page = client.get(f"/attempts/{attempt_id}/{slot.position}").get_data(as_text=True)
    return slot, page


def test_tutor_feedback_marks_the_key_and_the_wrong_choice(client, app, student, start_attempt):
    slot, page = _check_wrong(client, app, student, start_attempt, answered=40)
    content = slot.version.content
    for text in content["options"]:
        assert text in page  # the options stay listed
    assert page.count("Your answer: incorrect") == 1
    assert page.count("Correct answer</span>") == 1
    assert re.search(r"Correct answer</span> <span class=\"option-share\">\d+% chose this", page)
    assert 'id="feedback" tabindex="-1"' in page
    assert 'data-verdict="Incorrect"' in page and 'aria-live="assertive"' in page
    assert "x-circle-fill" in page and "check-circle" in page  # icons beside the words
    # The tutor navigator shows the result, in words for screen readers too.
    assert re.search(
        r'class="nav-cell answered wrong current"[^>]*>\d+<span aria-hidden="true">✗', page
    )
    assert "not answered, flagged" not in page and ": answered, incorrect" in page


def test_how_others_chose_shows_only_once_enough_students_answered(
    client, app, student, start_attempt
):
    _, page = _check_wrong(client, app, student, start_attempt, answered=MIN_ANSWERS_FOR_SHARES - 1)
    assert "chose this" not in page
    assert f"shown once {MIN_ANSWERS_FOR_SHARES} answers have been given" in page

    _, page = _check_wrong(client, app, student, start_attempt, answered=40)
    assert "50% chose this" in page and page.count("25% chose this") == 2
    assert re.search(r"[^\d]0% chose this", page)  # the fourth option: nobody
    assert f"Shown once {MIN_ANSWERS_FOR_SHARES} answers have been given" in page
    assert "the 40 answers given" in page  # blanks are not counted


# --- results ---------------------------------------------------------------------------------


def test_results_list_every_option_with_marks_and_collapse_what_was_right(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    sb = slot_of_type(app, attempt_id, "single_best")
    mr = slot_of_type(app, attempt_id, "multiple_response")
    _post(client, attempt_id, sb, wrong_form(sb), 0, action="save")
    _post(client, attempt_id, mr, correct_form(mr), 0, action="save")
    _fill_stats(app, sb.version_id, answered=30)
    client.post(f"/attempts/{attempt_id}/submit")
    page = client.get(f"/attempts/{attempt_id}/results").get_data(as_text=True)
    for text in sb.version.content["options"] + mr.version.content["options"]:
        assert f"</span> {text} " in page  # listed after its letter
    assert page.count("Your answer: incorrect") == 1  # sb
    assert page.count("Your answer: correct") == 2  # both keys of mr
    assert "chose this" in page  # sb's shares; mr has too few answers
    # Below the figures where they are shown (sb only), and once above the list.
    assert page.count(f"Shown once {MIN_ANSWERS_FOR_SHARES} answers have been given") == 1
    assert f"under a question once {MIN_ANSWERS_FOR_SHARES} answers have been given" in page
    # Each question a disclosure: the missed ones open, the right one closed.
    details = re.findall(r'<details class="result-item[^"]*"\s*(open)?>', page)
    assert len(details) == 6 and details.count("open") == 5
    # The "wrong" filter works without JavaScript.
    wrong = client.get(f"/attempts/{attempt_id}/results?show=wrong").get_data(as_text=True)
    assert len(re.findall(r'<details class="result-item', wrong)) == 5
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).percent is not None


def test_the_timer_takes_its_warning_style_in_the_last_five_minutes(client, student, start_attempt):
    now = datetime.now(UTC)
    calm = start_attempt(student, "mixed-test", now=now)  # ten minutes
    page = client.get(f"/attempts/{calm}/1").get_data(as_text=True)
    assert 'class="timer-box" id="timer-box"' in page
    hurried = start_attempt(student, "mixed-test", now=now - timedelta(minutes=6), seed=2)
    page = client.get(f"/attempts/{hurried}/1").get_data(as_text=True)
    assert 'class="timer-box timer-warning" id="timer-box"' in page
    assert 'class="timer-warning-icon" aria-hidden="true">⚠' in page  # not colour alone
