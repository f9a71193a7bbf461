"""The options as a page lists them (quizapp.exams.feedback): no key before grading, marks and
shares after, shares only once enough students answered."""

from random import Random

from quizapp.exams.feedback import MIN_ANSWERS_FOR_SHARES, option_views
from quizapp.scoring.item_analysis import ItemSums
from quizapp.scoring.question_types import get_question_type

SINGLE = get_question_type("single_best")
CONTENT = {"options": ["slow", "fast", "painful", "difficult"], "key": 0, "shuffle": True}
LAYOUT = SINGLE.make_layout(CONTENT, Random(3))


def _sums(answered, blank=0):
    counts = (answered // 2, answered // 4, answered - answered // 2 - answered // 4, 0)
    return ItemSums(responses=answered + blank, blank=blank, options=counts + (0,) * 6)


def _by_text(options):
    return {option.text: option for option in options}


def test_before_grading_nothing_says_which_option_is_the_key():
    options = option_views(SINGLE, CONTENT, LAYOUT, 1, [2], graded=False, stats=_sums(100))
    assert [o.letter for o in options] == ["A", "B", "C", "D"]
    assert all(o.keyed is None and o.percent is None for o in options)
    by_text = _by_text(options)
    assert by_text["fast"].chosen and not by_text["slow"].chosen
    assert by_text["painful"].struck and not by_text["fast"].struck


def test_once_graded_the_key_and_the_choice_are_marked():
    by_text = _by_text(option_views(SINGLE, CONTENT, LAYOUT, 1, None, graded=True))
    assert by_text["slow"].keyed and not by_text["slow"].chosen
    assert by_text["fast"].chosen and by_text["fast"].keyed is False
    assert all(o.percent is None for o in by_text.values())  # no statistics yet


def test_shares_need_enough_answers_and_leave_blanks_out():
    too_few = _sums(MIN_ANSWERS_FOR_SHARES - 1, blank=30)
    options = option_views(SINGLE, CONTENT, LAYOUT, 1, None, graded=True, stats=too_few)
    assert all(o.percent is None for o in options)
    by_text = _by_text(
        option_views(SINGLE, CONTENT, LAYOUT, 1, None, graded=True, stats=_sums(40, blank=8))
    )
    assert {text: o.percent for text, o in by_text.items()} == {
        "slow": 50,
        "fast": 25,
        "painful": 25,
        "difficult": 0,
    }


def test_true_false_is_marked_without_shares_and_other_types_list_no_options():
    true_false = get_question_type("true_false")
    options = option_views(
        true_false, {"key": True}, {}, False, None, graded=True, stats=_sums(100)
    )
    assert [(o.text, o.keyed, o.chosen, o.percent) for o in options] == [
        ("True", True, False, None),
        ("False", False, True, None),
    ]
    fill_in = get_question_type("fill_in_blank")
    content = {"accepted": ["bradycardia"], "tolerance": None}
    assert option_views(fill_in, content, {}, "x", None, graded=True) == []
