"""IMS QTI importer: QTI 1.2 (Canvas, Blackboard), QTI 2.x / 3.0 items and zip packages."""

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.banks.importers import qti
from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank, html_to_text
from quizapp.banks.importers.qti import parse_qti
from tests.media_files import png_bytes
from tests.unit.importers.contract import assert_import_contract

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
corpus_only = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")

NS12 = 'xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2"'


def canvas_item(ident, qtype, stem, body, processing, feedback=""):
    return f"""      <item ident="{ident}" title="{ident}">
        <itemmetadata><qtimetadata>
          <qtimetadatafield><fieldlabel>question_type</fieldlabel>
            <fieldentry>{qtype}</fieldentry></qtimetadatafield>
        </qtimetadata></itemmetadata>
        <presentation>
          <material><mattext texttype="text/html">{stem}</mattext></material>
{body}
        </presentation>
        <resprocessing>
          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE"/></outcomes>
{processing}
        </resprocessing>
{feedback}
      </item>
"""


def choices(*pairs, cardinality="Single"):
    labels = "".join(
        f'<response_label ident="{ident}"><material><mattext texttype="text/plain">{text}'
        "</mattext></material></response_label>"
        for ident, text in pairs
    )
    return (
        f'<response_lid ident="response1" rcardinality="{cardinality}">'
        f"<render_choice>{labels}</render_choice></response_lid>"
    )


def setscore(*idents, value="100", action="Set"):
    equal = "".join(f'<varequal respident="response1">{i}</varequal>' for i in idents)
    return (
        f'<respcondition continue="No"><conditionvar>{equal}</conditionvar>'
        f'<setvar action="{action}" varname="SCORE">{value}</setvar></respcondition>'
    )


def general_fb(text):
    return (
        '<itemfeedback ident="general_fb"><flow_mat><material>'
        f'<mattext texttype="text/html">{text}</mattext></material></flow_mat></itemfeedback>'
    )


def wrap12(items, section='<section ident="root_section">'):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop {NS12}>\n'
        f'  <assessment ident="a1" title="Quiz">\n    {section}\n{items}    </section>\n'
        "  </assessment>\n</questestinterop>\n"
    )


MC = canvas_item(
    "mc1",
    "multiple_choice_question",
    "&lt;p&gt;What does the prefix &lt;b&gt;brady-&lt;/b&gt; mean?&lt;/p&gt;",
    choices(("1", "slow"), ("2", "fast"), ("3", "painful")),
    '<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
    '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>'
    + setscore("1"),
    general_fb("&lt;p&gt;Brady- means slow.&lt;/p&gt;"),
)
TF = canvas_item(
    "tf1",
    "true_false_question",
    "The femur is the longest bone.",
    choices(("t", "True"), ("f", "False")),
    setscore("t"),
)
MA = canvas_item(
    "ma1",
    "multiple_answers_question",
    "Which suffixes name a surgery?",
    choices(("a", "-ectomy"), ("b", "-itis"), ("c", "-otomy"), ("d", "-algia")),
    '<respcondition continue="No"><conditionvar><and>'
    '<varequal respident="response1">a</varequal>'
    '<not><varequal respident="response1">b</varequal></not>'
    '<varequal respident="response1">c</varequal>'
    '<not><varequal respident="response1">d</varequal></not>'
    '</and></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>',
)
SHORT = canvas_item(
    "sa1",
    "short_answer_question",
    "A slow heart rate is called?",
    '<response_str ident="response1" rcardinality="Single"><render_fib>'
    '<response_label ident="answer1"/></render_fib></response_str>',
    '<respcondition continue="No"><conditionvar>'
    '<varequal respident="response1">bradycardia</varequal>'
    '<varequal respident="response1">brachycardia</varequal>'
    '</conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>',
)
NUMERIC = canvas_item(
    "num1",
    "numerical_question",
    "Convert 38 C to F.",
    '<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal">'
    '<response_label ident="answer1"/></render_fib></response_str>',
    '<respcondition continue="No"><conditionvar><or>'
    '<varequal respident="response1">100.4</varequal><and>'
    '<vargte respident="response1">100.3</vargte><varlte respident="response1">100.5</varlte>'
    '</and></or></conditionvar><setvar action="Set" varname="SCORE">100</setvar>'
    "</respcondition>",
)


def matching_lid(ident, prompt, correct_ident):
    labels = "".join(
        f'<response_label ident="{i}"><material><mattext>{t}</mattext></material></response_label>'
        for i, t in (("m1", "slow"), ("m2", "fast"), ("m3", "below normal"))
    )
    return (
        f'<response_lid ident="{ident}"><material><mattext texttype="text/plain">{prompt}'
        f"</mattext></material><render_choice>{labels}</render_choice></response_lid>"
    ), (
        f'<respcondition><conditionvar><varequal respident="{ident}">{correct_ident}'
        '</varequal></conditionvar><setvar varname="SCORE" action="Add">50.00</setvar>'
        "</respcondition>"
    )


_L1, _C1 = matching_lid("response_1", "brady-", "m1")
_L2, _C2 = matching_lid("response_2", "tachy-", "m2")
MATCHING = canvas_item("match1", "matching_question", "Match each prefix.", _L1 + _L2, _C1 + _C2)
ESSAY = canvas_item(
    "essay1",
    "essay_question",
    "Describe the order of draw.",
    '<response_str ident="response1" rcardinality="Single"><render_fib>'
    '<response_label ident="answer1"/></render_fib></response_str>',
    "",
)
TEXT_ONLY = canvas_item("text1", "text_only_question", "Read the case below.", "", "")
BLANK = canvas_item(
    "fimb1",
    "fill_in_multiple_blanks_question",
    "The suffix for inflammation is [suffix].",
    '<response_lid ident="response_suffix"><material><mattext>suffix</mattext></material>'
    '<render_choice><response_label ident="x1"><material><mattext texttype="text/plain">'
    "-itis</mattext></material></response_label></render_choice></response_lid>",
    '<respcondition><conditionvar><varequal respident="response_suffix">x1</varequal>'
    '</conditionvar><setvar varname="SCORE" action="Add">100.00</setvar></respcondition>',
)


def parse(text: str | bytes, filename: str = "quiz.xml") -> ImportResult:
    return parse_qti(text.encode() if isinstance(text, str) else text, filename)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --- QTI 1.2 --------------------------------------------------------------------------------


def test_canvas_quiz_every_supported_type():
    text = wrap12(MC + TF + MA + SHORT + NUMERIC + MATCHING + BLANK)
    result = parse(text)
    assert not result.errors, result.problems
    by_id = {q.source_id: q for q in result.questions}
    mc = by_id["mc1"]
    assert mc.type == "single_best"
    assert mc.fields == {"options": ["slow", "fast", "painful"], "key": "slow"}
    assert mc.html and "<b>brady-</b>" in mc.stem
    assert mc.rationale == "<p>Brady- means slow.</p>"
    assert mc.line == line_of(text, '<item ident="mc1"')
    assert by_id["tf1"].type == "true_false" and by_id["tf1"].fields == {"key": True}
    assert by_id["ma1"].fields == {
        "options": ["-ectomy", "-itis", "-otomy", "-algia"],
        "key": ["-ectomy", "-otomy"],
    }
    assert by_id["sa1"].fields == {"key": ["bradycardia", "brachycardia"]}
    assert by_id["num1"].type == "fill_in_blank"
    assert by_id["num1"].fields == {"key": ["100.4"], "tolerance": 0.1}
    assert by_id["match1"].fields == {
        "pairs": [["brady-", "slow"], ["tachy-", "fast"]],
        "extra_matches": ["below normal"],
    }
    blank = by_id["fimb1"]
    assert blank.fields == {"key": ["-itis"]} and "________" in blank.stem
    bank = build_bank(result, slug="x", title="X")
    assert len(bank.questions) == 7
    assert not result.errors, result.problems


def test_skipped_types_are_listed_with_lines():
    text = wrap12(ESSAY + TEXT_ONLY + MC)
    result = parse(text)
    assert [s.kind for s in result.skipped] == ["essay", "text_only"]
    assert [s.line for s in result.skipped] == [
        line_of(text, '<item ident="essay1"'),
        line_of(text, '<item ident="text1"'),
    ]
    assert len(result.questions) == 1


def test_unknown_canvas_type_and_blackboard_types_are_skipped():
    text = wrap12(canvas_item("c1", "calculated_question", "2+2?", "", ""))
    assert parse(text).skipped[0].kind == "calculated"
    text = wrap12(canvas_item("w1", "weird_plugin_question", "?", "", ""))
    assert parse(text).skipped[0].kind == "weird_plugin"


def test_errors_carry_line_numbers():
    no_key = canvas_item(
        "nokey", "multiple_choice_question", "Pick one.", choices(("1", "a"), ("2", "b")), ""
    )
    two_keys = canvas_item(
        "twokeys",
        "multiple_choice_question",
        "Pick one.",
        choices(("1", "a"), ("2", "b")),
        setscore("1") + setscore("2"),
    )
    bad_sum = canvas_item(
        "badsum",
        "multiple_answers_question",
        "Pick some.",
        choices(("1", "a"), ("2", "b"), ("3", "c"), cardinality="Multiple"),
        setscore("1", value="30", action="Add") + setscore("2", value="30", action="Add"),
    )
    text = wrap12(no_key + two_keys + bad_sum)
    result = parse(text)
    assert not result.questions
    errors = {e.line: e.message for e in result.errors}
    assert "no correct answer" in errors[line_of(text, '"nokey"')]
    assert "2 options earn full credit" in errors[line_of(text, '"twokeys"')]
    assert "add up to 60" in errors[line_of(text, '"badsum"')]


def test_partial_credit_on_single_answer_imports_with_a_warning():
    item = canvas_item(
        "part",
        "multiple_choice_question",
        "Pick one.",
        choices(("1", "best"), ("2", "half right"), ("3", "wrong")),
        setscore("1", value="10") + setscore("2", value="5"),
    )
    result = parse(wrap12(item))
    assert result.questions[0].fields["key"] == "best"
    assert any("partial credit (50%)" in p.message for p in result.problems if p.warning)


def test_per_option_add_weights_with_penalties_and_custom_variable():
    # No metadata: the type is inferred; weights on a custom score variable.
    item = f"""<item ident="q9" title="Select all">
  <presentation><material><mattext>Which are vital signs?</mattext></material>
    {choices(("a", "pulse"), ("b", "height"), ("c", "respiration"), cardinality="Multiple")}
  </presentation>
  <resprocessing><outcomes><decvar varname="que_score" maxvalue="10"/></outcomes>
    <respcondition><conditionvar><varequal respident="response1">a</varequal></conditionvar>
      <setvar varname="que_score" action="Add">50</setvar></respcondition>
    <respcondition><conditionvar><varequal respident="response1">b</varequal></conditionvar>
      <setvar varname="que_score" action="Add">-10</setvar></respcondition>
    <respcondition><conditionvar><varequal respident="response1">c</varequal></conditionvar>
      <setvar varname="que_score" action="Add">50</setvar></respcondition>
  </resprocessing></item>"""
    result = parse(f"<questestinterop>{item}</questestinterop>")
    question = result.questions[0]
    assert question.type == "multiple_response" and not question.html
    assert question.fields["key"] == ["pulse", "respiration"]
    assert not result.problems


def test_shared_matches_import_and_unrepresentable_numeric_is_skipped():
    lid1, cond1 = matching_lid("r1", "brady-", "m1")
    lid2, cond2 = matching_lid("r2", "bradycardia", "m1")
    same_match = canvas_item("sm", "matching_question", "Match.", lid1 + lid2, cond1 + cond2)
    ranges = canvas_item(
        "rng",
        "numerical_question",
        "Value?",
        '<response_str ident="response1"><render_fib fibtype="Decimal"/></response_str>',
        '<respcondition><conditionvar><varequal respident="response1">5</varequal>'
        '</conditionvar><setvar varname="SCORE">100</setvar></respcondition>'
        '<respcondition><conditionvar><vargte respident="response1">9</vargte>'
        '<varlte respident="response1">11</varlte></conditionvar>'
        '<setvar varname="SCORE">100</setvar></respcondition>',
    )
    result = parse(wrap12(same_match + ranges))
    assert result.errors == []
    (matching,) = result.questions  # two prompts may share one match
    assert [m for _, m in matching.fields["pairs"]] == ["slow", "slow"]
    assert result.skipped[0].kind == "numerical"


def test_sections_and_banks_become_categories():
    text = (
        f"<questestinterop {NS12}><objectbank ident='b1'><qtimetadata><qtimetadatafield>"
        "<fieldlabel>bank_title</fieldlabel><fieldentry>Terminology</fieldentry>"
        f"</qtimetadatafield></qtimetadata><section ident='s' title='Prefixes'>{MC}</section>"
        f"{TF}</objectbank></questestinterop>"
    )
    result = parse(text)
    assert [q.category for q in result.questions] == [("Terminology", "Prefixes"), ("Terminology",)]
    bank = build_bank(result, slug="x", title="X")
    assert [t.title for t in bank.topics] == ["Terminology", "Prefixes"]


def test_html_is_sanitised_and_missing_images_dropped_with_a_warning():
    stem = (
        "&lt;p onclick=&quot;x()&quot;&gt;Identify the tube&lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;img src=&quot;images/tube.png&quot; onerror=&quot;alert(2)&quot;&gt;&lt;/p&gt;"
    )
    item = canvas_item(
        "h1", "multiple_choice_question", stem, choices(("1", "red"), ("2", "blue")), setscore("1")
    )
    result = parse(wrap12(item))
    bank = build_bank(result, slug="x", title="X")
    assert any(
        "picture 'images/tube.png' is not in the file" in p.message
        for p in result.problems
        if p.warning
    )
    stored = bank.questions[0].stem
    assert "Identify the tube" in stored
    for bad in ("<script", "alert", "onerror", "onclick", "<img"):
        assert bad not in stored


def test_blackboard_pool_shapes():
    text = (
        "<questestinterop><assessment title='Pool'><section>"
        "<item title='Either'><itemmetadata><bbmd_questiontype>Either/Or</bbmd_questiontype>"
        "</itemmetadata><presentation><flow class='Block'><flow class='QUESTION_BLOCK'>"
        "<material><mat_extension><mat_formattedtext type='HTML'>&lt;p&gt;Is a pulse of 72 "
        "normal?&lt;/p&gt;</mat_formattedtext></mat_extension></material></flow>"
        "<flow class='RESPONSE_BLOCK'><response_lid ident='response' rcardinality='Single'>"
        "<render_choice><response_label ident='yes_no.true'><flow_mat><material><mattext>"
        "yes_no.true</mattext></material></flow_mat></response_label>"
        "<response_label ident='yes_no.false'><flow_mat><material><mattext>yes_no.false"
        "</mattext></material></flow_mat></response_label></render_choice></response_lid>"
        "</flow></flow></presentation><resprocessing><respcondition title='correct'>"
        "<conditionvar><varequal respident='response'>yes_no.true</varequal></conditionvar>"
        "<setvar variablename='SCORE' action='Set'>SCORE.max</setvar></respcondition>"
        "<respcondition title='incorrect'><conditionvar><other/></conditionvar>"
        "<setvar variablename='SCORE' action='Set'>0.0</setvar></respcondition>"
        "</resprocessing></item>"
        "<item title='Survey'><itemmetadata><bbmd_questiontype>Opinion Scale</bbmd_questiontype>"
        "</itemmetadata><presentation/></item>"
        "</section></assessment></questestinterop>"
    )
    result = parse(text)
    assert result.questions[0].fields == {"options": ["Yes", "No"], "key": "Yes"}
    assert result.questions[0].html
    assert result.skipped[0].kind == "opinion_scale"


# --- QTI 2.x / 3.0 --------------------------------------------------------------------------

ITEM21 = """<?xml version="1.0" encoding="UTF-8"?>
<!-- my own test item -->
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="vitals" title="V">
  <responseDeclaration identifier="RESPONSE" cardinality="{card}" baseType="identifier">
    {correct}
    {mapping}
  </responseDeclaration>
  <itemBody>
    <p>Which values are {word}?</p>
    <choiceInteraction responseIdentifier="RESPONSE" maxChoices="{max}">
      <prompt>Choose.</prompt>
      <simpleChoice identifier="A">Pulse 72</simpleChoice>
      <simpleChoice identifier="B">Temperature 41 C</simpleChoice>
      <simpleChoice identifier="C">Respirations 16</simpleChoice>
    </choiceInteraction>
  </itemBody>
</assessmentItem>
"""


def item21(card="single", correct="<correctResponse><value>A</value></correctResponse>",
           mapping="", word="normal", max_="1"):  # fmt: skip
    return ITEM21.format(card=card, correct=correct, mapping=mapping, word=word, max=max_)


def test_qti12_canvas_feedback_for_right_wrong_and_each_option_becomes_the_rationale():
    feedback = "".join(
        f'<itemfeedback ident="{ident}"><flow_mat><material><mattext texttype="text/plain">'
        f"{text}</mattext></material></flow_mat></itemfeedback>"
        for ident, text in (
            ("general_fb", "Brady- means slow."),
            ("correct_fb", "Well done."),
            ("general_incorrect_fb", "See the prefixes."),
            ("2_fb", "Fast is tachy-."),
        )
    )
    (question,) = parse(
        wrap12(MC.replace(general_fb("&lt;p&gt;Brady- means slow.&lt;/p&gt;"), feedback))
    ).questions
    text = html_to_text(question.rationale)
    assert text.index("Brady- means slow.") < text.index("If right: Well done.")
    assert "If wrong: See the prefixes." in text and "fast: Fast is tachy-." in text


def test_qti2_modal_feedback_becomes_the_rationale():
    text = item21().replace(
        "</assessmentItem>",
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="A" showHide="show">'
        "72 is in the normal range.</modalFeedback>"
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="incorrect" showHide="show">'
        "Adults: 60-100.</modalFeedback></assessmentItem>",
    )
    (question,) = parse(text).questions
    assert (
        html_to_text(question.rationale)
        == "Pulse 72: 72 is in the normal range.\n\nAdults: 60-100."
    )


@pytest.mark.parametrize(
    ("render", "shuffled"),
    [("<render_choice>", True), ('<render_choice shuffle="No">', False)],
)
def test_qti12_options_keep_their_order_when_the_item_says_so(render, shuffled):
    (question,) = parse(wrap12(MC.replace("<render_choice>", render))).questions
    assert question.fields.get("shuffle", True) is shuffled


@pytest.mark.parametrize(
    ("interaction", "choice", "shuffled"),
    [
        ('shuffle="true"', "", True),
        ('shuffle="false"', "", False),
        ('shuffle="true"', ' fixed="true"', False),  # "All of the above" stays last
        ("", "", True),
    ],
)
def test_qti2_options_keep_their_order_when_the_item_says_so(interaction, choice, shuffled):
    text = item21().replace('maxChoices="1"', f'maxChoices="1" {interaction}')
    text = text.replace('<simpleChoice identifier="C">', f'<simpleChoice identifier="C"{choice}>')
    (question,) = parse(text).questions
    assert question.fields.get("shuffle", True) is shuffled


def test_qti21_single_choice():
    result = parse(item21())
    question = result.questions[0]
    assert question.type == "single_best" and question.line == 3
    assert question.fields == {
        "options": ["Pulse 72", "Temperature 41 C", "Respirations 16"],
        "key": "Pulse 72",
    }
    assert "Which values are normal?" in question.stem and "Choose." in question.stem
    assert question.source_id == "vitals"


def test_qti21_multiple_with_mapping_and_no_key():
    mapping = (
        '<mapping defaultValue="0"><mapEntry mapKey="A" mappedValue="1"/>'
        '<mapEntry mapKey="C" mappedValue="2"/><mapEntry mapKey="B" mappedValue="-1"/></mapping>'
    )
    result = parse(item21(card="multiple", correct="", mapping=mapping, max_="0"))
    assert result.questions[0].type == "multiple_response"
    assert result.questions[0].fields["key"] == ["Pulse 72", "Respirations 16"]
    assert len([p for p in result.problems if p.warning]) == 2  # key from mapping; weights
    result = parse(item21(correct=""))
    assert result.errors[0].line == 3 and "no answer key" in result.errors[0].message


def test_qti2_other_interactions_are_skipped():
    text = (
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="t">'
        "<itemBody><p>Spell it</p><textEntryInteraction responseIdentifier='R'/></itemBody>"
        "</assessmentItem>"
    )
    assert parse(text).skipped[0].kind == "textEntryInteraction"


def test_qti3_item_with_whitespace_in_key():
    text = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
        '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q3">'
        '\n<qti-response-declaration identifier="RESPONSE" cardinality="single" '
        'base-type="identifier"><qti-correct-response><qti-value>\n\t\tB\n\t</qti-value>'
        "</qti-correct-response></qti-response-declaration><qti-item-body><p>The normal adult "
        "pulse range is?</p><qti-choice-interaction response-identifier='RESPONSE' "
        "max-choices='1'><qti-simple-choice identifier='A'>40-60</qti-simple-choice>"
        "<qti-simple-choice identifier='B'>60-100</qti-simple-choice></qti-choice-interaction>"
        "</qti-item-body></qti-assessment-item>"
    )
    result = parse(text)
    assert result.questions[0].fields["key"] == "60-100"
    assert result.questions[0].line == 2


# --- zips -----------------------------------------------------------------------------------


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_canvas_style_zip_package():
    quiz = wrap12(MC + ESSAY)
    data = make_zip(
        {
            "imsmanifest.xml": b"<manifest identifier='m'/>",
            "g1/assessment_meta.xml": b"<quiz identifier='g1'/>",
            "g1/g1.xml": quiz.encode(),
            "g1/images/tube.png": b"\x89PNG....",
            "items/item.xml": item21().encode(),
        }
    )
    result = parse_qti(data, "export.zip")
    assert len(result.questions) == 2
    assert result.questions[0].line == line_of(quiz, '<item ident="mc1"')
    assert result.skipped[0].reason.startswith("g1/g1.xml: ")
    # The package's pictures go with its questions, for their image sources to find them.
    assert result.questions[0].files["g1/images/tube.png"] == b"\x89PNG...."


def test_zip_member_problems_are_prefixed_and_others_still_read():
    data = make_zip({"a.xml": b"<questestinterop><item>", "b.xml": wrap12(MC).encode()})
    result = parse_qti(data, "x.zip")
    assert len(result.questions) == 1
    assert result.errors[0].message.startswith("a.xml: not well-formed XML")


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({f"f{n}.xml": b"" for n in range(501)}, "entries"),
        ({"../evil.xml": b"<x/>"}, "unsafe path"),
        ({"/abs.xml": b"<x/>"}, "unsafe path"),
        ({"bomb.xml": b"\0" * 5_000_000}, "suspiciously"),
        ({"notes.txt": b"hello"}, "no QTI question file"),
    ],
)
def test_zip_limits(members, message):
    with pytest.raises(ImportFormatError, match=message):
        parse_qti(make_zip(members), "x.zip")


def test_zip_total_size_limit(monkeypatch):
    monkeypatch.setattr(qti, "MAX_ZIP_TOTAL", 1000)
    data = make_zip({"a.xml": b"<a>" + b"x" * 2000 + b"</a>"}, zipfile.ZIP_STORED)
    with pytest.raises(ImportFormatError, match="unpacks to"):
        parse_qti(data, "x.zip")


def test_not_a_zip():
    with pytest.raises(ImportFormatError, match="zip"):
        parse_qti(b"PK\x03\x04garbage", "x.zip")


# --- XML safety and encodings -------------------------------------------------------------


def test_dtd_and_entities_are_refused():
    with pytest.raises(ImportFormatError, match="DOCTYPE"):
        parse('<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "b">]><questestinterop/>')
    with pytest.raises(ImportFormatError, match="DOCTYPE"):
        parse('<!DOCTYPE q SYSTEM "file:///etc/passwd"><questestinterop/>')


def test_malformed_xml_reports_the_line():
    with pytest.raises(ImportFormatError) as info:
        parse("<questestinterop>\n<item>\n</questestinterop>")
    assert info.value.line == 3


def test_malformed_declaration_is_repaired_with_a_warning():
    text = '<?xml version="1.0"encoding="UTF-8"?>\n' + wrap12(MC).split("\n", 1)[1]
    result = parse(text)
    assert len(result.questions) == 1
    assert result.problems[0].warning and "declaration" in result.problems[0].message


def test_other_roots_are_refused():
    with pytest.raises(ImportFormatError, match="not a QTI file"):
        parse("<quiz><question/></quiz>")
    with pytest.raises(ImportFormatError, match="whole package"):
        parse("<assessmentTest xmlns='http://www.imsglobal.org/xsd/imsqti_v2p1'/>")
    with pytest.raises(ImportFormatError, match="nested"):
        parse("<a>" * 500 + "</a>" * 500)


def test_encodings_bom_cp1252_crlf():
    text = wrap12(MC)
    result = parse(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert result.questions[0].line == line_of(text, '<item ident="mc1"')
    assert not result.problems
    latin = wrap12(MC.replace("slow", "lent (très)")).replace('encoding="UTF-8"', "")
    result = parse(latin.encode("cp1252"))
    assert "lent (très)" in result.questions[0].fields["options"]
    assert any("cp1252" in p.message for p in result.problems if p.warning)


# --- fuzzing --------------------------------------------------------------------------------


def check(data: bytes) -> None:
    assert_import_contract(parse_qti, data, "fuzz.xml")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_bytes(data):
    check(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_fuzz_text(text):
    check(text.encode())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([MC, TF, MA, SHORT, NUMERIC, MATCHING, ESSAY, BLANK])), st.text())
def test_fuzz_mutated_quiz(items, noise):
    text = wrap12("".join(items))
    cut = len(noise) * 7 % max(len(text), 1)
    check(text.encode())
    check((text[:cut] + noise + text[cut:]).encode())
    check(make_zip({"q.xml": (text[:cut] + noise).encode(), "i.xml": item21().encode()}))


# --- corpus conformance ---------------------------------------------------------------------

#: file: (imported, skipped, errors) as read from each file.
EXPECTED = {
    "qti_1.2/atomicjolt-blacklight__question_bank.xml": (5, 7, 0),
    "qti_1.2/instructure-qti__all_canvas_simple_1.2.xml": (4, 5, 1),
    "qti_1.2/instructure-qti__choice_vary_points_by_answer.xml": (1, 0, 0),
    "qti_1.2/instructure-qti__test_qti_1.2_quiz.xml": (5, 0, 0),
    "qti_1.2/jmvedrine-moodle-qformat_canvas__canvas_matching_question.xml": (1, 0, 0),
    "qti_1.2/keefereuther-text2qti_streamlit__test_quiz.zip": (14, 3, 0),
    "qti_2.x/instructure-qti__Choicemultiple_871212949.xml": (1, 0, 0),
    "qti_2.x/instructure-qti__items_2.1_choice.xml": (1, 0, 0),
    "qti_3.0/Citolab-qti-components__I9b_map-response-identifier.xml": (0, 0, 1),
    "qti_3.0/Citolab-qti-components__biologie_32ckab.xml": (1, 0, 0),
}


@corpus_only
def test_corpus_lists_every_qti_file():
    found = {
        f"{p.parent.name}/{p.name}"
        for folder in ("qti_1.2", "qti_2.x", "qti_3.0")
        for p in (CORPUS / folder).iterdir()
    }
    assert found == set(EXPECTED)


@corpus_only
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_counts(name):
    path = CORPUS / name
    result = parse_qti(path.read_bytes(), path.name)
    counts = (len(result.questions), len(result.skipped), len(result.errors))
    assert counts == EXPECTED[name], result.problems
    before = len(result.errors)
    bank = build_bank(result, slug="x", title="X")
    assert len(bank.questions) == counts[0]
    assert len(result.errors) == before


@corpus_only
def test_corpus_details():
    result = parse_qti((CORPUS / "qti_1.2/instructure-qti__test_qti_1.2_quiz.xml").read_bytes())
    # Declared ISO-8859-1 but UTF-8 bytes: read as UTF-8, no mojibake.
    assert "PI\xa0to" in result.questions[-1].stem and "Â" not in result.questions[-1].stem
    assert result.questions[0].category == ("Main",)
    zipped = parse_qti(
        (CORPUS / "qti_1.2/keefereuther-text2qti_streamlit__test_quiz.zip").read_bytes()
    )
    assert [s.line for s in zipped.skipped] == [1038, 1093, 1148]
    blackboard = parse_qti(
        (CORPUS / "qti_1.2/atomicjolt-blacklight__question_bank.xml").read_bytes()
    )
    assert {q.type for q in blackboard.questions} == {
        "single_best",
        "fill_in_blank",
        "matching",
        "ordering",
    }
    assert all(q.line == 1 for q in blackboard.questions)


def test_pictures_of_a_package_are_imported_with_their_alt_text():
    stem = (
        "&lt;p&gt;Name this rhythm &lt;img src=&quot;images/ecg%20one.png&quot; "
        "alt=&quot;An ECG strip&quot;&gt;&lt;/p&gt;"
    )
    item = canvas_item(
        "e1", "multiple_choice_question", stem, choices(("1", "Sinus"), ("2", "Flutter")),
        setscore("1"),
    )  # fmt: skip
    quiz = wrap12(item)
    package = make_zip(
        {"quiz/quiz.xml": quiz.encode(), "quiz/images/ecg one.png": png_bytes(colour="red")}
    )
    result = parse(package, "quiz.zip")
    bank = build_bank(result, slug="x", title="X")
    (image,) = bank.images
    assert bank.questions[0].stem == (
        f'<p>Name this rhythm <img src="media:{image.digest}" alt="An ECG strip"></p>'
    )
    assert not [p for p in result.problems if not p.warning]


def test_qti21_choices_keep_their_formatting_and_pictures():
    item = item21().replace(
        '<simpleChoice identifier="B">Temperature 41 C</simpleChoice>',
        '<simpleChoice identifier="B">Temperature 41 <sup>o</sup>C '
        '<img src="thermo.png" alt="A thermometer at 41"/></simpleChoice>',
    )
    package = make_zip({"item.xml": item.encode(), "thermo.png": png_bytes(colour="red")})
    result = parse(package, "item.zip")
    bank = build_bank(result, slug="x", title="X")
    (image,) = bank.images
    assert bank.questions[0].content["options"][1] == (
        f'Temperature 41 <sup>o</sup>C <img src="media:{image.digest}" alt="A thermometer at 41">'
    )
