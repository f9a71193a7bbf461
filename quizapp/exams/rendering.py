"""HTML built in Python where a template loop would dominate a page's cost.

The question page shows one navigator button per question: 200 for the CMA mock. As a Jinja
loop that was half the page's time; here each button is a lookup in a table built once.
The navigator sits in the exam bar, outside the answer form: its buttons name the form, so
choosing a number still saves the answer first.
"""

from functools import lru_cache

from markupsafe import Markup

from quizapp.exams.services import Navigator

_CELL = (
    '<li><button form="answer-form" name="action" value="goto-{n}" class="nav-cell{css}"'
    '{current}>{n}{mark}<span class="visually-hidden">: {state}</span></button></li>'
)

#: A graded question's result in the navigator (tutor mode): css class, symbol, words.
_RESULTS = {
    0: ("", "", ""),
    1: (" right", '<span aria-hidden="true">✓</span>', ", correct"),
    2: (" wrong", '<span aria-hidden="true">✗</span>', ", incorrect"),
}


def _result(score: float | None) -> int:
    """0 not graded, 1 right (the full point), 2 wrong or partly right."""
    if score is None:
        return 0
    return 1 if score >= 1 else 2


def _cell(n: int, answered: bool, flagged: bool, result: int, current: bool) -> str:
    result_css, mark, result_words = _RESULTS[result]
    css = (" answered" if answered else "") + (" flagged" if flagged else "") + result_css
    state = (
        ("answered" if answered else "not answered")
        + result_words
        + (", flagged" if flagged else "")
    )
    if current:
        css += " current"
    return _CELL.format(
        n=n,
        css=css,
        mark=mark,
        current=' aria-current="step"' if current else "",
        state=state,
    )


@lru_cache(maxsize=1024)
def _cells(n: int) -> tuple[str, ...]:
    """Button `n` in its states, indexed by answered + 2 * flagged + 4 * result."""
    return tuple(_cell(n, state & 1, state & 2, state // 4, False) for state in range(12))


def navigator_cells(navigator: Navigator, current: int) -> Markup:
    """The navigator's list items; built only from numbers and fixed words (nothing to escape)."""
    states = zip(navigator.answered, navigator.flagged, navigator.scores, strict=True)
    cells = [
        _cell(n, done, flagged, _result(score), True)
        if n == current
        else _cells(n)[done + 2 * flagged + 4 * _result(score)]
        for n, (done, flagged, score) in enumerate(states, start=navigator.first)
    ]
    # Built only from numbers and fixed strings: nothing to escape.
    return Markup("".join(cells))  # noqa: S704  # nosec B704
