"""Format detection from content, over our own samples and the real corpus."""

from pathlib import Path

import pytest

from quizapp.banks.importers.base import ImportFormatError
from quizapp.banks.importers.registry import detect_format
from quizapp.banks.importers.spreadsheet import parse_spreadsheet

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
EXPECTED_BY_FOLDER = {
    "aiken": "aiken",
    "csv": "spreadsheet",
    "gift": "gift",
    "moodle_xml": "moodle_xml",
    "qti_1.2": "qti",
    "qti_2.x": "qti",
    "qti_3.0": "qti",
    "text2qti": "text2qti",
}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"::q:: Is it? {TRUE}", "gift"),
        (b"$CATEGORY: Terms\n\nWhat? {=a ~b}", "gift"),
        (b"Which?\nA. one\nB. two\nANSWER: A\n", "aiken"),
        (b'<?xml version="1.0"?>\n<quiz><question type="truefalse"/></quiz>', "moodle_xml"),
        (b"\xef\xbb\xbf<questestinterop></questestinterop>", "qti"),
        (b'<qti-assessment-item xmlns="x"/>', "qti"),
        (b"type,question,option_a,option_b,correct\n", "spreadsheet"),
        (b"NewQuestion,MC\nQuestionText,What?\n", "spreadsheet"),
        (b"MC\tWhat?\tslow\tcorrect\tfast\tincorrect\n", "spreadsheet"),
        (b"Quiz title: Terms\n\n1. What?\n*a) slow\nb) fast\n", "text2qti"),
        (b"format: 1\nbank: {id: x, title: X}\n", "native"),
        # Aiken answers as the Aiken importer reads them
        (b"Pick B\nA) one\nB) two\nANSWER: B.\n", "aiken"),
        (b"Pick B\nA) one\nB) two\nANSWER: B)\n", "aiken"),
        (b"pick b\nA) one\nB) two\nanswer: b\n", "aiken"),
        # UTF-16 with its BOM, as Notepad's and Excel's "Unicode" save it
        ("Which?\r\nA. one\r\nB. two\r\nANSWER: A\r\n".encode("utf-16"), "aiken"),
        ('<?xml version="1.0" encoding="UTF-16"?><quiz></quiz>'.encode("utf-16"), "moodle_xml"),
        ("Question\tA\tB\tAnswer\nWhy?\tx\ty\tA\n".encode("utf-16"), "spreadsheet"),
        # braces of LaTeX or escaped ones in a text2qti file are not GIFT answer blocks
        (
            b"1.  Force is $\\mathbf{F} = m\\mathbf{a}$. What is m?\n*a) mass\nb) speed\n",
            "text2qti",
        ),
        (b"Title: Sets\n1.  Is $\\{1, 2\\}$ = $\\{2, 1\\}$?\n*a) yes\nb) no\n", "text2qti"),
        (b"Mary had a little lamb {~big =little ~tiny} whose fleece\n", "gift"),
        (b"Grass is green. {\n  T\n}\n", "gift"),
    ],
)
def test_detection(data, expected):
    assert detect_format(data, "upload") == expected


def test_unknown_content_is_explained():
    with pytest.raises(ImportFormatError, match="not recognised"):
        detect_format(b"just some words", "notes.txt")
    with pytest.raises(ImportFormatError, match="<html> root"):
        detect_format(b"<html><body>hi</body></html>", "page.html")
    with pytest.raises(ImportFormatError, match="cannot be opened"):
        detect_format(b"PK\x03\x04 not really a zip", "x.zip")
    for empty in (b"", b" \r\n\t\n"):
        with pytest.raises(ImportFormatError, match=r"^the file is empty$"):
            detect_format(empty, "bank.gift")
    with pytest.raises(ImportFormatError, match="Word document cannot be read"):
        detect_format(b"PK\x03\x04 a docx", "questions.docx")


def test_an_old_excel_workbook_goes_to_the_importer_that_says_how_to_save_it():
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    assert detect_format(old_excel, "bank.bin") == "spreadsheet"
    with pytest.raises(ImportFormatError, match=r"save the sheet as \.xlsx"):
        parse_spreadsheet(old_excel, "bank.bin")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (a user's own clone)")
def test_every_corpus_file_is_detected_as_its_format():
    wrong = {}
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.parent.name in EXPECTED_BY_FOLDER:
            found = detect_format(path.read_bytes(), path.name)
            if found != EXPECTED_BY_FOLDER[path.parent.name]:
                wrong[path.name] = found
    assert wrong == {}
