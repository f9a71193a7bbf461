"""Unfinished answers over HTTP: an order left incomplete or with two items in one position is
saved as the student left it, and a page that refuses an answer shows what the student sent."""

import re

import pytest

from tests.exams.conftest import correct_form, slot_of_type

pytestmark = pytest.mark.usefixtures("mixed")


def _ranks(slot, ranks: dict[int, int]) -> dict:
    """The ordering form giving the item at each content index (0 is first in the key) its
    position; items not named are left at "Position…"."""
    token_of = dict(zip(slot.layout["order"], slot.layout["tokens"], strict=True))
    return {
        f"rank-{token}": str(ranks[index]) if index in ranks else ""
        for index, token in token_of.items()
    }


def _shown_ranks(page: str, slot) -> dict[int, int]:
    """The position each item's select shows, by content index (unselected ones left out)."""
    shown = {}
    for token, index in zip(slot.layout["tokens"], slot.layout["order"], strict=True):
        select = re.search(rf'name="rank-{token}".*?</select>', page, re.S).group(0)
        chosen = re.search(r'<option value="(\d+)" selected>', select)
        if chosen:
            shown[index] = int(chosen.group(1))
    return shown


def _post(client, attempt_id, slot, form, *, action, revision):
    return client.post(
        f"/attempts/{attempt_id}/{slot.position}",
        data={**form, "revision": str(revision), "action": action},
    )


def test_an_incomplete_order_autosaves_and_next_review_and_the_navigator_move_on(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "ordering")
    url = f"/attempts/{attempt_id}/{slot.position}"
    # One position changed while the student is still working: saved.
    response = client.post(f"{url}/autosave", data={**_ranks(slot, {2: 3}), "revision": "0"})
    assert response.status_code == 200 and response.json["saved"] is True
    # Two items in one position: Next, Review and a question number all save it and go.
    tied = _ranks(slot, {0: 1, 1: 1, 2: 3})
    moves = {
        "next": f"/attempts/{attempt_id}/{slot.position + 1}",
        "review": f"/attempts/{attempt_id}/review",
        "goto-1": f"/attempts/{attempt_id}/1",
    }
    for revision, (action, destination) in enumerate(moves.items(), start=1):
        response = _post(client, attempt_id, slot, tied, action=action, revision=revision)
        assert response.status_code == 302, action
        assert response.headers["Location"] == destination
    assert slot_of_type(app, attempt_id, "ordering").response == {"positions": [1, 1, 3]}
    # Back on the question, the page shows the order as the student left it.
    page = client.get(url).get_data(as_text=True)
    assert _shown_ranks(page, slot) == {0: 1, 1: 1, 2: 3}


def test_the_review_lists_an_unfinished_order_until_it_is_complete(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "ordering")
    _post(client, attempt_id, slot, _ranks(slot, {0: 1, 1: 1}), action="save", revision=0)
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Unfinished (1)" in review
    link = f'href="/attempts/{attempt_id}/{slot.position}">Question {slot.position}</a>'
    assert link in review.split('id="unfinished-heading"')[1]
    assert "not fully answered" in client.get(f"/attempts/{attempt_id}/submit").get_data(
        as_text=True
    )
    _post(client, attempt_id, slot, _ranks(slot, {0: 1, 1: 2, 2: 3}), action="save", revision=1)
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Unfinished" not in review


def test_a_tutor_check_of_an_incomplete_order_asks_to_complete_it_and_keeps_it(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    slot = slot_of_type(app, attempt_id, "ordering")
    response = _post(client, attempt_id, slot, _ranks(slot, {1: 2}), action="check", revision=0)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/{slot.position}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Give every item a different position from 1 to 3." in page
    assert _shown_ranks(page, slot) == {1: 2}
    assert "Check answer" in page and "RATIONALE" not in page  # not graded, not locked
    saved = slot_of_type(app, attempt_id, "ordering")
    assert saved.response == {"positions": [None, 2, None]} and saved.graded_at is None
    # Completed, it is checked.
    complete = _ranks(slot, {0: 1, 1: 2, 2: 3})
    response = _post(client, attempt_id, slot, complete, action="check", revision=1)
    assert response.headers["Location"].endswith("#feedback")
    assert slot_of_type(app, attempt_id, "ordering").score == 1


def test_a_refused_order_shows_the_positions_sent_not_the_saved_ones(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "ordering")
    _post(client, attempt_id, slot, _ranks(slot, {0: 1, 1: 2, 2: 3}), action="save", revision=0)
    # A position the page could not have sent, beside two the student changed.
    sent = {**_ranks(slot, {0: 3, 1: 1}), f"rank-{slot.layout['tokens'][0]}": "9"}
    sent_ranks = {
        index: int(sent[f"rank-{token}"])
        for token, index in zip(slot.layout["tokens"], slot.layout["order"], strict=True)
        if sent[f"rank-{token}"] and sent[f"rank-{token}"] != "9"
    }
    response = _post(client, attempt_id, slot, sent, action="next", revision=1)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Positions go from 1 to 3." in page
    assert _shown_ranks(page, slot) == sent_ranks
    assert slot_of_type(app, attempt_id, "ordering").response == [0, 1, 2]  # nothing changed


def test_a_refused_choice_answer_shows_the_choices_sent_not_the_saved_ones(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "multiple_response")
    saved = correct_form(slot).getlist("answer")
    _post(client, attempt_id, slot, {"answer": saved}, action="save", revision=0)
    other = next(token for token in slot.layout["tokens"] if token not in saved)
    struck = next(token for token in saved)
    sent = {"answer": [other, "forged-token"], "struck": [struck]}
    response = _post(client, attempt_id, slot, sent, action="next", revision=1)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    checked = re.findall(r'name="answer" value="([^"]+)" id="choice-\d+"\s+checked', page)
    assert checked == [other]
    assert re.search(rf'<input type="hidden" name="struck" value="{struck}">', page)


def test_a_matching_answer_with_a_blank_is_saved_and_shown_again(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    slot = slot_of_type(app, attempt_id, "matching")
    first = correct_form(slot)["match-0"]
    data = {"match-0": first, "match-1": "", "revision": "0"}
    response = client.post(f"/attempts/{attempt_id}/{slot.position}/autosave", data=data)
    assert response.status_code == 200
    page = client.get(f"/attempts/{attempt_id}/{slot.position}").get_data(as_text=True)
    assert re.search(rf'<option value="{first}" selected>', page)
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Unfinished (1)" in review  # worth finishing before submitting


def test_a_tutor_check_of_a_matching_answer_with_a_blank_asks_to_complete_it(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    slot = slot_of_type(app, attempt_id, "matching")
    form = {"match-0": correct_form(slot)["match-0"], "match-1": ""}
    response = _post(client, attempt_id, slot, form, action="check", revision=0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose a match for every item. Your answer so far is saved" in page
    saved = slot_of_type(app, attempt_id, "matching")
    assert saved.response is not None and saved.graded_at is None
