"""The Aiken importer: Moodle's reading rules, its error cases, encodings and the corpus."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.banks.importers.aiken import parse_aiken
from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank
from tests.unit.importers.contract import assert_import_contract

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"

GOOD = """\
Which prefix means slow?
A) brady-
B) tachy-
C) dys-
ANSWER: A

The femur is the longest bone in the body.
A. True
B. False
ANSWER: A
"""


def parse(text: str) -> ImportResult:
    return parse_aiken(text.encode())


def errors(result: ImportResult) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in result.errors]


def test_single_best_and_true_false():
    result = parse(GOOD)
    assert errors(result) == []
    first, second = result.questions
    assert (first.line, first.type, first.stem) == (1, "single_best", "Which prefix means slow?")
    assert first.fields == {"options": ["brady-", "tachy-", "dys-"], "key": "brady-"}
    assert first.html is False and first.category == () and first.rationale == ""
    assert (second.line, second.type, second.fields) == (7, "true_false", {"key": True})
    bank = build_bank(result, slug="x", title="X")
    assert [q.type for q in bank.questions] == ["single_best", "true_false"]
    assert not result.errors


def test_moodle_reading_rules():
    text = (
        "  Indented question, no blank lines?  \n"
        "A)no space after the label\n"
        "\tB.\ttab after the label\n"
        "x\n"  # shorter than 2 characters: ignored, as in Moodle
        "ANSWER:B\n"
        "Next question\n"
        "A) one\n"
        "B) two\n"
        "ANSWER: b\n"
    )
    result = parse(text)
    assert errors(result) == []
    first, second = result.questions
    assert first.stem == "Indented question, no blank lines?"
    assert first.fields == {
        "options": ["no space after the label", "tab after the label"],
        "key": "tab after the label",
    }
    assert second.line == 6 and second.fields["key"] == "two"
    assert [(p.line, p.warning) for p in result.problems] == [(9, True)]


def test_text_is_plain_and_never_html():
    result = parse(
        "Is <b>this</b> & <script>alert(1)</script> bold?\n"
        "A) <img src=x onerror=alert(1)>\nB) no\nANSWER: B\n"
    )
    (question,) = result.questions
    assert question.html is False
    assert question.stem == "Is <b>this</b> & <script>alert(1)</script> bold?"
    assert question.fields["options"][0] == "<img src=x onerror=alert(1)>"


def test_moodle_error_cases_with_lines():
    text = (
        "A question with too few answers\n"  # 1
        "A) Only answer\n"
        "ANSWER: A\n"  # 3
        "\n"
        "A) Question not started\n"  # 5
        "\n"
        "ANSWER: A\n"  # 7
        "\n"
        "A question started but not finished\n"  # 9
        "A) Correct-ish\n"
        "B) Incorrect-ish\n"
        "\n"
        "A good question\n"  # 13
        "A) Correct\n"
        "B) Incorrect\n"
        "ANSWER: A\n"
    )
    result = parse(text)
    assert [line for line, _ in errors(result)] == [3, 5, 7, 13]
    assert "at least 2 choices" in errors(result)[0][1]
    assert "outside a question" in errors(result)[1][1]
    assert "no ANSWER: line before the next question starts on line 13" in errors(result)[3][1]
    assert [q.line for q in result.questions] == [13]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Q?\nA) a\nB) b\nANSWER: C\n", 4, "ANSWER: C names no choice"),
        ("Q?\nA) a\nB) b\nANSWER: 2\n", 4, "one letter of the right choice"),
        ("Q?\nA) a\nB) b\nANSWER: A, B\n", 4, "one letter"),
        ("Q?\nA) a\nB) b\nANSWER:\n", 4, "one letter"),
        ("Q?\nA) a\nC) b\nANSWER: A\n", 3, "out of order: expected B)"),
        ("Q?\nA) a\nB)\nANSWER: A\n", 3, "has no text"),
        ("Q?\nA) a\nB) b\n", 1, "before the end of the file"),
        ("Q first line\nsecond line\nA) a\nB) b\nANSWER: A\n", 2, "must fit on one line"),
        ("Q?\na) a\nb) b\nANSWER: A\n", 2, "capital letters"),
        ("Q?\nA. a\nB. b\nNUMBERING: abc\nANSWER: A\n", 4, "Aiken advanced"),
        ("Q?\n1) a\n2) b\nANSWER: A\n", 2, "numbered choices"),
        ("Q?\nA) a\nB) b\nRéponse: A\n", 4, "unexpected 'Réponse:' line"),
    ],
)
def test_errors_have_lines(text, line, message):
    result = parse(text)
    # A broken question is never imported (a second text line starts a new one, as in Moodle).
    assert all(q.line != 1 for q in result.questions)
    assert any(p.line == line and message in p.message for p in result.errors), errors(result)


def test_lower_case_keyword_is_read_with_a_warning():
    result = parse("Q?\nA) a\nB) b\nAnswer: B\n")
    assert result.questions[0].fields["key"] == "b"
    assert [(p.line, p.warning) for p in result.problems] == [(4, True)]


def test_build_bank_reports_more_than_eight_choices():
    choices = "".join(f"{chr(65 + i)}) option {i}\n" for i in range(9))
    result = parse(f"Nine choices?\n{choices}ANSWER: A\n")
    build_bank(result, slug="x", title="X")
    assert any(p.line == 1 and "2 to 8 options" in p.message for p in result.errors)


@pytest.mark.parametrize(
    ("data", "warned"),
    [
        (b"\xef\xbb\xbf" + GOOD.encode(), False),
        (GOOD.replace("\n", "\r\n").encode(), False),
        (GOOD.replace("\n", "\r").encode(), False),
        (GOOD.replace("slow?", "slow \u2013 \u201cbrady\u201d?").encode("cp1252"), True),
    ],
)
def test_encodings_and_line_ends(data, warned):
    result = parse_aiken(data)
    assert errors(result) == []
    assert [q.line for q in result.questions] == [1, 7]
    assert result.questions[0].stem.startswith("Which prefix means slow")
    assert any(p.warning and "cp1252" in p.message for p in result.problems) is warned
    if warned:
        assert "\u2013 \u201cbrady\u201d" in result.questions[0].stem


@pytest.mark.parametrize("data", [b"Just some prose.\nNo choices here.\n", b"PK\x03\x04\x00\x00"])
def test_not_aiken_at_all(data):
    with pytest.raises(ImportFormatError):
        parse_aiken(data)


def test_empty_file_has_no_questions():
    result = parse_aiken(b"")
    build_bank(result, slug="x", title="X")
    assert [p.message for p in result.errors] == ["no questions were found in this file"]


# --- corpus ------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")
@pytest.mark.parametrize(
    ("name", "imported", "skipped", "error_lines"),
    [
        ("moodle__questions.aiken.txt", 2, 0, []),
        # Moodle's own error fixture: the messages its test expects, on the same lines.
        ("moodle__aiken_errors.txt", 2, 0, [3, 5, 7, 18]),
        # Aiken advanced: NUMBERING: lines, numbered choices and Hebrew keywords are refused.
        (
            "upmf-moodle-qformat_aikenadv__aiken_hebrew_english_sample.txt",
            0,
            0,
            [6, 16, 20, 24, 25, 19],
        ),
    ],
)
def test_corpus(name, imported, skipped, error_lines):
    path = CORPUS / "aiken" / name
    result = parse_aiken(path.read_bytes(), path.name)
    assert len(result.questions) == imported
    assert len(result.skipped) == skipped
    assert [p.line for p in result.errors] == error_lines
    build_bank(result, slug="x", title="X")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")
def test_corpus_moodle_fixture_keys():
    result = parse_aiken((CORPUS / "aiken" / "moodle__questions.aiken.txt").read_bytes())
    first, second = result.questions
    assert first.type == "single_best" and first.fields["options"].index(first.fields["key"]) == 1
    assert second.type == "true_false" and second.fields == {"key": True}
    assert '<html class="cool"> &' in second.stem and second.html is False


# --- fuzzing ------------------------------------------------------------------------------


def _survives(data: bytes) -> None:
    assert_import_contract(parse_aiken, data, "")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_bytes(data):
    _survives(data)


_LINE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["ANSWER: A", "ANSWER: B", "ANSWER:", "NUMBERING: 123", "", "A) x"]),
    st.builds(
        lambda c, s, t: f"{c}{s} {t}",
        st.sampled_from("ABCDabc1"),
        st.sampled_from(").:"),
        st.text(max_size=10),
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=30), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_fuzz_text(lines, encoding):
    _survives("\n".join(lines).encode(encoding, errors="replace"))
