"""The GIFT importer: Moodle's rules, our types, problems with line numbers, hostile input."""

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.banks.formatting import plain_text
from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank
from quizapp.banks.importers.gift import parse_gift
from tests.unit.importers.contract import assert_import_contract

DATA = Path(__file__).resolve().parents[2] / "data" / "importers" / "gift"
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")


def parse(text: str, filename: str = "bank.gift") -> ImportResult:
    return parse_gift(text.encode(), filename)


def only(result: ImportResult):
    assert len(result.questions) == 1, (result.questions, result.problems, result.skipped)
    return result.questions[0]


def messages(result: ImportResult, *, warning: bool) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in result.problems if p.warning is warning]


# --- every supported type, from a fixture file ------------------------------------------------


def test_fixture_file_maps_every_type():
    result = parse_gift((DATA / "medical_assistant.gift").read_bytes(), "medical_assistant.gift")
    assert result.format == "gift"
    assert result.problems == [] and result.skipped == []
    got = {q.source_id: q for q in result.questions}
    assert list(got) == [
        "vs-pulse", "vs-fever", "vs-bp", "vs-temp", "term-brady", "term-match", "term-range",
    ]  # fmt: skip

    pulse = got["vs-pulse"]
    assert (pulse.line, pulse.type, pulse.html) == (5, "single_best", False)
    assert pulse.stem == "Which artery is palpated for a routine adult pulse?"
    assert pulse.fields == {
        "options": ["Radial", "Femoral", "Popliteal", "Dorsalis pedis"],
        "key": "Radial",
    }
    assert pulse.category == ("Clinical", "Vital signs")
    # General feedback first, then the per-answer feedback that has no other place.
    assert pulse.rationale == (
        "Palpate the radial pulse with two fingers, never the thumb.\n"
        "Radial: The radial artery at the wrist is the usual site.\n"
        "Femoral: Used in emergencies, not routinely."
    )

    fever = got["vs-fever"]
    assert fever.type == "multiple_response"
    assert fever.fields["key"] == ["38.3 °C oral", "101.2 °F oral"]
    assert len(fever.fields["options"]) == 4

    bp = got["vs-bp"]
    assert (bp.type, bp.fields, bp.line) == ("true_false", {"key": True}, 20)
    assert bp.rationale == "A narrow cuff needs more pressure to close the artery."

    assert got["vs-temp"].fields == {"key": ["100.4"], "tolerance": 0.1}
    assert got["term-brady"].fields == {"key": ["bradycardia", "brady-cardia"]}
    assert got["term-brady"].stem == (
        "The medical term for a slow heart rate is ____ in an adult at rest."
    )
    assert got["term-brady"].category == ("Terminology",)
    assert got["term-match"].fields == {
        "pairs": [["brady-", "slow"], ["tachy-", "fast"], ["hyper-", "above normal"]],
        "extra_matches": ["below normal"],
    }
    # A range min..max becomes its middle and half-width, as Moodle stores it.
    assert got["term-range"].fields == {"key": ["16"], "tolerance": 4.0}

    bank = build_bank(result, slug="ma", title="MA")
    assert result.errors == []
    assert [q.external_id for q in bank.questions][:2] == ["vs-pulse", "vs-fever"]
    assert {t.title for t in bank.topics} == {"Clinical", "Vital signs", "Terminology"}


# --- Moodle's type detection and answer rules --------------------------------------------------


@pytest.mark.parametrize(
    ("block", "key"),
    [("{T}", True), ("{TRUE}", True), ("{ F }", False), ("{FALSE#wrong#right}", False)],
)
def test_true_false_spellings(block, key):
    question = only(parse(f"The femur is the longest bone.{block}"))
    assert (question.type, question.fields) == ("true_false", {"key": key})


def test_true_false_feedback_goes_to_the_rationale():
    question = only(parse("Tachy- means slow.{FALSE#It means fast.#Right.####Tachy = fast.}"))
    # The first feedback is for the wrong answer (True), the second for the right one.
    assert question.rationale == "Tachy = fast.\nTrue: It means fast.\nFalse: Right."


def test_only_equals_signs_make_a_short_answer_not_multiple_choice():
    question = only(parse("Slow heart rate?{=bradycardia =bradycardic rhythm}"))
    assert question.type == "fill_in_blank"
    assert question.fields == {"key": ["bradycardia", "bradycardic rhythm"]}


def test_arrows_inside_multiple_choice_answers_do_not_make_matching():
    question = only(parse("Order?{~draw -> label =label -> draw}"))
    assert question.type == "single_best"
    assert question.fields["key"] == "label -> draw"


def test_missing_word_puts_a_blank_where_the_block_was():
    question = only(parse("The {~radial =brachial ~carotid} artery is used for BP."))
    assert question.stem == "The ____ artery is used for BP."
    assert question.fields["key"] == "brachial"


def test_partial_credit_keeps_the_full_answer_with_a_warning():
    result = parse("Site?{~%50%Wrist =Radial artery ~Neck}")
    assert only(result).fields["key"] == "Radial artery"
    assert messages(result, warning=True) == [
        (1, "partial credit is not imported (only 100% answers are keyed): 'Wrist' 50%")
    ]


def test_unequal_weights_import_as_multiple_response_with_a_warning():
    result = parse("Pick.{~%70%a ~%30%b ~c}")
    assert only(result).fields == {"options": ["a", "b", "c"], "key": ["a", "b"]}
    assert "unequal weights (70%, 30%)" in messages(result, warning=True)[0][1]


def test_short_answer_partial_and_catch_all():
    result = parse("Best animal?{=Frog#Good! =%50%Cat =%0%*#Completely wrong}")
    question = only(result)
    assert question.fields == {"key": ["Frog"]}
    assert question.rationale == "Frog: Good!\nAny other answer: Completely wrong"
    assert messages(result, warning=True)[0][1].endswith("'Cat' 50%")


def test_numerical_forms():
    result = parse(
        "Year?{#1822}\n\nNegative?{#-3.142..-3.141}\n\nPi?{#3.1415:0.0005}\n\n"
        "Close?{#\n=1822:0\n=%50%1822:2#Close.\n~#Way off.}"
    )
    fields = [q.fields for q in result.questions]
    assert fields == [
        {"key": ["1822"], "tolerance": 0.0},
        {"key": ["-3.1415"], "tolerance": 0.0005},
        {"key": ["3.1415"], "tolerance": 0.0005},
        {"key": ["1822"], "tolerance": 0.0},
    ]
    assert result.questions[3].rationale == "1822 ± 2: Close.\nAny other answer: Way off."
    assert messages(result, warning=True) == [
        (7, "partial credit is not imported (only 100% answers are keyed): '1822:2' 50%")
    ]


def test_escapes_and_comments():
    text = (
        "// a comment line\n"
        "::Esc\\:1::[plain]Which is \\{literal\\} and see http://x.org/a?{\n"
        "  ~ \\= 2 + 2 # \\# one\n"
        "  = a\\~b\\\\c\n"
        "  // a comment inside the question\n"
        "  ~ line\\nbreak\n"
        "}"
    )
    question = only(parse(text))
    assert question.source_id == "Esc:1"
    assert question.stem == "Which is {literal} and see http://x.org/a?"
    assert question.fields["options"] == ["= 2 + 2", "a~b\\c", "line break"]
    assert question.fields["key"] == "a~b\\c"
    assert question.rationale == "= 2 + 2: # one"


def test_categories_paths_and_line_numbers():
    text = (
        "$CATEGORY: $course$/top/Admin//Billing/Codes\n\nCPT codes describe procedures.{T}\n\n"
        "$CATEGORY: Clinical\n\nEKG has 12 leads.{T}"
    )
    result = parse(text)
    assert [(q.line, q.category) for q in result.questions] == [
        (3, ("Admin/Billing", "Codes")),
        (7, ("Clinical",)),
    ]


def test_html_is_sanitised_and_plain_text_is_escaped():
    result = parse(
        '[html]<p onclick="x()">Pick <b>one</b><script>alert(1)</script>'
        '<img src="x.png" onerror="alert(2)"></p>{=<i>Radial</i> ~[plain]<b> tag}'
    )
    question = only(result)
    assert question.html is True
    assert "script" not in question.stem and "onerror" not in question.stem
    assert "onclick" not in question.stem and "<img" not in question.stem
    assert question.stem == "<p>Pick <b>one</b></p>"
    assert question.fields == {"options": ["Radial", "&lt;b&gt; tag"], "key": "Radial"}
    assert (1, "file 'x.png' was dropped: media files are not imported yet") in messages(
        result, warning=True
    )
    bank = build_bank(result, slug="x", title="X")
    assert bank.questions[0].stem == "<p>Pick <b>one</b></p>"  # the formatting is kept
    assert [plain_text(o) for o in bank.questions[0].content["options"]] == ["Radial", "<b> tag"]


def test_plain_text_with_angle_brackets_stays_text():
    question = only(parse("[plain]Is 5 <b> 3?{T}"))
    assert (question.html, question.stem) == (False, "Is 5 <b> 3?")


def test_moodle_format_with_tags_is_html_and_plugin_files_are_named():
    result = parse(
        'Listen<a href="@@PLUGINFILE@@/sounds/heart%20beat.mp3">here</a><br>\nWhat is it?{\n'
        '=<img src\\="@@PLUGINFILE@@/img/s1.png" alt\\="">S1 sound\n~Murmur}'
    )
    question = only(result)
    assert question.html is True
    assert "PLUGINFILE" not in question.stem and "here</a>" in question.stem
    assert question.fields["key"] == "S1 sound"
    warned = [m for _, m in messages(result, warning=True)]
    assert "file 'sounds/heart beat.mp3' was dropped: media files are not imported yet" in warned
    assert "file 'img/s1.png' was dropped: media files are not imported yet" in warned


def test_markdown_is_kept_as_plain_text_with_a_warning():
    result = parse("[markdown]Is **tachy-** fast?{T}")
    assert only(result).stem == "Is **tachy-** fast?"
    assert messages(result, warning=True) == [(1, "Markdown text is imported as plain text")]


# --- skipped questions ----------------------------------------------------------------------


def test_unsupported_questions_are_skipped_with_their_lines():
    text = (
        "::essay::Describe hand hygiene.{}\n\n"
        "Read the case below before answering.\n\n"
        "Two answers.{#=5:1 =10:2}\n\n"
        "Wildcard.{=brady*}\n\n"
        "Kept.{T}"
    )
    result = parse(text)
    assert [(s.line, s.kind) for s in result.skipped] == [
        (1, "essay"),
        (3, "description"),
        (5, "numerical"),
        (7, "short answer"),
    ]
    assert len(result.questions) == 1 and result.errors == []


# --- errors and warnings with line numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Ok.{T}\n\nQuestion\n{=a ~b", 4, "never closed"),
        ("Stray } brace {=a}", 1, "without an opening"),
        ("Two blocks {=a} and {=b}", 1, "only one answer block"),
        ("Q?{=a =b ~c}", 1, "2 answers are 100% correct"),
        ("Q?{~a ~b}", 1, "no answer is correct"),
        ("Q?{~%50%a ~%20%b ~c}", 1, "add up to 70%"),
        ("Q?{~%150%a ~b ~c}", 1, "not -100% to 100%"),
        ("Q?{\n=a\n~\n~c}", 3, "empty"),
        ("Q?{=a}\n\nMatch.{\n=a -> 1\n=b 2\n}", 5, "needs '->'"),
        ("Q?{#abc}", 1, "not a number"),
        ("Q?{#5..1}", 1, "greater than its maximum"),
        ("Q?{#5:-1}", 1, "cannot be negative"),
        ("Q?{#=%50%5}", 1, "no numerical answer is 100% correct"),
        ("{=alone}", 1, "no text"),
        ("$CATEGORY: Admin\nForgot the blank line.{T}", 2, "part of the category name"),
    ],
)
def test_broken_questions_are_errors_with_lines(text, line, fragment):
    result = parse(text)
    errors = result.errors
    assert len(errors) == 1, result.problems
    assert errors[0].line == line
    assert fragment in errors[0].message


def test_answer_without_marker_is_a_short_answer_with_a_warning():
    result = parse("Invalid block.\n{anything}")
    assert only(result).fields == {"key": ["anything"]}
    (line, message), *_ = messages(result, warning=True)
    assert line == 2 and "has no '=' or '~' in front" in message


def test_junk_after_the_block_is_reported():
    result = parse('Number?{#3:2}";')
    assert only(result).stem == 'Number?____";'
    assert "only '\";' follows the answer block" in messages(result, warning=True)[0][1]


def test_unclosed_title_warns():
    result = parse("::Title without end {T}")
    assert only(result).stem == "Title without end"
    assert messages(result, warning=True)[0][1].startswith("'::' opens a question title")


def test_good_questions_around_a_bad_one_are_still_read():
    result = parse("A?{T}\n\nB?{~x ~y}\n\nC?{F}")
    assert [q.line for q in result.questions] == [1, 5]
    assert [e.line for e in result.errors] == [3]


# --- encodings and line ends ------------------------------------------------------------------


def test_utf8_bom_and_crlf_keep_line_numbers():
    data = b"\xef\xbb\xbf// c\r\n\r\nQ one?{T}\r\n\r\nQ\r\ntwo?{F}\r\n"
    result = parse_gift(data)
    assert [(q.line, q.stem) for q in result.questions] == [(3, "Q one?"), (5, "Q\ntwo?")]
    assert result.problems == []


def test_cr_only_old_mac_files():
    result = parse_gift(b"A?{T}\r\rB?{F}")
    assert [q.line for q in result.questions] == [1, 3]


def test_cp1252_is_read_with_a_warning():
    data = "\u201cBrady\u201d means slow.{T}".encode("cp1252")
    result = parse_gift(data)
    assert only(result).stem == "\u201cBrady\u201d means slow."
    assert messages(result, warning=True) == [
        (None, "The file is not UTF-8; it was read as cp1252 (Windows Western).")
    ]


def test_utf16_is_read_with_a_warning():
    result = parse_gift("Caf\u00e9?{T}".encode("utf-16"))
    assert only(result).stem == "Caf\u00e9?"
    assert messages(result, warning=True) == [(None, "The file is UTF-16; it was read as such.")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"// only a comment\n",
        b"Plain prose without any answers.\n\nMore prose.",
        b"What is 2+2?\nA. 3\nB. 4\nANSWER: B\n",
        b'<?xml version="1.0"?><quiz></quiz>',
        b"\x00\x01\x02 binary {=a}",
    ],
)
def test_files_that_are_not_gift_raise(data):
    with pytest.raises(ImportFormatError):
        parse_gift(data)


# --- zip packages -----------------------------------------------------------------------------


def make_zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_reads_the_gift_member_and_drops_media():
    data = make_zip(
        {
            "quiz.txt": b'Which sound?<img src="@@PLUGINFILE@@/img/a.png">{=S1 ~S2}',
            "img/a.png": b"\x89PNG fake",
            "__MACOSX/._quiz.txt": b"resource fork",
        }
    )
    result = parse_gift(data, "quiz.zip")
    assert only(result).fields["key"] == "S1"
    assert messages(result, warning=True) == [
        (None, "questions read from 'quiz.txt' in the zip"),
        (None, "file 'img/a.png' in the zip was dropped: media are not imported yet"),
        (1, "file 'img/a.png' was dropped: media files are not imported yet"),
    ]


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        ({"../evil.gift": b"Q?{T}"}, "outside the archive"),
        ({"/etc/q.gift": b"Q?{T}"}, "absolute path"),
        ({"a.png": b"x"}, "exactly one .gift or .txt"),
        ({"a.gift": b"Q?{T}", "b.gift": b"Q?{F}"}, "exactly one .gift or .txt"),
        ({f"m{i}.png": b"" for i in range(501)}, "at most 500"),
        ({"q.gift": b"Q?{T}", "bomb.bin": b"\0" * 5_000_000}, "compressed more than 100"),
    ],
)
def test_unsafe_or_wrong_zips_raise(entries, fragment):
    with pytest.raises(ImportFormatError, match=fragment):
        parse_gift(make_zip(entries), "x.zip")


def test_zip_too_big_when_unpacked_raises():
    data = make_zip({"q.gift": b"Q?{T}", "big.bin": b"\0" * (50 * 1024 * 1024 + 1)})
    with pytest.raises(ImportFormatError, match="more than 50 MB"):
        parse_gift(data, "x.zip")


def test_broken_zip_raises():
    with pytest.raises(ImportFormatError, match="cannot be read"):
        parse_gift(b"PK\x03\x04 truncated", "x.zip")


# --- the real files of the corpus -------------------------------------------------------------

#: file -> (imported, skipped, errors from the parser, errors after build_bank), read by hand.
CORPUS_COUNTS = {
    "fuhrmanator-GIFT-grammar-PEG.js__mcHTMLComment.gift": (1, 0, 0, 0),
    "fuhrmanator-GIFT-grammar-PEG.js__multiLineFeedback1.gift": (2, 0, 0, 0),
    "fuhrmanator-GIFT-grammar-PEG.js__numerical1.gift": (10, 0, 0, 0),
    "fuhrmanator-GIFT-grammar-PEG.js__options1.gift": (14, 0, 0, 0),
    "fuhrmanator-GIFT-grammar-PEG.js__shortAnswerNotMatching.gift": (2, 0, 0, 0),
    "jmvedrine-moodle-qformat_giftmedia__giftmedia_example.zip": (1, 0, 0, 0),
    "moodle__examples.txt": (43, 0, 0, 0),
    "moodle__questions.gift.txt": (8, 1, 0, 0),
    "moodle__questions_in_category.gift.txt": (4, 0, 0, 0),
    "mtommasi-pygiftparser__specials.gift": (3, 0, 0, 0),
    "rgmf-pygiftparser__test5.txt": (40, 0, 0, 0),
}


@needs_corpus
def test_corpus_lists_every_gift_file():
    assert sorted(p.name for p in (CORPUS / "gift").iterdir()) == sorted(CORPUS_COUNTS)


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_corpus_file(name):
    result = parse_gift((CORPUS / "gift" / name).read_bytes(), name)
    imported, skipped, errors, build_errors = CORPUS_COUNTS[name]
    assert (len(result.questions), len(result.skipped), len(result.errors)) == (
        imported,
        skipped,
        errors,
    ), result.problems
    bank = build_bank(result, slug="x", title="X")
    assert len(result.errors) == build_errors, result.errors
    assert len(bank.questions) == imported - build_errors


@needs_corpus
def test_corpus_details():
    gift = CORPUS / "gift"
    questions = parse_gift((gift / "moodle__questions.gift.txt").read_bytes())
    assert [(s.line, s.kind) for s in questions.skipped] == [(2, "essay")]
    colours = next(q for q in questions.questions if q.source_id == "colours")
    assert colours.type == "multiple_response"
    assert colours.fields["key"] == ["yellow", "off-beige"]
    activities = questions.questions[0]
    assert activities.fields["extra_matches"] == ["Chat"]

    zipped = gift / "jmvedrine-moodle-qformat_giftmedia__giftmedia_example.zip"
    media = parse_gift(zipped.read_bytes(), zipped.name)
    assert only(media).fields["options"] == ["a piano", "a harpsichord", "an organ", "a clavichord"]
    assert any("sounds/piano.mp3" in m for _, m in messages(media, warning=True))

    test5 = parse_gift((gift / "rgmf-pygiftparser__test5.txt").read_bytes())
    assert test5.questions[0].category == ("T5", "Apartado-1,2,2.1")
    assert test5.questions[-1].category == ("T5", "Apartado-2.6,2.7")

    special = parse_gift((gift / "mtommasi-pygiftparser__specials.gift").read_bytes())
    assert any("'anything' has no '='" in m for _, m in messages(special, warning=True))

    options = parse_gift((gift / "fuhrmanator-GIFT-grammar-PEG.js__options1.gift").read_bytes())
    control = next(q for q in options.questions if q.source_id == "GIFT Control Characters")
    assert control.fields["options"] == ["~", "=", "#", "{", "}", "\\"]
    assert control.fields["key"] == "\\"


# --- hostile input ----------------------------------------------------------------------------

GIFT_ALPHABET = st.sampled_from(
    [*"{}~=#:%->[]\\/$\n\r\t .0123456789abTF", "::", "//", "####", "->", "..", "\\n",
     "$CATEGORY:", "[html]", "[markdown]", "<img src=x>", "@@PLUGINFILE@@/", "TRUE", "%50%"]
)  # fmt: skip


def check_contract(data: bytes, filename: str = "") -> None:
    assert_import_contract(parse_gift, data, filename, check_lines=True)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes(data):
    check_contract(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=1000), st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]))
def test_fuzz_arbitrary_text(text, encoding):
    check_contract(text.encode(encoding, errors="replace"))


@settings(max_examples=200, deadline=None)
@given(st.lists(GIFT_ALPHABET, max_size=200).map("".join))
def test_fuzz_gift_like_text(text):
    check_contract(text.encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_fuzz_bytes_named_zip(data):
    check_contract(b"PK\x03\x04" + data, "x.zip")


@pytest.mark.parametrize(
    ("escaped", "literal"),
    [
        ("\\~", "~"),
        ("\\=", "="),
        ("\\#", "#"),
        ("\\{", "{"),
        ("\\}", "}"),
        ("\\:", ":"),
        ("\\%", "%"),
        ("\\\\", "\\"),
        ("\\n", "\n"),
    ],
)
def test_every_gift_escape_gives_its_character(escaped, literal):
    question = only(parse(f"::t:: Stem a{escaped}b {{=yes a{escaped}b ~no ####Feed a{escaped}b}}"))
    assert question.stem == f"Stem a{literal}b"
    assert question.rationale == f"Feed a{literal}b"
    # An option is one line: a line break in it becomes a space.
    assert question.fields["options"][0] == f"yes a{literal.replace(chr(10), ' ')}b"
