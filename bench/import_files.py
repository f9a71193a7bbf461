"""Question files of any size in every upload format, for bench/imports.py and the import tests.

Each maker returns (bytes, filename) for `n` single-best-answer questions with feedback, in
categories of 500, so every question is valid and a preview of them can be confirmed.
"""

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

import openpyxl

CATEGORY_SIZE = 500


def gift_file(n: int) -> tuple[bytes, str]:
    lines = []
    for i in range(n):
        if i % CATEGORY_SIZE == 0:
            lines.append(f"$CATEGORY: Bench/Part {i // CATEGORY_SIZE}\n")
        lines.append(
            f"::q{i}:: Which option is right for question {i}? "
            f"{{=right {i} ~wrong {i} ~other {i} ~last {i} ####Right {i} is right.}}\n"
        )
    return "\n".join(lines).encode(), "bench.gift"


def aiken_file(n: int) -> tuple[bytes, str]:
    questions = [
        f"Which option is right for question {i}?\nA) right {i}\nB) wrong {i}\nC) other {i}\n"
        "ANSWER: A\n"
        for i in range(n)
    ]
    return "\n".join(questions).encode(), "bench.txt"


def moodle_xml_file(n: int) -> tuple[bytes, str]:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    for i in range(n):
        if i % CATEGORY_SIZE == 0:
            parts.append(
                '<question type="category"><category>'
                f"<text>$course$/Bench/Part {i // CATEGORY_SIZE}</text></category></question>\n"
            )
        parts.append(
            f'<question type="multichoice"><name><text>q{i}</text></name>'
            f"<questiontext><text>Which option is right for question {i}?</text></questiontext>"
            f"<generalfeedback><text>Right {i} is right.</text></generalfeedback>"
            "<single>true</single>"
            f'<answer fraction="100"><text>right {i}</text></answer>'
            f'<answer fraction="0"><text>wrong {i}</text></answer>'
            f'<answer fraction="0"><text>other {i}</text></answer></question>\n'
        )
    parts.append("</quiz>\n")
    return "".join(parts).encode(), "bench.xml"


def _qti_item(i: int) -> str:
    labels = "".join(
        f'<response_label ident="{ident}"><material><mattext>{escape(text)}</mattext>'
        "</material></response_label>"
        for ident, text in (("a", f"right {i}"), ("b", f"wrong {i}"), ("c", f"other {i}"))
    )
    return (
        f'<item ident="q{i}" title="q{i}"><itemmetadata><qtimetadata><qtimetadatafield>'
        "<fieldlabel>question_type</fieldlabel><fieldentry>multiple_choice_question</fieldentry>"
        "</qtimetadatafield></qtimetadata></itemmetadata><presentation><material>"
        f"<mattext>Which option is right for question {i}?</mattext></material>"
        f'<response_lid ident="response1" rcardinality="Single"><render_choice>{labels}'
        "</render_choice></response_lid></presentation><resprocessing><outcomes>"
        '<decvar maxvalue="100" minvalue="0" varname="SCORE"/></outcomes>'
        '<respcondition continue="No"><conditionvar><varequal respident="response1">a'
        '</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar>'
        '</respcondition></resprocessing><itemfeedback ident="general_fb"><flow_mat><material>'
        f"<mattext>Right {i} is right.</mattext></material></flow_mat></itemfeedback></item>\n"
    )


def qti_file(n: int) -> tuple[bytes, str]:
    sections = []
    for start in range(0, n, CATEGORY_SIZE):
        items = "".join(_qti_item(i) for i in range(start, min(n, start + CATEGORY_SIZE)))
        sections.append(
            f'<section ident="s{start}" title="Part {start // CATEGORY_SIZE}">\n{items}</section>\n'
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop>\n'
        '<assessment ident="bench" title="Bench">\n' + "".join(sections) + "</assessment>\n"
        "</questestinterop>\n"
    )
    return document.encode(), "bench.qti.xml"


def _rows(n: int) -> list[list[str]]:
    return [
        ["type", "question", "option_a", "option_b", "option_c", "correct", "feedback", "category"],
        *(
            [
                "single_best",
                f"Which option is right for row {i}?",
                f"right {i}",
                f"wrong {i}",
                f"other {i}",
                "A",
                f"Right {i} is right.",
                f"Bench > Part {i // CATEGORY_SIZE}",
            ]
            for i in range(n)
        ),
    ]


def csv_file(n: int) -> tuple[bytes, str]:
    return ("\n".join(",".join(row) for row in _rows(n)) + "\n").encode(), "bench.csv"


def xlsx_file(n: int) -> tuple[bytes, str]:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in _rows(n):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "bench.xlsx"


def text2qti_file(n: int) -> tuple[bytes, str]:
    questions = [
        f"{i + 1}.  Which option is right for question {i}?\n... Right {i} is right.\n"
        f"*a)  right {i}\nb)  wrong {i}\nc)  other {i}\n"
        for i in range(n)
    ]
    return ("Quiz title: Bench\n\n" + "\n".join(questions)).encode(), "bench.txt"


def native_file(n: int) -> tuple[bytes, str]:
    parts = [
        "format: 1\nbank:\n  id: bench\n  title: Bench\ntopics:\n"
        "  - id: general\n    title: General\nquestions:\n"
    ]
    parts += [
        f"  - id: q{i}\n    type: single_best\n    topic: general\n    difficulty: medium\n"
        f"    stem: Which option is right for question {i}?\n"
        f"    options: [right {i}, wrong {i}, other {i}]\n    key: right {i}\n"
        f"    rationale: Right {i} is right.\n"
        for i in range(n)
    ]
    return "".join(parts).encode(), "bench.yaml"


#: Every upload format, by the name the registry gives it (the spreadsheet twice: CSV, xlsx).
FILE_MAKERS: dict[str, Callable[[int], tuple[bytes, str]]] = {
    "gift": gift_file,
    "aiken": aiken_file,
    "moodle_xml": moodle_xml_file,
    "qti": qti_file,
    "csv": csv_file,
    "xlsx": xlsx_file,
    "text2qti": text2qti_file,
    "native": native_file,
}
