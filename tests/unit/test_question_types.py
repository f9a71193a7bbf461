"""Validation and grading of every question type, partial credit included."""

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.scoring.question_types import (
    QUESTION_TYPES,
    ContentError,
    InvalidResponseError,
    UnknownQuestionTypeError,
    get_question_type,
    grade,
)


def content(type_name, **fields):
    return get_question_type(type_name).content_from_fields(fields)


def problems(type_name, **fields):
    with pytest.raises(ContentError) as excinfo:
        content(type_name, **fields)
    return " | ".join(f"{p.field}: {p.message}" for p in excinfo.value.problems)


# --- single best answer -------------------------------------------------------------------


def test_single_best_stores_the_key_as_an_index():
    stored = content("single_best", options=["slow", "fast", "painful"], key="fast")
    assert stored == {"options": ["slow", "fast", "painful"], "key": 1, "shuffle": True}


@pytest.mark.parametrize(
    ("last", "shuffled"),
    [
        ("All of the above", False),
        ("<p>None of the above</p>", False),
        ("Both A and B", False),
        ("A, B and C", False),
        ("Sodium and potassium", True),
        ("Fast", True),
    ],
)
def test_an_option_that_names_others_keeps_the_written_order(last, shuffled):
    for type_name, key in (("single_best", "Slow"), ("multiple_response", ["Slow"])):
        stored = content(type_name, options=["Slow", "Painful", last], key=key)
        assert stored["shuffle"] is shuffled
    explicit = content(
        "single_best", options=["Slow", "All of the above"], key="Slow", shuffle=True
    )
    assert explicit["shuffle"] is True  # the bank's own choice stands


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"options": ["a", "b"]}, "no key"),
        ({"options": ["a", "b"], "key": "c"}, "not among the options"),
        ({"options": ["a", "b", "c"], "key": ["a", "b"]}, "exactly one key, not 2"),
        ({"options": ["a"], "key": "a"}, "2 to 8 options"),
        ({"options": ["a", "A ", "b"], "key": "a"}, "appears twice"),
    ],
)
def test_single_best_problems(fields, message):
    assert message in problems("single_best", **fields)


def test_single_best_grading():
    stored = content("single_best", options=["a", "b", "c"], key="b")
    assert grade("single_best", stored, 1).score == 1.0
    assert grade("single_best", stored, 1).correct
    assert grade("single_best", stored, 0).score == 0.0
    assert not grade("single_best", stored, None).answered


# --- multiple response -----------------------------------------------------------------------


@pytest.fixture
def select_all():
    # keyed: a, c, d (k = 3); b and e are wrong
    return content("multiple_response", options=["a", "b", "c", "d", "e"], key=["a", "c", "d"])


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ([0, 2, 3], 1.0),  # exactly the key
        ([0, 2], 2 / 3),  # two of three, nothing wrong
        ([0], 1 / 3),
        ([0, 2, 3, 1], 2 / 3),  # all keyed plus one wrong: 3/3 - 1/3
        ([0, 1], 0.0),  # one right, one wrong
        ([1, 4], 0.0),  # floored at zero, never negative
        ([0, 1, 2, 3, 4], 1 / 3),  # everything: 3/3 - 2/3
    ],
)
def test_multiple_response_partial_credit(select_all, response, score):
    result = grade("multiple_response", select_all, response)
    assert result.score == pytest.approx(score)
    assert result.correct is (score == 1.0)


def test_multiple_response_empty_is_unanswered(select_all):
    assert not grade("multiple_response", select_all, []).answered


def test_multiple_response_problems():
    assert "no key" in problems("multiple_response", options=["a", "b", "c"], key=[])
    assert "every option is keyed" in problems(
        "multiple_response", options=["a", "b", "c"], key=["a", "b", "c"]
    )
    assert "'z' is not among" in problems("multiple_response", options=["a", "b", "c"], key=["z"])


# --- true / false ------------------------------------------------------------------------------


def test_true_false():
    stored = content("true_false", key=False)
    assert grade("true_false", stored, False).correct
    assert not grade("true_false", stored, True).correct
    assert not grade("true_false", stored, None).answered
    assert "key: true or key: false" in problems("true_false", key="yes")


# --- fill in the blank -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "correct"),
    [
        ("bradycardia", True),
        ("  BradyCardia  ", True),
        ("slow heart rate", True),
        ("slow   heart\trate", True),
        ("brady cardia", False),
        ("tachycardia", False),
    ],
)
def test_fill_in_blank_text(response, correct):
    stored = content("fill_in_blank", key=["bradycardia", "slow heart rate"])
    assert grade("fill_in_blank", stored, response).correct is correct


@pytest.mark.parametrize(
    ("response", "correct"),
    [("100.4", True), ("100.5", True), ("100,3", True), ("100.6", False), ("abc", False)],
)
def test_fill_in_blank_numeric_tolerance(response, correct):
    stored = content("fill_in_blank", key=["100.4"], tolerance=0.1)
    assert grade("fill_in_blank", stored, response).correct is correct


@pytest.mark.parametrize(
    ("key", "response", "correct"),
    [
        ("3,14", "3.14", True),  # a European key, as Blackboard and Excel exports write it
        ("3,14", "3,15", True),
        ("3,14", "3.2", False),
        ("1,000", "1000", True),  # thousands grouped, as US students type them
        ("1000", "1,000", True),
        ("1,000", "1", False),
        ("2,500.5", "2500.5", True),
    ],
)
def test_fill_in_blank_numbers_with_commas(key, response, correct):
    stored = content("fill_in_blank", key=[key], tolerance=0.01)
    assert grade("fill_in_blank", stored, response).correct is correct


def test_a_numeric_blank_says_so_and_refuses_a_unit_instead_of_grading_it_wrong():
    qtype = get_question_type("fill_in_blank")
    numeric = content("fill_in_blank", key=["0.12"], tolerance=0.005)
    assert qtype.present(numeric, {}) == {"numeric": True}
    assert qtype.parse_response(numeric, {}, {"answer": " 0,12 "}) == "0,12"
    with pytest.raises(InvalidResponseError, match="number only, without units"):
        qtype.parse_response(numeric, {}, {"answer": "0.12 mL"})
    words = content("fill_in_blank", key=["bradycardia"])
    assert qtype.present(words, {}) == {"numeric": False}
    assert qtype.parse_response(words, {}, {"answer": "slow heart"}) == "slow heart"


def test_fill_in_blank_problems():
    assert "no accepted answer" in problems("fill_in_blank", key=[])
    assert "must be a number" in problems("fill_in_blank", key=["ten"], tolerance=0.5)
    assert "cannot be negative" in problems("fill_in_blank", key=["10"], tolerance=-1)
    assert not grade("fill_in_blank", content("fill_in_blank", key="x"), "   ").answered


# --- matching ----------------------------------------------------------------------------------


@pytest.fixture
def word_parts():
    return content(
        "matching",
        pairs=[["brady-", "slow"], ["tachy-", "fast"], ["hyper-", "above"], ["hypo-", "below"]],
        extra_matches=["around"],
    )


def test_matching_content(word_parts):
    assert word_parts["matches"] == ["slow", "fast", "above", "below", "around"]
    assert word_parts["key"] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ([0, 1, 2, 3], 1.0),
        ([1, 0, 2, 3], 0.5),
        ([0, 1, 2, 4], 0.75),  # the distractor chosen once
        ([0, None, None, None], 0.25),
    ],
)
def test_matching_partial_credit(word_parts, response, score):
    assert grade("matching", word_parts, response).score == pytest.approx(score)


def test_matching_problems():
    assert "2 to 12 pairs" in problems("matching", pairs=[["a", "b"]])
    shared = content("matching", pairs=[["aspirin", "NSAID"], ["ibuprofen", "NSAID"], ["x", "y"]])
    assert shared["matches"] == ["NSAID", "y"] and shared["key"] == [0, 0, 1]
    assert grade("matching", shared, [0, 0, 1]).correct
    assert "match 'b' appears twice" in problems(
        "matching", pairs=[["a", "b"], ["c", "d"]], extra_matches=["b"]
    )
    assert "prompt 'a' appears twice" in problems("matching", pairs=[["a", "b"], ["a", "c"]])


# --- ordering ---------------------------------------------------------------------------------


@pytest.fixture
def order_of_draw():
    return content("ordering", items=["culture", "light blue", "red", "green", "lavender", "gray"])


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ([0, 1, 2, 3, 4, 5], 1.0),
        ([1, 0, 2, 3, 4, 5], 5 / 6),  # two swapped: five still in order
        ([5, 0, 1, 2, 3, 4], 5 / 6),  # one item moved to the front
        ([5, 4, 3, 2, 1, 0], 1 / 6),  # reversed
        ([0, 0, 1, 2, 3, 4], 0.0),  # not a permutation
    ],
)
def test_ordering_partial_credit(order_of_draw, response, score):
    assert grade("ordering", order_of_draw, response).score == pytest.approx(score)


@pytest.mark.parametrize(
    ("positions", "score"),
    [
        ([1, 2, 3, None, None, None], 3 / 6),  # three placed, in order; three left out
        ([1, 2, 3, 4, 5, None], 5 / 6),  # one left out: never the full point
        ([1, 1, 2, 3, 4, 5], 5 / 6),  # two items in one position count once
        ([1, 1, 1, 1, 1, 1], 1 / 6),  # as little as the worst complete order
        ([None, None, None, None, None, 6], 1 / 6),
        ([6, 5, None, 3, 2, 1], 1 / 6),
    ],
)
def test_an_incomplete_order_earns_its_longest_run_in_order(order_of_draw, positions, score):
    result = grade("ordering", order_of_draw, {"positions": positions})
    assert result.answered and not result.correct
    assert result.score == pytest.approx(score)


@given(
    st.integers(min_value=2, max_value=10).flatmap(
        lambda n: st.lists(st.one_of(st.none(), st.integers(1, n)), min_size=n, max_size=n)
    )
)
def test_an_order_scores_full_only_when_complete_and_right(positions):
    """Whatever positions a student gives, the score is a fraction of the items in the right
    relative order: the full point only for the key, never for a partial or tied order."""
    n = len(positions)
    stored = {"items": [f"step {i}" for i in range(n)]}
    qtype = get_question_type("ordering")
    layout = qtype.make_layout(stored, Random(n))
    form = {
        f"rank-{token}": [str(positions[index])] if positions[index] else []
        for token, index in zip(layout["tokens"], layout["order"], strict=True)
    }
    response = qtype.parse_response(stored, layout, _Form(form))
    if all(p is None for p in positions):
        assert response is None
        return
    result = qtype.grade(stored, response)
    assert result.answered and 0 < result.score <= 1
    assert result.correct == (positions == list(range(1, n + 1)))
    complete = sorted(p for p in positions if p) == list(range(1, n + 1))
    assert (qtype.incomplete(stored, response) is None) == complete
    assert qtype.form_state(stored, layout, response) == {k: v for k, v in form.items() if v}


class _Form(dict):
    """Form values as a dict of lists (what FormValues reads in tests)."""

    def get(self, key, default=None):
        values = super().get(key) or []
        return values[0] if values else default

    def getlist(self, key):
        return list(super().get(key) or [])


def test_an_incomplete_or_tied_order_is_kept_as_the_student_left_it():
    qtype = get_question_type("ordering")
    urine = content("ordering", items=["kidney", "ureter", "bladder", "urethra"])
    layout = {"order": [2, 0, 3, 1], "tokens": ["tb", "tk", "tu", "tr"]}  # bladder shown first

    def parse(**ranks):
        return qtype.parse_response(
            urine, layout, _Form({f"rank-{t}": [r] for t, r in ranks.items()})
        )

    assert parse(tk="1", tr="2", tb="3", tu="4") == [0, 1, 2, 3]  # complete: an order, as before
    assert parse(tk="1") == {"positions": [1, None, None, None]}
    assert parse(tk="1", tr="1", tb="3") == {"positions": [1, 1, 3, None]}
    assert parse(tk="", tr="") is None
    partial = parse(tk="1", tr="1", tb="3")
    assert qtype.form_state(urine, layout, partial) == {
        "rank-tk": ["1"],
        "rank-tr": ["1"],
        "rank-tb": ["3"],
    }
    assert qtype.response_text(urine, partial) == (
        "1. kidney; 1. ureter; 3. bladder; no position: urethra"
    )
    assert qtype.incomplete(urine, partial) == "Give every item a different position from 1 to 4."
    assert qtype.incomplete(urine, [0, 1, 2, 3]) is None
    with pytest.raises(InvalidResponseError, match="Positions go from 1 to 4"):
        parse(tk="5")


@pytest.mark.parametrize(
    ("type_name", "fields", "layout", "sent", "shown"),
    [
        (
            "multiple_response",
            {"options": ["a", "b", "c"], "key": ["a"]},
            {"order": [0, 1, 2], "tokens": ["ta", "tb", "tc"]},
            {"answer": ["ta", "forged"], "struck": ["tb"]},
            {"answer": ["ta", "forged"]},
        ),
        (
            "matching",
            {"pairs": [["a", "b"], ["c", "d"]]},
            {"prompt_order": [1, 0], "order": [0, 1], "tokens": ["tb", "td"]},
            {"match-0": ["td"], "match-1": [""], "other": ["x"]},
            {"match-0": ["td"]},
        ),
        (
            "ordering",
            {"items": ["a", "b", "c"]},
            {"order": [0, 1, 2], "tokens": ["ta", "tb", "tc"]},
            {"rank-ta": ["2"], "rank-tb": ["9"], "rank-tc": [""]},
            {"rank-ta": ["2"], "rank-tb": ["9"]},
        ),
    ],
)
def test_submitted_values_are_the_answer_fields_as_sent(type_name, fields, layout, sent, shown):
    qtype = get_question_type(type_name)
    assert qtype.submitted_values(content(type_name, **fields), layout, _Form(sent)) == shown


def test_two_item_ordering_is_shown_in_either_order():
    two_steps = content("ordering", items=["wash hands", "put on gloves"])
    orders = {
        tuple(get_question_type("ordering").make_layout(two_steps, Random(seed))["order"])
        for seed in range(100)
    }
    assert orders == {(0, 1), (1, 0)}


def test_ordering_problems():
    assert "2 to 10 items" in problems("ordering", items=["a"])
    assert "appears twice" in problems("ordering", items=["a", "b", "a"])


# --- registry ----------------------------------------------------------------------------------


def test_registry_has_the_six_types():
    assert set(QUESTION_TYPES) == {
        "single_best",
        "multiple_response",
        "true_false",
        "fill_in_blank",
        "matching",
        "ordering",
    }
    with pytest.raises(UnknownQuestionTypeError):
        get_question_type("essay")


@pytest.mark.parametrize(
    ("type_name", "fields"),
    [
        ("single_best", {"options": ["a", "b"], "key": "a"}),
        ("multiple_response", {"options": ["a", "b", "c"], "key": ["a", "c"]}),
        ("true_false", {"key": True}),
        ("fill_in_blank", {"key": ["x"]}),
        ("matching", {"pairs": [["a", "b"], ["c", "d"]]}),
        ("ordering", {"items": ["a", "b", "c"]}),
    ],
)
def test_the_correct_response_earns_the_point_and_key_text_names_it(type_name, fields):
    qtype = get_question_type(type_name)
    stored = qtype.content_from_fields(fields)
    assert qtype.grade(stored, qtype.correct_response(stored)).correct
    assert qtype.key_text(stored)
