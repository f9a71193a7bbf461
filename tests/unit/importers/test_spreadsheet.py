"""The spreadsheet importer: our layout, Kahoot, D2L, Blackboard and Moodle-CSV, and the corpus."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank, html_to_text
from quizapp.banks.importers.spreadsheet import parse_spreadsheet
from tests.unit.importers.contract import assert_import_contract

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"

HEADER = "type,question,option_a,option_b,option_c,option_d,correct,feedback,category,difficulty,id"


def parse(text: str, filename: str = "bank.csv") -> ImportResult:
    return parse_spreadsheet(text.encode(), filename)


def by_line(result: ImportResult) -> dict:
    return {q.line: q for q in result.questions}


def errors(result: ImportResult) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in result.errors]


def warnings_of(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems if p.warning]


def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- our layout --------------------------------------------------------------------------------


def test_our_layout_reads_every_type_with_lines_categories_and_ids():
    text = "\n".join(
        [
            HEADER + ",tolerance",
            "single_best,Brady- means?,slow,fast,painful,,A,Brady- is slow.,"
            "Terminology > Prefixes,easy,mt-1,",
            'multiple_response,Surgical suffixes?,-ectomy,-itis,-otomy,-algia,"A, C",Cut.,'
            "Terminology > Suffixes,hard,mt-2,",
            "true_false,The femur is the longest bone.,,,,,TRUE,Yes.,Anatomy,,,",
            "fill_in_blank,38 C in F?,,,,,100.4,Convert.,,medium,,0.1",
            "fill_in_blank,Slow heart rate?,,,,,bradycardia | brady,,,,,",
            "matching,Match prefixes.,brady- -> slow,tachy- -> fast,-> painful,,,Match.,,,,",
            'ordering,Order of draw.,Red,Light blue,Lavender,,"B,A,C",Draw.,,,,',
            "ordering,Steps.,One,Two,Three,,,Steps.,,,,",
            "tf,Option letter as the answer.,True,False,,,B,,,,,",
        ]
    )
    result = parse(text)
    assert result.format == "spreadsheet"
    assert errors(result) == []
    q = by_line(result)
    assert sorted(q) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert q[2].type == "single_best"
    assert q[2].fields == {"options": ["slow", "fast", "painful"], "key": "slow"}
    assert q[2].category == ("Terminology", "Prefixes")
    assert (q[2].difficulty, q[2].source_id, q[2].rationale) == ("easy", "mt-1", "Brady- is slow.")
    assert q[3].fields["key"] == ["-ectomy", "-otomy"]
    assert q[3].difficulty == "hard"
    assert q[4].fields == {"key": True}
    assert q[10].fields == {"key": False}
    assert q[5].fields == {"key": ["100.4"], "tolerance": 0.1}
    assert q[6].fields == {"key": ["bradycardia", "brady"]}
    assert q[7].fields == {
        "pairs": [["brady-", "slow"], ["tachy-", "fast"]],
        "extra_matches": ["painful"],
    }
    assert q[8].fields == {"items": ["Light blue", "Red", "Lavender"]}
    assert q[9].fields == {"items": ["One", "Two", "Three"]}
    assert all(not x.html for x in result.questions)
    bank = build_bank(result, slug="x", title="X")
    assert len(bank.questions) == 9
    assert errors(result) == []


def test_options_cell_with_bars_or_lines_and_multiline_rows_keep_line_numbers():
    text = (
        "Type,Question,Options,Correct\n"
        'mc,"A question\nthat spans two lines","one\ntwo\nthree",B\n'
        'ma,Second?,alpha | beta | gamma,"A,C"\n'
    )
    result = parse(text)
    q = by_line(result)
    assert sorted(q) == [2, 6]  # the first record spans lines 2-5
    assert q[2].stem == "A question\nthat spans two lines"
    assert q[2].fields == {"options": ["one", "two", "three"], "key": "two"}
    assert q[6].fields == {"options": ["alpha", "beta", "gamma"], "key": ["alpha", "gamma"]}


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_delimiter_is_sniffed_and_headers_are_case_insensitive(delimiter):
    rows = [["TYPE", "Question", "Option A", "option-b", "Correct Answer"]]
    rows.append(["tf", "Water boils at 100 C at sea level.", "", "", "true"])
    rows.append(["single_best", "Pick one, please", "x, y", "z", "b"])
    result = parse("\n".join(delimiter.join(r) for r in rows))
    q = by_line(result)
    assert q[2].fields == {"key": True}
    assert q[3].fields == {"options": ["x, y", "z"], "key": "z"}
    assert q[3].stem == "Pick one, please"


def test_unsupported_types_are_skipped_and_bad_rows_are_errors_with_their_line():
    text = "\n".join(
        [
            HEADER,
            "essay,Describe asepsis.,,,,,,,,,",
            'single_best,Two keys?,a,b,c,,"A,B",,,,',
            "single_best,Empty option?,a,b,,,C,,,,",
            "multiple_response,No key?,a,b,c,,,,,,",
            "true_false,Maybe?,yes,no,,,perhaps,,,,",
            'ordering,Bad order?,a,b,c,,"A,B",,,,',
            "matching,No arrow?,a -> 1,b ->,,,,,,,",
            "wibble,Unknown type?,a,b,,,A,,,,",
            ",No type?,a,b,,,A,,,,",
            "single_best,Key text?,first,second,,,second,,,,",
            "single_best,Duplicate options?,same,Same,,,A,,,,",
            "single_best,,a,b,,,A,,,,",
        ]
    )
    result = parse(text)
    assert [(s.line, s.kind) for s in result.skipped] == [(2, "essay")]
    assert [q.line for q in result.questions] == [11]
    assert result.questions[0].fields["key"] == "second"
    lines = [line for line, _ in errors(result)]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    messages = dict(errors(result))
    assert "not 2" in messages[3]
    assert "C names an empty option" in messages[4]
    assert "no correct answer" in messages[5]
    assert "true or false" in messages[6]
    assert "every option letter" in messages[7]
    assert "prompt -> match" in messages[8]
    assert "unknown question type 'wibble'" in messages[9]
    assert "no type" in messages[10]
    assert "appears twice" in messages[12]
    assert "no text" in messages[13]


@pytest.mark.parametrize(
    "header",
    [HEADER, "Question,Option A,Option B,Option C,Option D,Answer"],
)
def test_an_unquoted_comma_that_shifts_the_cells_is_an_error_on_its_line(header):
    width = header.count(",") + 1
    good = ["single_best", "Brady- means?", "fast", "slow", "painful", "hard", "B"]
    shifted = ["single_best", "Tachy- means", " as in tachycardia?", "fast", "slow", "x", "y"]
    if not header.startswith("type"):
        good, shifted = good[1:], shifted[1:]
    rows = [header, ",".join(good + [""] * (width - len(good)))]
    # The row's last cell (the key, or the id) is pushed past the header's last column.
    rows.append(",".join(shifted + [""] * (width - len(shifted)) + ["A"]))
    result = parse("\n".join(rows))
    assert [q.line for q in result.questions] == [2]
    [(line, message)] = errors(result)
    assert line == 3
    assert f"the row has {width + 1} cells but the header {width}" in message
    assert "double quotes" in message


@pytest.mark.parametrize(
    "stem", ["Is a<b and b>c?", "If x < p and y > q, which is larger?", "Is a < b > c?"]
)
def test_comparisons_in_plain_text_are_not_read_as_html(stem):
    result = parse(HEADER + f'\nsingle_best,"{stem}",yes,no,,,A,,,,')
    [question] = result.questions
    assert (question.stem, question.html) == (stem, False)


def test_html_is_sanitised_and_images_are_dropped_with_a_warning():
    stem = (
        '<p>Identify <b>this</b><script>alert(1)</script><img src="ecg.png" onerror="steal()"></p>'
    )
    quoted = stem.replace('"', '""')
    text = f'type,question,a,b,correct,feedback\nmc,"{quoted}",<i>yes</i>,no,A,<em>Because</em>'
    result = parse(text)
    question = result.questions[0]
    assert question.html
    assert "script" not in question.stem and "onerror" not in question.stem
    assert "<b>this</b>" in question.stem
    assert "<img" not in question.stem
    assert question.fields == {"options": ["yes", "no"], "key": "yes"}
    assert any("ecg.png" in w for w in warnings_of(result))
    bank = build_bank(result, slug="x", title="X")
    # build_bank keeps the allowed formatting.
    assert bank.questions[0].stem == "<p>Identify <b>this</b></p>"
    assert bank.questions[0].rationale == "<em>Because</em>"


def test_unknown_and_image_columns_warn():
    result = parse("type,question,a,b,correct,colour,image\nmc,Q?,x,y,A,blue,heart.png\n")
    assert len(result.questions) == 1
    warned = warnings_of(result)
    assert any("'colour' is ignored" in w for w in warned)
    assert any("heart.png" in w and w.startswith("line 2") for w in warned)


def test_difficulty_outside_the_scale_warns_and_uses_medium():
    result = parse("type,question,a,b,correct,difficulty\nmc,Q?,x,y,A,impossible\n")
    assert result.questions[0].difficulty == "medium"
    assert any("impossible" in w for w in warnings_of(result))


def test_utf8_bom_and_crlf():
    data = "\ufefftype,question,a,b,correct\r\nmc,Café?,oui,non,A\r\n\r\nmc,Two?,x,y,B\r\n"
    result = parse_spreadsheet(data.encode("utf-8"), "b.csv")
    assert [q.line for q in result.questions] == [2, 4]
    assert result.questions[0].stem == "Café?"
    assert not result.problems


def test_cp1252_is_read_with_a_warning():
    data = "type,question,a,b,correct\nmc,\u201cQuoted\u201d \u2013 dash?,a,b,A\n".encode("cp1252")
    result = parse_spreadsheet(data, "b.csv")
    assert result.questions[0].stem == "\u201cQuoted\u201d \u2013 dash?"
    assert any("cp1252" in w for w in warnings_of(result))


def test_our_layout_in_xlsx_uses_row_numbers_and_cell_types():
    data = xlsx(
        [
            ["Type", "Question", "Option A", "Option B", "Correct", "Tolerance", "Category"],
            ["tf", "Normal temperature is 37 C.", None, None, True, None, "Vitals"],
            [],
            ["fib", "Adult resting pulse upper limit?", None, None, 100.0, 5.0, "Vitals > Pulse"],
            ["mc", "Pick b", 1.5, 2, "B", None, None],
        ]
    )
    result = parse_spreadsheet(data, "bank.xlsx")
    q = by_line(result)
    assert sorted(q) == [2, 4, 5]
    assert q[2].fields == {"key": True}
    assert q[4].fields == {"key": ["100"], "tolerance": 5.0}
    assert q[4].category == ("Vitals", "Pulse")
    assert q[5].fields == {"options": ["1.5", "2"], "key": "2"}


def test_workbook_cells_read_as_the_teacher_sees_them():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Question", "Option A", "Option B", "Option C", "Answer"])
    sheet.append(["About what share of adults?", 0.5, 0.25, 0.125, "A"])
    sheet.append(["Which date?", dt.datetime(2024, 1, 2), "3/4", "1/4", "B"])
    for cell, number_format in zip(sheet[2][1:4], ("0%", "0%", "0.0%"), strict=True):
        cell.number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    result = parse_spreadsheet(out.getvalue(), "bank.xlsx")
    share, date = result.questions
    assert share.fields == {"options": ["50%", "25%", "12.5%"], "key": "50%"}
    assert date.fields["options"][0] == "2024-01-02"
    assert any(
        p.line == 3 and "Excel turns a typed 1/2 into January 2" in p.message
        for p in result.problems
    )


# --- Kahoot ------------------------------------------------------------------------------------


def kahoot_rows(questions: list[list]) -> list[list]:
    header = [
        None,
        "Question - max 120 characters",
        "Answer 1 - max 75 characters",
        "Answer 2 - max 75 characters",
        "Answer 3 - max 75 characters",
        "Answer 4 - max 75 characters",
        "Time limit (sec) \u2013 5, 10, 20, 30, 60, 90, 120, or 240 secs",
        "Correct answer(s) - choose at least one",
    ]
    intro = [[], [None, "Quiz template"], [None, "Add questions..."], [], [], [], []]
    return [*intro, header, *questions]


def test_kahoot_template_rows_and_float_keys():
    data = xlsx(
        kahoot_rows(
            [
                [1, "Fastest pulse site?", "Radial", "Carotid", None, None, 20.0, 2.0],
                [
                    2,
                    "Which are vital signs?",
                    "Pulse",
                    "Height",
                    "Respirations",
                    "Eye colour",
                    30.0,
                    "1,3",
                ],
                [3, "Bad key?", "a", "b", None, None, 20.0, 3.0],
                [4, None, None, None, None, None, None, None],
                [5, "No key?", "a", "b", None, None, 20.0, None],
            ]
        )
    )
    result = parse_spreadsheet(data, "kahoot.xlsx")
    assert result.format == "kahoot"
    q = by_line(result)
    assert sorted(q) == [9, 10]
    assert q[9].fields == {"options": ["Radial", "Carotid"], "key": "Carotid"}
    assert q[10].type == "multiple_response"
    assert q[10].fields["key"] == ["Pulse", "Respirations"]
    assert any("any one of them" in w for w in warnings_of(result))
    assert [line for line, _ in errors(result)] == [11, 13]


# --- D2L ---------------------------------------------------------------------------------------

D2L = """\
//A comment row,,,,
NewQuestion,MC,,,
ID,MA-1,,,
QuestionText,Which vein is used most for venipuncture?,,,
Difficulty,1,,,
Option,100,Median cubital,,Right
Option,0,Femoral,,
Option,25,Cephalic,,Acceptable
Feedback ,The median cubital is large and stable.,,,
,,,,
NewQuestion,MS,,,
QuestionText,Which are PPE?,,,
Option,1,Gloves,,
Option,0,Stethoscope,,
Option,1,Gown,,
NewQuestion,TF,,,
QuestionText,Hand hygiene comes first.,,,
TRUE,0,,,
FALSE,100,,,
NewQuestion,M,,,
QuestionText,Match the tube to its additive.,,,
Choice,1,Lavender,,
Choice,2,Light blue,,
Match,2,Sodium citrate,,
Match,1,EDTA,,
NewQuestion,O,,,
QuestionText,Order these steps.,,,
Item,Identify the patient,,,
Item,Apply the tourniquet,,,
Item,Insert the needle,,,
NewQuestion,SA,,,
QuestionText,Abbreviation for blood pressure?,,,
Answer,100,BP,,
Answer,100,B.*P,regexp,
NewQuestion,WR,,,
QuestionText,Describe informed consent.,,,
NewQuestion,MC,,,
QuestionText,Two right answers?,,,
Option,100,a,,
Option,100,b,,
"""


def test_d2l_records_map_to_our_types_with_their_lines():
    result = parse(D2L.replace("\n", "\r\n"))
    assert result.format == "d2l"
    q = by_line(result)
    assert sorted(q) == [2, 11, 16, 20, 26, 31]
    assert q[2].fields == {
        "options": ["Median cubital", "Femoral", "Cephalic"],
        "key": "Median cubital",
    }
    assert (q[2].source_id, q[2].difficulty) == ("MA-1", "easy")
    assert q[2].rationale == (
        "The median cubital is large and stable.\nMedian cubital: Right\nCephalic: Acceptable"
    )
    assert q[11].fields == {"options": ["Gloves", "Stethoscope", "Gown"], "key": ["Gloves", "Gown"]}
    assert q[16].fields == {"key": False}
    assert q[20].fields == {
        "pairs": [["Lavender", "EDTA"], ["Light blue", "Sodium citrate"]],
        "extra_matches": [],
    }
    assert q[26].fields == {
        "items": ["Identify the patient", "Apply the tourniquet", "Insert the needle"]
    }
    assert q[31].fields == {"key": ["BP"]}
    assert [(s.line, s.kind) for s in result.skipped] == [(35, "written response")]
    assert [line for line, _ in errors(result)] == [37]
    warned = warnings_of(result)
    assert any(w.startswith("line 8: partial credit (25%)") for w in warned)
    assert any("B.*P" in w for w in warned)
    assert not any("feedback" in w for w in warned)


def test_d2l_option_feedback_in_html_joins_an_html_rationale():
    text = """NewQuestion,TF,,,
QuestionText,Hand hygiene comes first.,,,
TRUE,100,<b>Yes</b> &amp; always,HTML,
FALSE,0,It comes before gloves & after them.,,
Feedback,WHO's five moments.,,,
"""
    (q,) = parse(text).questions
    assert q.html
    assert [line for line in html_to_text(q.rationale).splitlines() if line] == [
        "WHO's five moments.",
        "True: Yes & always",
        "False: It comes before gloves & after them.",
    ]


# --- Blackboard --------------------------------------------------------------------------------


def test_blackboard_rows():
    rows = [
        "MC\tNormal adult pulse?\t60-100\tcorrect\t20-40\tincorrect",
        "MA\tWhich are vital signs?\tPulse\tcorrect\tHeight\tincorrect\tTemperature\tcorrect",
        "TF\tThe radial pulse is at the wrist.\ttrue",
        "MAT\tMatch.\tbrady-\tslow\ttachy-\tfast",
        "ORD\tOrder.\tfirst\tsecond\tthird",
        "FIB\tSlow heart rate is ____.\tbradycardia\tBradycardia",
        "NUM\t98.6 F in C?\t37\t0.1",
        "ESS\tExplain HIPAA.",
        "MC\tTwo right?\ta\tcorrect\tb\tcorrect",
        "XYZ\tUnknown?",
        "MC\tOdd?\ta\tcorrect\tb",
    ]
    result = parse("\n".join(rows) + "\n", "upload.txt")
    assert result.format == "blackboard"
    q = by_line(result)
    assert sorted(q) == [1, 2, 3, 4, 5, 6, 7]
    assert q[1].fields == {"options": ["60-100", "20-40"], "key": "60-100"}
    assert q[2].fields["key"] == ["Pulse", "Temperature"]
    assert q[3].fields == {"key": True}
    assert q[4].fields == {"pairs": [["brady-", "slow"], ["tachy-", "fast"]]}
    assert q[5].fields == {"items": ["first", "second", "third"]}
    assert q[6].fields == {"key": ["bradycardia", "Bradycardia"]}
    assert q[7].fields == {"key": ["37"], "tolerance": 0.1}
    assert [(s.line, s.kind) for s in result.skipped] == [(8, "essay")]
    assert [line for line, _ in errors(result)] == [9, 10, 11]


# --- Moodle CSV plugin -------------------------------------------------------------------------


def test_moodle_csv_plugin_layout():
    text = (
        "questionname,questiontext,A,B,C,D,Answer 1,Answer 2\n"
        "Q1,Which is a vital sign?,Pulse,Height,Weight,Age,A,\n"
        'Q2,"Which are, indeed, fluids?",Blood,Bone,Lymph,Skin,A,C\n'
        "Q3,Extra comma,a,b,c,d,e,A,\n"
        "Q4,No key,a,b,c,d,,\n"
    )
    result = parse(text)
    assert result.format == "moodle_csv"
    q = by_line(result)
    assert q[2].fields == {"options": ["Pulse", "Height", "Weight", "Age"], "key": "Pulse"}
    assert q[2].source_id == "Q1"
    assert q[3].type == "multiple_response"
    assert q[3].fields["key"] == ["Blood", "Lymph"]
    assert q[3].stem == "Which are, indeed, fluids?"
    assert [line for line, _ in errors(result)] == [4, 5]


# --- whole-file failures -----------------------------------------------------------------------


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"just some words\nand more", "no known spreadsheet layout"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"PK\x03\x04 not really a zip", "not a readable"),
        (zip_bytes({"xl/workbook.xml": b"\0" * 1_000_000}), "compressed suspiciously"),
        (zip_bytes({"../evil.xml": b"x", "xl/workbook.xml": b"x"}), "unsafe path"),
        (zip_bytes({"/abs.xml": b"x"}), "unsafe path"),
        (zip_bytes({f"f{i}": b"" for i in range(501)}), "parts"),
        (zip_bytes({"word/document.xml": b"<w/>"}), "not an Excel"),
        (zip_bytes({"xl/workbook.xml": b"<broken"}), "could not be read"),
    ],
)
def test_unreadable_files_raise_import_format_error(data, message):
    with pytest.raises(ImportFormatError, match=message):
        parse_spreadsheet(data, "upload")


# --- corpus ------------------------------------------------------------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared absent")


@corpus
@pytest.mark.parametrize(
    ("name", "layout", "imported", "skipped", "errors_count"),
    [
        ("pacphi-kahoot-quiz-generator__kahoot-quiz-from-csv.xlsx", "kahoot", 16, 0, 0),
        # WR skipped; the O question (2 items) imports as an ordering question.
        ("sojoudian-DQG__Sample_Question_Import_UTF8.csv", "d2l", 6, 1, 0),
        ("GopalSharma-moodle-qformat_csv__sample.csv", "moodle_csv", 10, 0, 0),
        # ESS skipped; the MC row has exactly one "correct" (its text says "Multiple answer").
        ("gsileno-bbquiz__test.2bb", "blackboard", 3, 1, 0),
    ],
)
def test_corpus_counts(name, layout, imported, skipped, errors_count):
    path = CORPUS / "csv" / name
    result = parse_spreadsheet(path.read_bytes(), path.name)
    assert result.format == layout
    assert len(result.questions) == imported
    assert len(result.skipped) == skipped
    assert len(result.errors) == errors_count
    build_bank(result, slug="x", title="X")
    assert len(result.errors) == errors_count


@corpus
def test_corpus_details():
    d2l = parse_spreadsheet(
        (CORPUS / "csv/sojoudian-DQG__Sample_Question_Import_UTF8.csv").read_bytes()
    )
    assert d2l.errors == []
    assert {q.line: q.type for q in d2l.questions} == {
        24: "fill_in_blank",
        39: "matching",
        58: "single_best",
        74: "true_false",
        89: "multiple_response",
        106: "ordering",
    }
    kahoot = parse_spreadsheet(
        (CORPUS / "csv/pacphi-kahoot-quiz-generator__kahoot-quiz-from-csv.xlsx").read_bytes()
    )
    assert kahoot.questions[0].line == 9
    assert kahoot.questions[1].fields["key"] == kahoot.questions[1].fields["options"][3]
    moodle = parse_spreadsheet(
        (CORPUS / "csv/GopalSharma-moodle-qformat_csv__sample.csv").read_bytes()
    )
    assert moodle.questions[1].type == "multiple_response"
    assert "None ,of the mentioned" in moodle.questions[1].fields["options"]


# --- fuzz --------------------------------------------------------------------------------------


def check_never_crashes(data: bytes) -> None:
    assert_import_contract(parse_spreadsheet, data, "fuzz")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_bytes(data):
    check_never_crashes(data)
    check_never_crashes(b"PK\x03\x04" + data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_fuzz_text(text, encoding):
    check_never_crashes(text.encode(encoding, errors="replace"))


TOKENS = [
    "type", "question", "option_a", "b", "options", "correct", "tolerance", "category",
    "difficulty", "id", "mc", "ma", "tf", "fib", "mat", "ord", "essay", "single_best",
    "matching", "ordering", "A", "A,B", "C", "true", "x -> y", "-> z", "<img src=a>", "<p>",
    "1", "2.5", "-1", "nan", "a|b", "NewQuestion", "Option", "Answer", "Choice", "Match", "Item",
    "TRUE", "FALSE", "100", "0", "regexp", "MC", "MS", "M", "O", "SA", "NUM", "MAT", "ORD",
    "correct", "incorrect", "questionname", "questiontext", "Answer 1", "Answer 2",
    "Question - max", "Answer 1 - max", "Correct answer(s)", "", " ", '"', "\n", ">",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(TOKENS), max_size=10), max_size=15),
    st.sampled_from([",", ";", "\t"]),
)
def test_fuzz_structured_rows(rows, delimiter):
    check_never_crashes("\n".join(delimiter.join(row) for row in rows).encode())


def test_a_cell_far_down_the_sheet_is_not_read_and_reading_stays_fast():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["type", "question", "a", "b", "correct"])
    sheet.append(["mc", "Q?", "x", "y", "A"])
    sheet.cell(row=1_048_576, column=16_384, value="x")
    sheet.cell(row=50_001, column=1, value=None)
    out = io.BytesIO()
    workbook.save(out)
    result = parse_spreadsheet(out.getvalue(), "big.xlsx")
    assert [q.line for q in result.questions] == [2]
    assert "only the first 50000 rows were read" in warnings_of(result)


def test_content_past_the_row_limit_is_refused():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["type", "question", "a", "b", "correct"])
    sheet.cell(row=50_001, column=1, value="mc")
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(ImportFormatError, match="more than 50000 rows"):
        parse_spreadsheet(out.getvalue(), "big.xlsx")


# --- hand-made sheets: no type column ----------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Question,Option A,Option B,Option C,Option D,Answer,Topic,Explanation",
        "question,a,b,c,d,correct,category,rationale",
        "QUESTION TEXT,Choice 1,Choice 2,Choice 3,Choice 4,Correct Answer,Subject,Feedback",
        "Q,choice_a,choice_b,choice_c,choice_d,Key,topic,explanation",
        " Question ;A);B);C);D);Right answer;Topic;Reason",
    ],
)
def test_a_hand_made_sheet_imports_as_single_best(header):
    delimiter = ";" if ";" in header else ","
    rows = [
        header,
        delimiter.join(
            ["Brady- means?", "fast", "slow", "painful", "difficult", "B", "Prefixes", "Slow."]
        ),
        delimiter.join(
            ["Normal adult pulse?", "60-100", "30-50", "120-160", "", "60-100", "Vitals", ""]
        ),
    ]
    result = parse("\n".join(rows))
    assert errors(result) == []
    assert result.format == "spreadsheet"
    assert any("no type column" in w for w in warnings_of(result))
    first, second = result.questions
    assert (first.type, first.fields) == (
        "single_best",
        {"options": ["fast", "slow", "painful", "difficult"], "key": "slow"},
    )
    assert (first.category, first.rationale, first.line) == (("Prefixes",), "Slow.", 2)
    assert second.fields == {"options": ["60-100", "30-50", "120-160"], "key": "60-100"}


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("b", "slow"),
        ("B)", "slow"),
        ("(b)", "slow"),
        ("Option B", "slow"),
        ("choice 3", "painful"),
        ("4", "difficult"),
        ("E.", None),
        ("5", None),
        ("slow", "slow"),
        ("quick", None),
    ],
)
def test_the_answer_is_a_letter_a_number_or_the_option_text(answer, key):
    text = (
        "Question,Option A,Option B,Option C,Option D,Answer\n"
        f"Brady- means?,fast,slow,painful,difficult,{answer}"
    )
    result = parse(text)
    if key is None:
        assert result.questions == [] and errors(result)[0][0] == 2
    else:
        assert errors(result) == [] and result.questions[0].fields["key"] == key


def test_an_option_whose_text_is_a_number_wins_over_the_number():
    text = "Question,A,B,C,Answer\nBreaths per minute at rest?,40,2,16,2"
    (question,) = parse(text).questions
    assert question.fields["key"] == "2"


def test_several_answers_in_a_hand_made_sheet_say_how_to_mark_them():
    result = parse("Question,A,B,C,D,Answer\nSurgical suffixes?,-ectomy,-itis,-otomy,-algia,A C")
    assert result.questions == []
    assert errors(result) == [
        (2, "single_best has one correct answer, not 2 (use multiple_response for several)")
    ]


def test_a_workbook_whose_first_sheet_holds_instructions_says_why_nothing_was_found():
    workbook = openpyxl.Workbook()
    workbook.active.title = "How to fill this in"
    workbook.active.append(["Put one question a row on the next sheet."])
    workbook.create_sheet("Questions").append(["Question", "A", "B", "Answer"])
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(ImportFormatError) as excinfo:
        parse_spreadsheet(out.getvalue(), "bank.xlsx")
    message = str(excinfo.value)
    assert "no known spreadsheet layout found" in message
    assert "only the first worksheet ('How to fill this in') of 2 is read" in message


def test_a_hand_made_sheet_in_xlsx():
    data = xlsx(
        [
            ["Question", "Option A", "Option B", "Option C", "Correct"],
            ["Which is a vital sign?", "Pulse", "Height", "Eye colour", "A"],
            [None, None, None, None, None],
            ["Tachy- means?", "slow", "fast", "painful", "fast"],
        ]
    )
    result = parse_spreadsheet(data, "sheet.xlsx")
    assert errors(result) == []
    assert [(q.line, q.fields["key"]) for q in result.questions] == [(2, "Pulse"), (4, "fast")]


def test_without_an_answer_column_the_layout_is_not_guessed():
    with pytest.raises(ImportFormatError, match=r"Option A, Option B, \.\.\.") as info:
        parse("Question,Option A,Option B\nBrady- means?,slow,fast")
    assert "Answer" in str(info.value)


HAND_MADE_HEADER = ["Question", "Option A", "B", "Choice 3", "option_4", "Answer", "Topic"]
ANSWERS = ["A", "b)", "(C)", "Option D", "choice 2", "1", "5", "10", "E", "A C", "", "x", "0"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=30),
            st.lists(
                st.sampled_from(["", "slow", "fast", "2", "<b>x</b>", "A"]), min_size=4, max_size=4
            ),
            st.one_of(st.sampled_from(ANSWERS), st.text(max_size=5)),
        ),
        max_size=12,
    )
)
def test_fuzz_hand_made_sheets(rows):
    """Any hand-made sheet imports or reports errors by row; a key is always one of the row's
    options."""
    lines = [",".join(HAND_MADE_HEADER)]
    for stem, options, answer in rows:
        cells = [stem, *options, answer, "Topic"]
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
    data = "\n".join(lines).encode()
    check_never_crashes(data)
    result = parse_spreadsheet(data, "sheet.csv")
    for question in result.questions:
        assert question.type == "single_best"
        assert question.fields["key"] in question.fields["options"]
