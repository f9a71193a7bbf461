"""Moodle XML importer: every supported type, skips, errors with lines, categories, HTML,
encodings, the real corpus files and a fuzz test."""

import base64
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.banks.formatting import plain_text
from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank, html_to_text
from quizapp.banks.importers.moodle_xml import parse_moodle_xml
from tests.media_files import png_bytes
from tests.unit.importers.contract import assert_import_contract

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'


def quiz(body: str) -> bytes:
    return (HEAD + body + "\n</quiz>\n").encode()


def parse(body: str) -> ImportResult:
    return parse_moodle_xml(quiz(body), "test.xml")


def warnings(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems if p.warning]


def errors(result: ImportResult) -> list[str]:
    return [str(p) for p in result.errors]


def mc(answers: str, single: str = "true", extra: str = "") -> str:
    return f"""<question type="multichoice">
<name><text>Vitals</text></name>
<questiontext format="html"><text><![CDATA[<p>Which is a vital sign?</p>]]></text></questiontext>
<generalfeedback format="html"><text>Pulse is a vital sign.</text></generalfeedback>
<single>{single}</single><shuffleanswers>0</shuffleanswers><answernumbering>ABCD</answernumbering>
{extra}{answers}
</question>"""


def ans(fraction: str, text: str, fmt: str = "html") -> str:
    return f'<answer fraction="{fraction}" format="{fmt}"><text>{text}</text></answer>\n'


# --- supported types ---------------------------------------------------------------------


def test_multichoice_single_is_single_best():
    result = parse(mc(ans("100", "Pulse") + ans("0", "Height") + ans("-50", "Eye colour")))
    assert errors(result) == [] and warnings(result) == []
    (q,) = result.questions
    assert q.line == 3
    assert q.type == "single_best"
    assert q.fields == {
        "options": ["Pulse", "Height", "Eye colour"],
        "key": "Pulse",
        "shuffle": False,
    }
    assert q.stem == "<p>Which is a vital sign?</p>"
    assert q.rationale == "Pulse is a vital sign."
    assert q.html is True
    assert q.source_id == "Vitals"


def test_multichoice_options_keep_their_formatting():
    option = "<![CDATA[<p>Blood <b>pressure</b> &amp; pulse</p>]]>"
    result = parse(mc(ans("100", option) + ans("0", "x &lt; y", fmt="plain_text")))
    (q,) = result.questions
    assert q.html and q.fields["options"] == ["Blood <b>pressure</b> &amp; pulse", "x &lt; y"]
    (stored,) = build_bank(result, slug="x", title="X").questions
    assert [plain_text(o) for o in stored.content["options"]] == ["Blood pressure & pulse", "x < y"]
    assert stored.content["options"][0] == "Blood <b>pressure</b> &amp; pulse"
    assert stored.content["key"] == 0


def test_a_multiple_answer_question_with_two_options_one_right_is_single_best():
    (q,) = parse(mc(ans("100", "Pulse") + ans("0", "Height"), single="false")).questions
    assert (q.type, q.fields["key"], q.fields["options"]) == (
        "single_best",
        "Pulse",
        ["Pulse", "Height"],
    )


def test_an_answer_emptied_in_moodles_editor_is_left_out_like_an_empty_one():
    blank = "<![CDATA[<p><br></p>]]>"
    result = parse(mc(ans("100", "Pulse") + ans("0", "Height") + ans("0", blank)))
    (q,) = result.questions
    assert q.fields["options"] == ["Pulse", "Height"] and errors(result) == []
    keyed_blank = parse(mc(ans("100", blank) + ans("0", "Height") + ans("0", "Weight")))
    assert errors(keyed_blank) and keyed_blank.questions == []  # its only key was blank


def test_shuffleanswers_defaults_to_false_and_accepts_padded_values():
    body = mc(ans("100", "a") + ans("0", "b")).replace(
        "<shuffleanswers>0</shuffleanswers>", "<shuffleanswers>\n  1\n</shuffleanswers>"
    )
    assert parse(body).questions[0].fields["shuffle"] is True
    body = mc(ans("100", "a") + ans("0", "b")).replace("<shuffleanswers>0</shuffleanswers>", "")
    assert parse(body).questions[0].fields["shuffle"] is False


def test_multichoice_multiple_response_with_thirds_and_negative_weights():
    answers = (
        ans("33.33333", "Pulse")
        + ans("33.33333", "Respiration")
        + ans("33.33333", "Temperature")
        + ans("-100", "Height")
    )
    result = parse(mc(answers, single="false"))
    assert errors(result) == [] and warnings(result) == []
    (q,) = result.questions
    assert q.type == "multiple_response"
    assert q.fields["key"] == ["Pulse", "Respiration", "Temperature"]
    assert q.fields["options"][-1] == "Height"


def test_multiple_response_with_unequal_weights_imports_with_a_warning():
    answers = ans("50", "A") + ans("25", "B") + ans("25", "C") + ans("0", "D")
    result = parse(mc(answers, single="0"))
    assert result.questions[0].fields["key"] == ["A", "B", "C"]
    assert any("unequal weights" in w for w in warnings(result))


def test_single_with_partial_credit_keeps_the_full_answer_and_warns():
    result = parse(mc(ans("100", "A") + ans("50", "B") + ans("0", "C")))
    assert result.questions[0].fields["key"] == "A"
    assert any("partial credit" in w for w in warnings(result))


def test_single_with_two_full_answers_is_an_error_on_the_question_line():
    result = parse("\n\n" + mc(ans("100", "A") + ans("100", "B") + ans("0", "C")))
    assert result.questions == []
    assert len(errors(result)) == 1
    assert errors(result)[0].startswith("line 5: 2 answers are worth 100%")


def test_single_without_a_full_answer_is_an_error():
    result = parse(mc(ans("50", "A") + ans("0", "B")))
    assert result.questions == [] and "no answer is worth 100%" in errors(result)[0]


def test_grade_not_in_moodles_list_is_an_error_naming_the_answer_line():
    body = mc(ans("33", "A") + ans("33.33333", "B") + ans("33.33333", "C") + ans("0", "D"), "false")
    result = parse(body)
    assert result.questions == []
    (message,) = errors(result)
    assert message.startswith("line 3: the answer on line 8 has the grade 33%")


def test_positive_weights_must_add_up_to_100():
    result = parse(mc(ans("50", "A") + ans("25", "B") + ans("0", "C"), single="false"))
    assert result.questions == []
    assert "add up to 75%, not 100%" in errors(result)[0]


def test_fraction_that_is_not_a_number_is_an_error():
    result = parse(mc(ans("lots", "A") + ans("0", "B")))
    assert result.questions == [] and "'lots' is not a number" in errors(result)[0]


def test_type_validation_errors_are_reported_on_the_question():
    result = parse(mc(ans("100", "Same") + ans("0", "same")))
    assert result.questions == []
    assert errors(result) == ["line 3: options: option 'same' appears twice"]


def test_truefalse():
    body = """<question type="truefalse">
<questiontext format="plain_text"><text>The radial pulse is at the wrist.</text></questiontext>
<answer fraction="0"><text>true</text></answer>
<answer fraction="100"><text>false</text></answer>
</question>
<question type="truefalse">
<questiontext format="plain_text"><text>Old-style file.</text></questiontext>
<answer fraction="100"><text>Vrai</text></answer>
<answer fraction="0"><text>Faux</text></answer>
</question>"""
    result = parse(body)
    first, second = result.questions
    assert (first.type, first.fields, first.html, first.line) == (
        "true_false",
        {"key": False},
        False,
        3,
    )
    assert second.fields == {"key": True} and second.line == 8
    assert any("first was read as true" in w for w in warnings(result))


def test_each_answers_feedback_follows_the_general_feedback_labelled_with_its_answer():
    def answer(fraction: str, text: str, feedback: str) -> str:
        return (
            f'<answer fraction="{fraction}" format="html"><text>{text}</text>'
            f'<feedback format="html"><text><![CDATA[{feedback}]]></text></feedback></answer>\n'
        )

    outcome = (
        '<correctfeedback format="html"><text>Your answer is correct.</text></correctfeedback>'
        '<incorrectfeedback format="html"><text><![CDATA[<p>Review the vital signs: '
        "T, P, R, BP.</p>]]></text></incorrectfeedback>"
    )
    body = mc(
        answer("100", "<b>Pulse</b>", "Yes: pulse is one of the four.")
        + answer("0", "Height", "<p>Height is a measurement, not a vital sign.</p>")
        + answer("0", "Eye colour", "<p><br></p>"),
        extra=outcome,
    )
    result = parse(body)
    (q,) = result.questions
    assert warnings(result) == []
    assert q.html
    assert [line for line in html_to_text(q.rationale).splitlines() if line] == [
        "Pulse is a vital sign.",
        "Pulse: Yes: pulse is one of the four.",
        "Height:",
        "Height is a measurement, not a vital sign.",
        "If wrong:",
        "Review the vital signs: T, P, R, BP.",
    ]


def test_true_false_feedback_is_labelled_true_and_false_and_plain_text_stays_plain():
    plain = 'format="plain_text"'
    body = f"""<question type="truefalse">
<questiontext {plain}><text>Tachy- means fast.</text></questiontext>
<generalfeedback {plain}><text>Tachy- means fast; brady- slow.</text></generalfeedback>
<answer fraction="100" {plain}><text>true</text>
  <feedback {plain}><text>Right &amp; well done.</text></feedback></answer>
<answer fraction="0" {plain}><text>false</text>
  <feedback {plain}><text>Slow is brady-.</text></feedback></answer>
</question>"""
    (q,) = parse(body).questions
    assert not q.html
    assert q.rationale == (
        "Tachy- means fast; brady- slow.\nTrue: Right & well done.\nFalse: Slow is brady-."
    )


def test_truefalse_with_both_answers_full_is_an_error():
    body = """<question type="truefalse"><questiontext><text>x</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="100"><text>false</text></answer>
</question>"""
    assert "both true and false" in errors(parse(body))[0]


SHORT = """<question type="shortanswer">
<name><text>Brady</text></name>
<questiontext format="html"><text>A slow heart rate is called ____.</text></questiontext>
<usecase>{usecase}</usecase>
<answer fraction="100"><text>bradycardia</text></answer>
<answer fraction="100"><text>brady cardia</text></answer>
<answer fraction="50"><text>slow heart</text></answer>
<answer fraction="0"><text>*</text><feedback><text>No.</text></feedback></answer>
</question>"""


def test_shortanswer_is_fill_in_blank_with_the_full_answers():
    result = parse(SHORT.format(usecase=0))
    (q,) = result.questions
    assert q.type == "fill_in_blank"
    assert q.fields == {"key": ["bradycardia", "brady cardia"]}
    assert any("partial credit" in w for w in warnings(result))
    assert html_to_text(q.rationale) == "Any other answer: No."
    assert not any("case-sensitive" in w for w in warnings(result))
    assert any("case-sensitive" in w for w in warnings(parse(SHORT.format(usecase=1))))


def test_shortanswer_wildcard_in_a_key_is_skipped_so_the_rest_imports():
    body = """<question type="shortanswer"><questiontext><text>Spell it</text></questiontext>
<answer fraction="100"><text>colo*r</text></answer></question>"""
    result = parse(body + tf("Tachy- means fast."))
    assert errors(result) == []
    assert [q.stem for q in result.questions] == ["Tachy- means fast."]
    (skipped,) = result.skipped
    assert (skipped.line, skipped.kind) == (3, "shortanswer")
    assert "wildcard" in skipped.reason and "every accepted spelling" in skipped.reason
    escaped = body.replace("colo*r", r"5\*3")
    assert parse(escaped).questions[0].fields["key"] == ["5*3"]


def numerical(answers: str, extra: str = "") -> str:
    return f"""<question type="numerical">
<questiontext format="html"><text>Convert 38 C to F.</text></questiontext>
{answers}{extra}
</question>"""


def test_numerical_one_answer_with_tolerance():
    answer = '<answer fraction="100"><text>100.4</text><tolerance>0.1</tolerance></answer>'
    wrong = '<answer fraction="0"><text>*</text></answer>'
    result = parse(numerical(answer + wrong))
    assert errors(result) == [] and warnings(result) == []
    (q,) = result.questions
    assert q.type == "fill_in_blank"
    assert q.fields == {"key": ["100.4"], "tolerance": 0.1}


def test_numerical_exponent_and_no_tolerance():
    result = parse(numerical('<answer fraction="100"><text>1.5e3</text></answer>'))
    assert result.questions[0].fields == {"key": ["1500"], "tolerance": 0.0}


def test_numerical_units_are_dropped_with_a_warning():
    units = "<units><unit><multiplier>1</multiplier><unit_name>°F</unit_name></unit></units>"
    result = parse(numerical('<answer fraction="100"><text>100.4</text></answer>', units))
    assert len(result.questions) == 1
    assert any("units (°F)" in w for w in warnings(result))


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            '<answer fraction="100"><text>1</text><tolerance>0.1</tolerance></answer>'
            '<answer fraction="100"><text>2</text><tolerance>0.5</tolerance></answer>',
            "different tolerances",
        ),
        ('<answer fraction="100"><text>*</text></answer>', "accepts any answer"),
        ('<answer fraction="100"><text>ten</text></answer>', "'ten' is not a number"),
        ('<answer fraction="50"><text>10</text></answer>', "no answer is worth 100%"),
        (
            '<answer fraction="100"><text>10</text><tolerance>-1</tolerance></answer>',
            "not a number >= 0",
        ),
    ],
)
def test_numerical_that_cannot_be_represented_is_an_error(answers, message):
    result = parse(numerical(answers))
    assert result.questions == []
    (error,) = errors(result)
    assert error.startswith("line 3: ") and message in error


MATCHING = """<question type="matching">
<name><text>Prefixes</text></name>
<questiontext format="html"><text>Match each prefix with its meaning.</text></questiontext>
<shuffleanswers>true</shuffleanswers>
<subquestion format="html"><text><![CDATA[<p>brady-</p>]]></text>
  <answer><text>slow</text></answer></subquestion>
<subquestion format="html"><text>tachy-</text><answer><text>fast</text></answer></subquestion>
<subquestion format="plain_text"><text>hyper-</text>
  <answer><text>above normal</text></answer></subquestion>
<subquestion format="html"><text></text><answer><text>below normal</text></answer></subquestion>
<subquestion format="html"><text></text><answer><text></text></answer></subquestion>
</question>"""


def test_matching_with_an_extra_match():
    result = parse(MATCHING)
    assert errors(result) == []
    (q,) = result.questions
    assert q.type == "matching"
    assert q.fields == {
        "pairs": [["brady-", "slow"], ["tachy-", "fast"], ["hyper-", "above normal"]],
        "extra_matches": ["below normal"],
    }


def test_matching_prompts_may_share_a_match():
    body = MATCHING.replace("<text>fast</text>", "<text>slow</text>")
    result = parse(body)
    assert errors(result) == []
    (q,) = result.questions
    assert [match for _, match in q.fields["pairs"]].count("slow") == 2


def test_ordering_items_follow_their_positions():
    body = """<question type="ordering">
<questiontext format="html"><text>Order of draw, first to last.</text></questiontext>
<generalfeedback format="plain_text"><text>CLSI order.</text></generalfeedback>
<answer fraction="2"><text>Light blue</text></answer>
<answer fraction="1"><text>Blood culture</text></answer>
<answer fraction="4"><text>Lavender</text></answer>
<answer fraction="3"><text>Red</text></answer>
</question>"""
    (q,) = parse(body).questions
    assert q.type == "ordering"
    assert q.fields == {"items": ["Blood culture", "Light blue", "Red", "Lavender"]}
    assert q.rationale == "CLSI order."


# --- skipped types -------------------------------------------------------------------------


def test_unsupported_types_are_skipped_with_their_line_and_reason():
    kinds = [
        "essay",
        "description",
        "cloze",
        "gapselect",
        "ddwtos",
        "ddimageortext",
        "calculated",
        "random",
        "oumultiresponse",
        "stack",
    ]
    body = "\n".join(
        f'<question type="{k}"><questiontext><text>{k} text</text></questiontext></question>'
        for k in kinds
    )
    result = parse(body)
    assert result.questions == [] and result.problems == []
    assert [(s.line, s.kind) for s in result.skipped] == [
        (n, k) for n, k in enumerate(kinds, start=3)
    ]
    reasons = {s.kind: s.reason for s in result.skipped}
    assert "Cloze" in reasons["cloze"] and "no valid embedded sub-question" in reasons["cloze"]
    assert "multiple-response" in reasons["oumultiresponse"]
    assert "plugin" in reasons["stack"]


def test_cloze_with_a_sub_question_is_skipped_without_the_broken_note():
    body = (
        '<question type="cloze"><questiontext><text>Pick {1:MULTICHOICE:=a~b}'
        "</text></questiontext></question>"
    )
    (skip,) = parse(body).skipped
    assert "no valid embedded" not in skip.reason


def test_question_without_type_is_an_error():
    result = parse("<question><questiontext><text>x</text></questiontext></question>")
    assert errors(result) == ["line 3: the question has no type attribute"]


# --- categories --------------------------------------------------------------------------


def tf(text: str) -> str:
    return (
        f'<question type="truefalse"><questiontext><text>{text}</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )


def category(path: str) -> str:
    return f'<question type="category"><category><text>{path}</text></category></question>'


def test_categories_set_the_path_of_the_questions_after_them():
    body = "\n".join(
        [
            tf("none yet"),
            category("$course$/top/Cardiology/ECG"),
            tf("in ECG"),
            tf("also in ECG"),
            category("$cat$/Vitals"),
            tf("in vitals"),
            category("$module$/Units//Measures"),
            tf("escaped slash"),
            category("$system$/top"),
            tf("back to the top"),
        ]
    )
    result = parse(body)
    assert [(q.stem, q.category) for q in result.questions] == [
        ("none yet", ()),
        ("in ECG", ("Cardiology", "ECG")),
        ("also in ECG", ("Cardiology", "ECG")),
        ("in vitals", ("Vitals",)),
        ("escaped slash", ("Units/Measures",)),
        ("back to the top", ()),
    ]
    bank = build_bank(result, slug="x", title="X")
    assert [t.title for t in bank.topics] == [
        "General",
        "Cardiology",
        "ECG",
        "Vitals",
        "Units/Measures",
    ]


# --- text formats, HTML and media ----------------------------------------------------------


def question_text(text: str, fmt: str, feedback: str = "", feedback_fmt: str = "html") -> str:
    return (
        f'<question type="truefalse"><questiontext format="{fmt}"><text>{text}</text>'
        f'</questiontext><generalfeedback format="{feedback_fmt}"><text>{feedback}</text>'
        '</generalfeedback><answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )


def test_text_formats():
    plain = parse(question_text("Is 5 &lt; 6?\nYes.", "plain_text", "Because.", "plain_text"))
    q = plain.questions[0]
    assert (q.stem, q.html, q.rationale) == ("Is 5 < 6?\nYes.", False, "Because.")

    auto = parse(question_text("Line one\nLine two", "moodle_auto_format"))
    assert auto.questions[0].stem == "Line one<br>\nLine two" and auto.questions[0].html

    markdown = parse(question_text("**Bold** claim", "markdown"))
    assert markdown.questions[0].stem == "**Bold** claim" and not markdown.questions[0].html
    assert any("Markdown" in w for w in warnings(markdown))

    mixed = parse(question_text("Is 5 &lt; 6?", "plain_text", "<![CDATA[<b>Yes</b>]]>", "html"))
    q = mixed.questions[0]
    assert (q.stem, q.rationale, q.html) == ("Is 5 &lt; 6?", "<b>Yes</b>", True)


def test_html_is_sanitised():
    stem = (
        '<![CDATA[<p onclick="x()">Pulse<script>alert(1)</script>'
        '<img src="x.png" onerror="alert(2)"></p>]]>'
    )
    feedback = '<![CDATA[<a href="javascript:alert(3)">see</a>]]>'
    result = parse(question_text(stem, "html", feedback))
    (q,) = result.questions
    for bad in ("<script", "onerror", "onclick", "alert(", "javascript:"):
        assert bad not in q.stem and bad not in q.rationale
    bank = build_bank(result, slug="x", title="X")
    (stored,) = bank.questions
    assert (stored.stem, stored.rationale) == ("<p>Pulse</p>", "see")
    found = warnings(result)
    assert "line 3: stem: picture 'x.png' is not in the file, so it was dropped" in found
    assert any("formatting that is not allowed was removed" in w and "<a>" in w for w in found)


def test_attached_files_and_images_are_imported_and_the_rest_dropped_with_a_warning():
    png = base64.b64encode(png_bytes()).decode()
    stem = (
        '<p>Read the strip <img src="@@PLUGINFILE@@/ecg%201.png" alt="ECG"> and the '
        '<a href="@@PLUGINFILE@@/notes.pdf">notes</a>.</p>'
    )
    option = f'Sinus <img src="data:image/png;base64,{png}" alt="strip">'
    body = f"""<question type="multichoice">
<questiontext format="html"><text><![CDATA[{stem}]]></text>
<file name="ecg 1.png" path="/" encoding="base64">{png}</file></questiontext>
<image>old.png</image><image_base64>iVBORw0KGgo=</image_base64>
<answer fraction="100"><text><![CDATA[{option}]]></text></answer>
<answer fraction="0"><text>Flutter</text></answer>
</question>"""
    result = parse(body)
    found = warnings(result)
    assert any("file 'notes.pdf' was dropped" in w for w in found)
    assert any("image 'old.png' was dropped" in w for w in found)
    assert all(w.startswith("line 3: ") for w in found)
    bank = build_bank(result, slug="x", title="X")
    (stored,) = bank.questions
    (image,) = bank.images
    assert stored.stem == (
        f'<p>Read the strip <img src="media:{image.digest}" alt="ECG"> and the notes.</p>'
    )
    assert stored.content["options"][0] == f'Sinus <img src="media:{image.digest}" alt="strip">'


def test_an_image_without_alt_text_is_an_error():
    png = base64.b64encode(png_bytes()).decode()
    body = mc(ans("100", '<![CDATA[<img src="@@PLUGINFILE@@/a.png">]]>') + ans("0", "B"))
    body = body.replace(
        "</questiontext>", f'<file name="a.png" encoding="base64">{png}</file></questiontext>'
    )
    result = parse(body)
    bank = build_bank(result, slug="x", title="X")
    assert bank.questions == ()
    assert any("needs alt text" in e for e in errors(result))


def test_line_numbers_ignore_question_tags_in_comments_and_cdata():
    body = (
        "<!-- <question type='essay'> -->\n"
        + question_text("<![CDATA[\n<question>\n]]>", "html")
        + "\n\n"
        + tf("third")
    )
    result = parse(body)
    assert [q.line for q in result.questions] == [4, 8]


# --- encodings and broken files -----------------------------------------------------------


def test_utf8_bom_and_crlf():
    data = b"\xef\xbb\xbf" + quiz("\n" + tf("Caf\u00e9 r\u00e8gle")).replace(b"\n", b"\r\n")
    result = parse_moodle_xml(data)
    (q,) = result.questions
    assert q.stem == "Caf\u00e9 r\u00e8gle" and q.line == 4
    assert result.problems == []


def test_cp1252_file_is_read_with_a_note():
    data = quiz(tf("Caf\u00e9 \u2013 tea")).decode().encode("cp1252")
    data = data.replace(b'encoding="UTF-8"', b'encoding="windows-1252"')
    result = parse_moodle_xml(data)
    assert result.questions[0].stem == "Caf\u00e9 \u2013 tea"
    assert any("cp1252" in w for w in warnings(result))


def test_utf16_file():
    result = parse_moodle_xml(quiz(tf("\u00e9t\u00e9")).decode().encode("utf-16"))
    assert result.questions[0].stem == "\u00e9t\u00e9"


def test_wrong_declared_encoding_warns():
    data = quiz(tf("\u00e9t\u00e9")).replace(b"UTF-8", b"ISO-8859-1")
    result = parse_moodle_xml(data)
    assert result.questions[0].stem == "\u00e9t\u00e9"
    assert any("valid UTF-8" in w for w in warnings(result))


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "empty", None),
        (b"question,answer\n1,2\n", "not well-formed XML", 1),
        (HEAD.encode() + b"<question type='x'>\n<oops></question>\n</quiz>", "well-formed", 4),
        (b'<?xml version="1.0"?>\n<html><body/></html>', "root element is <html>", 2),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n<quiz>&a;</quiz>',
            "DOCTYPE",
            None,
        ),
        (b"<quiz>" + b"<x>" * 200 + b"</x>" * 200 + b"</quiz>", "nested", 1),
    ],
)
def test_unreadable_files_raise_import_format_error(data, message, line):
    with pytest.raises(ImportFormatError) as info:
        parse_moodle_xml(data)
    assert message in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_billion_laughs_is_refused():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<quiz>&lol2;</quiz>"""
    with pytest.raises(ImportFormatError):
        parse_moodle_xml(data)


def test_non_question_elements_warn():
    result = parse("<info>hello</info>\n" + tf("x"))
    assert warnings(result) == ["line 3: <info> is not a question and was ignored"]
    assert len(result.questions) == 1


# --- corpus conformance ------------------------------------------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")

#: file -> (imported, skipped, errors), determined by reading each file.
EXPECTED = {
    # One multichoice (single, one 100% of eight options); an SVG data: image in an option.
    "TU-Berlin-DIMA-moodle-tools__markdownRef.xml": (1, 0, 0),
    # A ddwtos, 22 gapfill (plugin) and one cloze question.
    "marcusgreen-moodle-qtype_gapfill__gapfill_examples.xml": (0, 24, 0),
    # Five malformed cloze questions: cloze is not supported.
    "moodle__broken_cloze_questions.xml": (0, 5, 0),
    # One multiple-response question with the invalid grade 33%.
    "moodle__error_invalid_grades.xml": (0, 0, 1),
    # Four true/false in four nested categories, one essay.
    "moodle__nested_categories_with_questions.xml": (4, 1, 0),
    # A cloze (skipped) and a multichoice with a legacy <image> (dropped, warned).
    "moodle__sample_questions_with_old_image_tag.xml": (1, 1, 0),
    # The oumultiresponse plugin type.
    "moodleou-moodle-qtype_oumultiresponse__testquestion.moodle.xml": (0, 1, 0),
}


@corpus
def test_every_corpus_file_is_listed():
    assert sorted(p.name for p in (CORPUS / "moodle_xml").iterdir()) == sorted(EXPECTED)


@corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    result = parse_moodle_xml((CORPUS / "moodle_xml" / name).read_bytes(), name)
    counts = (len(result.questions), len(result.skipped), len(result.errors))
    assert counts == EXPECTED[name]
    build_bank(result, slug="x", title="X")
    assert all(isinstance(p.line, int) for p in result.problems)
    assert all(isinstance(s.line, int) for s in result.skipped)


@corpus
def test_corpus_details():
    folder = CORPUS / "moodle_xml"
    nested = parse_moodle_xml(
        (folder / "moodle__nested_categories_with_questions.xml").read_bytes()
    )
    assert [(q.line, q.category, q.fields["key"]) for q in nested.questions] == [
        (15, ("Iota",), True),
        (83, ("Iota", "Kappa"), True),
        (123, ("Iota", "Kappa", "Lambda"), True),
        (163, ("Iota", "Mu"), True),
    ]
    assert [(s.line, s.kind) for s in nested.skipped] == [(55, "essay")]

    grades = parse_moodle_xml((folder / "moodle__error_invalid_grades.xml").read_bytes())
    assert [p.line for p in grades.errors] == [4]
    assert "grade 33%" in grades.errors[0].message

    old = parse_moodle_xml(
        (folder / "moodle__sample_questions_with_old_image_tag.xml").read_bytes()
    )
    (q,) = old.questions
    assert q.line == 36 and q.fields["key"] == "right answer"
    assert q.fields["options"] == ["wrong answer", "another wrong answer", "right answer"]
    assert q.category == ("Default for Test images in backup",)
    assert any("'moodle.png'" in w for w in warnings(old))

    cloze = parse_moodle_xml((folder / "moodle__broken_cloze_questions.xml").read_bytes())
    assert [s.line for s in cloze.skipped] == [4, 20, 36, 52, 68]


# --- fuzzing -----------------------------------------------------------------------------


def _survives(data: bytes) -> None:
    assert_import_contract(parse_moodle_xml, data, "")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_bytes(data):
    _survives(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_fuzz_text(text):
    _survives(text.encode())


PIECES = [
    "<question type='multichoice'>",
    "<question type='truefalse'>",
    "<question type='shortanswer'>",
    "<question type='numerical'>",
    "<question type='matching'>",
    "<question type='ordering'>",
    "<question type='category'>",
    "<question type='cloze'>",
    "</question>",
    "<questiontext format='html'><text>",
    "<questiontext format='plain_text'><text>",
    "</text></questiontext>",
    "<category><text>$course$/a/b</text></category>",
    "<answer fraction='100'><text>",
    "<answer fraction='50'><text>",
    "<answer fraction='-33.33333'><text>",
    "<answer fraction='nan'><text>",
    "<answer fraction='1e999'><text>",
    "</text></answer>",
    "<tolerance>0.5</tolerance>",
    "<subquestion format='html'><text>",
    "</text><answer><text>",
    "</text></answer></subquestion>",
    "<single>false</single>",
    "<![CDATA[<p>x<img src='@@PLUGINFILE@@/a.png'></p>]]>",
    "<file name='a.png' encoding='base64'>AAAA</file>",
    "true",
    "false",
    "1.5",
    "*",
    "",
    "&lt;",
    "{1:MULTICHOICE:=a~b}",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=40))
def test_fuzz_structured(parts):
    _survives((HEAD + "".join(parts) + "</quiz>").encode())
