"""The text2qti importer: every question kind, wrapping, groups, errors, safety and the corpus."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.banks.formatting import plain_text
from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank
from quizapp.banks.importers.text2qti import parse_text2qti
from tests.unit.importers.contract import assert_import_contract

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"

QUIZ = """\
Quiz title: Vital signs
Quiz description: Adult ranges.
shuffle answers: true

Title: Brady
Points: 1
1.  What does the prefix brady- mean?
... Brady- means slow, as in **bradycardia**.
a)  fast
*b) slow
c)  painful

2.  Which are vital signs? Select all that apply.
[*] Pulse
[ ] Height
[*] Respiration
[]  Eye colour

3.  The radial artery is palpated at the wrist.
*a) True
b)  False

4.  Name the instrument used to hear the heart.
*   stethoscope
*   a stethoscope

5.  Convert 38 °C to °F.
=   100.4 +- 0.1

6.  How many chambers has the heart?
=   4

7.  Give a normal adult oral temperature in °C.
=   [36.1, 37.2]

8.  A normal resting rate is 60 to 100 beats per _minute_.
! The solution text.
=   80 +- 25%
"""


def parse(text: str) -> ImportResult:
    return parse_text2qti(text.encode())


def errors(result: ImportResult) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in result.errors]


@pytest.mark.parametrize(("option", "shuffled"), [("false", False), ("true", True), (None, True)])
def test_shuffle_answers_false_keeps_the_written_order(option, shuffled):
    header = f"Quiz title: Order\nshuffle answers: {option}\n\n" if option else ""
    text = header + "1.  Which?\na)  one\nb)  two\n*c) All of the above\n\n"
    text += "2.  Which ones?\n[*] one\n[ ] two\n[*] Both of these\n"
    result = parse_text2qti(text.encode(), "quiz.txt")
    assert [q.fields.get("shuffle", True) for q in result.questions] == [shuffled, shuffled]


def test_every_supported_kind():
    result = parse(QUIZ)
    assert errors(result) == []
    by_line = {q.line: q for q in result.questions}
    assert sorted(by_line) == [7, 13, 19, 23, 27, 30, 33, 36]

    single = by_line[7]
    assert single.type == "single_best" and single.source_id == "Brady" and single.html
    assert single.stem == "<p>What does the prefix brady- mean?</p>"
    assert single.fields == {"options": ["fast", "slow", "painful"], "key": "slow"}
    assert single.rationale == "<p>Brady- means slow, as in <strong>bradycardia</strong>.</p>"

    assert by_line[13].type == "multiple_response"
    assert by_line[13].fields == {
        "options": ["Pulse", "Height", "Respiration", "Eye colour"],
        "key": ["Pulse", "Respiration"],
    }
    assert (by_line[19].type, by_line[19].fields) == ("true_false", {"key": True})
    assert by_line[23].fields == {"key": ["stethoscope", "a stethoscope"]}
    assert by_line[27].fields == {"key": ["100.4"], "tolerance": pytest.approx(0.1)}
    assert by_line[30].fields == {"key": ["4"], "tolerance": 0.0}
    assert by_line[33].fields == {"key": ["36.65"], "tolerance": pytest.approx(0.55)}
    assert by_line[36].fields == {"key": ["80"], "tolerance": pytest.approx(20)}
    assert (
        by_line[36].stem == "<p>A normal resting rate is 60 to 100 beats per <em>minute</em>.</p>"
    )
    assert by_line[36].rationale == "<p>The solution text.</p>"
    assert all(q.type == "fill_in_blank" for line, q in by_line.items() if line >= 23)

    bank = build_bank(result, slug="vitals", title="Vitals")
    assert len(bank.questions) == 8
    assert not result.errors


def test_wrapped_and_multi_paragraph_text():
    text = (
        "1.  A question that wraps\n"
        "    onto a second line.\n"
        "\n"
        "    A second paragraph with `code <x>` and $a<b$.\n"
        "... Feedback that\n"
        "\twraps with a tab.\n"
        "*a) right\n"
        "b)  a choice that\n"
        "    wraps\n"
        "\n"
        "2.  Next?\n"
        "*a) yes\n"
        "b)  no\n"
    )
    result = parse(text)
    assert errors(result) == []
    first, second = result.questions
    assert first.stem == (
        "<p>A question that wraps\nonto a second line.</p>"
        "<p>A second paragraph with <code>code &lt;x&gt;</code> and $a&lt;b$.</p>"
    )
    assert first.rationale == "<p>Feedback that\nwraps with a tab.</p>"
    assert first.fields["options"] == ["right", "a choice that wraps"]
    assert second.line == 11


def test_skipped_kinds_are_listed_with_lines():
    text = (
        "1.  Write an essay.\n"
        "____\n"
        "\n"
        "2.  Upload a file.\n"
        "^^^^\n"
        "\n"
        "Text title: Part 2\n"
        "Text: Read this first.\n"
        "\n"
        "```{.python .run}\n"
        "print('1. Generated?')\n"
        "```\n"
        "\n"
        "3.  Kept?\n"
        "*a) yes\n"
        "b)  no\n"
    )
    result = parse(text)
    assert errors(result) == []
    assert [(s.line, s.kind) for s in result.skipped] == [
        (1, "essay"),
        (4, "file upload"),
        (7, "text"),
        (10, "generated questions"),
    ]
    assert [q.line for q in result.questions] == [14]


def test_code_blocks_are_never_run(tmp_path):
    marker = tmp_path / "ran"
    text = (
        f"```{{.python .run}}\nopen({str(marker)!r}, 'w').write('x')\n```\n\n1.  Q?\n*a) a\nb)  b\n"
    )
    result = parse(text)
    assert not marker.exists()
    assert [s.kind for s in result.skipped] == ["generated questions"]


def test_groups_are_flattened_with_a_warning():
    text = (
        "GROUP\n"
        "pick: 1\n"
        "points per question: 1\n"
        "\n"
        "1.  One?\n"
        "*a) yes\n"
        "b)  no\n"
        "\n"
        "2.  Two?\n"
        "*a) yes\n"
        "b)  no\n"
        "END_GROUP\n"
    )
    result = parse(text)
    assert errors(result) == []
    assert len(result.questions) == 2
    assert [(p.line, p.warning) for p in result.problems] == [(1, True)]


def test_dropped_feedback_points_and_images_warn():
    text = (
        "Points: 2\n"
        "1.  Which tube? ![tube](images/tube.png)\n"
        '    <img src="lavender.jpg" onerror="alert(1)">\n'
        "+   Well done.\n"
        "-   Not quite.\n"
        "*a) Lavender\n"
        "... EDTA.\n"
        "b)  Red\n"
    )
    result = parse(text)
    assert errors(result) == []
    messages = " | ".join(p.message for p in result.problems if p.warning)
    assert "'images/tube.png' dropped" in messages
    assert "'lavender.jpg' dropped" in messages
    assert "per-choice feedback" in messages and "(+)" in messages and "(-)" in messages
    assert "Points: 2 not kept" in messages
    assert "<img" not in result.questions[0].stem


def test_html_is_sanitised():
    text = (
        '1.  Safe? <script>alert(1)</script><b onclick="x()">bold</b>\n'
        '... <a href="javascript:alert(1)">why</a> <span onerror="alert(1)">ok</span>\n'
        "*a) <script>alert(2)</script>yes\n"
        "b)  no\n"
    )
    result = parse(text)
    bank = build_bank(result, slug="x", title="X")
    (question,) = bank.questions
    for field in (question.stem, question.rationale):
        assert "<script" not in field and "alert" not in field
        assert "onerror" not in field and "onclick" not in field and "javascript:" not in field
    assert question.stem == "<p>Safe? <b>bold</b></p>" and question.rationale == "<p>why ok</p>"
    assert question.content["options"] == ["yes", "no"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("1.  Q?\na)  a\nb)  b\n", 1, "exactly one choice correct"),
        ("1.  Q?\n*a) a\n*b) b\n", 1, "exactly one choice correct"),
        ("1.  Q?\n*a) a\n", 1, "at least 2 choices"),
        ("1.  Q?\n[ ] a\n[ ] b\n", 1, "at least one answer correct"),
        ("1.  Q?\n", 1, "has no answers"),
        ("1.  Q?\n*a) a\nb)  b\n*   c\n", 4, "cannot follow"),
        ("1.  Q?\n=   abc\n", 2, "invalid numerical answer"),
        ("1.  Q?\n=   1.5\n", 2, "needs '+- 0'"),
        ("1.  Q?\n=   [2, 1]\n", 2, "minimum is above the maximum"),
        ("1.  Q?\n=   1 +- -1\n", 2, "margin is negative"),
        ("1.  Q?\n=   1e999 +- 1\n", 2, "not a number we can use"),
        ("1.  Q?\n*a) a\nb)  b\n#c) c\n", 4, "unexpected text"),
        ("1.  Q?\n*a)a\nb)  b\n", 2, "add a space after '*a)'"),
        ("1.\n\n2.  Q?\n*a) a\nb)  b\n", 1, "nothing after '1.'"),
        ("1.  Q?\n*a) a\nb)  b\n\n1.  Q?\n*a) a\nb)  b\n", 5, "duplicate question"),
        ("Title: T\n\nGROUP\n1.  Q?\n*a) a\nb)  b\nEND_GROUP\n", 1, "followed by a question"),
        ("GROUP\n1.  Q?\n*a) a\nb)  b\n", 1, "never ends"),
        ("END_GROUP\n1.  Q?\n*a) a\nb)  b\n", 1, "without a GROUP"),
        ("1.  Q?\n*a) a\nb)  b\npick: 1\n", 4, "outside a GROUP"),
        ("Points: lots\n1.  Q?\n*a) a\nb)  b\n", 1, "invalid Points"),
        ("```python\nx = 1\n```\n1.  Q?\n*a) a\nb)  b\n", 1, "code block"),
        ("1.  Q?\n*a) a\n... one\n... two\nb)  b\n", 4, "already has feedback"),
        ("1.  Q?\n=   5\n... late\n", 3, "right after the question"),
        ("... feedback\n1.  Q?\n*a) a\nb)  b\n", 1, "outside a question"),
        ("1.  Q?\n*a) a\nb)  b\nQuiz title: Late\n", 4, "before the questions"),
    ],
)
def test_errors_have_lines(text, line, message):
    result = parse(text)
    assert any(p.line == line and message in p.message for p in result.errors), errors(result)


def test_a_broken_question_is_not_imported_but_the_rest_are():
    result = parse("1.  Q?\n*a) a\nb)  b\n#c) c\n\n2.  R?\n*a) a\nb)  b\n")
    assert [q.line for q in result.questions] == [6]
    assert [p.line for p in result.errors] == [4]


def test_literal_text_survives_the_bank():
    text = "1.  Is a<b true?\n*a) x < y & z\nb)  no\n\n2.  Type a<b.\n*   a<b\n"
    result = parse(text)
    assert result.questions[0].fields["options"][0] == "x &lt; y &amp; z"
    bank = build_bank(result, slug="x", title="X")
    assert plain_text(bank.questions[0].content["options"][0]) == "x < y & z"
    assert bank.questions[1].content["accepted"] == ["a<b"]


def test_comments_are_ignored():
    text = "% a comment\nCOMMENT\n1.  Not a question.\nEND_COMMENT\n1.  Q?\n*a) a\nb)  b\n"
    result = parse(text)
    assert errors(result) == []
    assert [q.line for q in result.questions] == [5]


@pytest.mark.parametrize(
    ("data", "warned"),
    [
        (b"\xef\xbb\xbf" + QUIZ.encode(), False),
        (QUIZ.replace("\n", "\r\n").encode(), False),
        (QUIZ.replace("°", "\u00b0 \u2013 \u201cC\u201d").encode("cp1252"), True),
    ],
)
def test_encodings_and_line_ends(data, warned):
    result = parse_text2qti(data)
    assert errors(result) == []
    assert [q.line for q in result.questions] == [7, 13, 19, 23, 27, 30, 33, 36]
    assert any(p.warning and "cp1252" in p.message for p in result.problems) is warned
    if warned:
        assert "\u2013 \u201cC\u201d" in result.questions[4].stem


@pytest.mark.parametrize("data", [b"Just prose.\nA) not text2qti\n", b"PK\x03\x04\x00\x00"])
def test_not_text2qti_at_all(data):
    with pytest.raises(ImportFormatError):
        parse_text2qti(data)


# --- corpus ------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")
@pytest.mark.parametrize(
    ("name", "imported", "skipped", "error_lines"),
    [
        # 7 questions; the essay, the file upload and the text region are skipped.
        ("gpoore-text2qti__README_examples.txt", 7, 3, []),
        # 14 single-best questions and 3 essays.
        ("keefereuther-text2qti_streamlit__test_quiz.txt", 14, 3, []),
        # "#a)" on line 23 breaks question 3 (text2qti itself reports line 26).
        ("keefereuther-text2qti_streamlit__test_quiz_error.txt", 13, 3, [23]),
        # Two executable code blocks (never run) and one numerical question with an <iframe>.
        ("molpopgen-text2qti_example__quiz.md", 1, 2, []),
    ],
)
def test_corpus(name, imported, skipped, error_lines):
    path = CORPUS / "text2qti" / name
    result = parse_text2qti(path.read_bytes(), path.name)
    assert len(result.questions) == imported
    assert len(result.skipped) == skipped
    assert [p.line for p in result.errors] == error_lines
    bank = build_bank(result, slug="x", title="X")
    assert len(bank.questions) == imported
    assert [p.line for p in result.errors] == error_lines


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")
def test_corpus_iframe_is_removed():
    path = CORPUS / "text2qti" / "molpopgen-text2qti_example__quiz.md"
    result = parse_text2qti(path.read_bytes())
    bank = build_bank(result, slug="x", title="X")
    (question,) = bank.questions
    assert "<iframe" not in question.stem and "observablehq" not in question.stem
    assert result.questions[0].fields == {"key": ["0.0832"], "tolerance": 0.001}


# --- fuzzing ------------------------------------------------------------------------------


def _survives(data: bytes) -> None:
    assert_import_contract(parse_text2qti, data, "")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_bytes(data):
    _survives(data)


_MARKERS = [
    "1. ", "2.  ", "a) ", "*b) ", "[*] ", "[ ] ", "* ", "... ", "+ ", "- ", "! ", "= ",
    "Title: ", "Points: ", "Text: ", "Text title: ", "pick: ", "    ", "\t", "",
]  # fmt: skip
_LINE = st.one_of(
    st.builds(lambda m, t: m + t, st.sampled_from(_MARKERS), st.text(max_size=20)),
    st.sampled_from(["GROUP", "END_GROUP", "____", "^^^^", "```{.python .run}", "```", "COMMENT",
                     "END_COMMENT", "= [1, 2]", "= 5 +- 10%", "= 1e400", ""]),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=30), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_fuzz_text(lines, encoding):
    _survives("\n".join(lines).encode(encoding, errors="replace"))
