"""Find a file's format from its content (the name only breaks ties) and run its importer."""

import io
import re
import zipfile
from typing import Protocol

from quizapp.banks.importers import aiken, gift, moodle_xml, qti, spreadsheet, text2qti
from quizapp.banks.importers.base import ImportFormatError, ImportResult, decode_text


class Importer(Protocol):
    def __call__(
        self, data: bytes, filename: str = "", *, max_questions: int | None = None
    ) -> ImportResult: ...


IMPORTERS: dict[str, Importer] = {
    "gift": gift.parse_gift,
    "aiken": aiken.parse_aiken,
    "moodle_xml": moodle_xml.parse_moodle_xml,
    "qti": qti.parse_qti,
    "spreadsheet": spreadsheet.parse_spreadsheet,
    "text2qti": text2qti.parse_text2qti,
}
FORMAT_LABELS = {
    "native": "MA Exam Prep YAML/JSON",
    "gift": "Moodle GIFT",
    "aiken": "Aiken",
    "moodle_xml": "Moodle XML",
    "qti": "IMS QTI (1.2, 2.x, 3.0)",
    "spreadsheet": "CSV / TSV / Excel",
    "text2qti": "text2qti",
}

_XML_ROOT = re.compile(r"<(?!\?|!)([\w:-]+)")
# "ANSWER: B", as the Aiken importer reads it: any case, the letter perhaps followed by . or ).
_AIKEN_ANSWER = re.compile(r"^[ \t]*ANSWER[ \t]*:[ \t]*[A-Za-z][ \t]*[).]?[ \t]*$", re.M | re.I)
_TEXT2QTI_QUESTION = re.compile(r"^\d+\.\s+\S", re.M)
_TEXT2QTI_CHOICE = re.compile(r"^\s*(\*?[a-z]\)|\[\*?\s?\]|\*|=)\s", re.M)
# text2qti's own header lines ("Quiz title:", "GROUP" blocks) name the format outright.
_TEXT2QTI_HEADER = re.compile(r"^(Quiz title:|Quiz description:|GROUP\s*$)", re.M)
# D2L's "NewQuestion,MC" rows and Blackboard's tab-delimited "MC<TAB>question" rows.
_SPREADSHEET_ROWS = re.compile(
    r"^(NewQuestion\s*[,;\t]|(MC|MA|TF|FIB|MAT|ORD|ESS|NUM|SR|OP|JUMBLED_SENTENCE|FIB_PLUS|QUIZ_BOWL)\t)",
    re.M,
)
# An answer block ({=right ~wrong}, {#3.5:0.1}, {T}), a category or a ::title::. An escaped \{
# or LaTeX's \mathbf{F} in a text2qti file is not a block.
_GIFT_BLOCK = re.compile(
    r"(?<!\\)\{\s*[=~#]|(?<![\\\w])\{\s*(?:T|F|TRUE|FALSE)\s*(?:#[^{}]*)?\}"
    r"|\$CATEGORY:|::[^:]+::"
)


def _zip_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except zipfile.BadZipFile as exc:
        raise ImportFormatError("the file looks like a zip archive but cannot be opened") from exc


def detect_format(data: bytes, filename: str = "") -> str:
    """Name the importer for this content.

    :raises ImportFormatError: when no supported format matches.
    """
    name = filename.lower()
    if not data or data.isspace():
        raise ImportFormatError("the file is empty")
    if name.endswith((".doc", ".docx")):
        raise ImportFormatError(
            "a Word document cannot be read: save it as plain text (.txt) with the questions in "
            "Aiken or GIFT layout, or copy them into a spreadsheet (see the import help)"
        )
    if data.startswith(spreadsheet.OLE_MAGIC) or name.endswith(".xls"):
        return "spreadsheet"  # an old Excel workbook: its importer says how to save it
    if data.startswith(b"PK\x03\x04"):
        names = _zip_names(data)
        if any(n.startswith("xl/") for n in names):
            return "spreadsheet"
        if any(n.lower().endswith((".yaml", ".yml", ".json")) and "/" not in n for n in names):
            return "native"  # our bank file with its media folder
        if any(n.lower().endswith((".gift", ".txt")) for n in names) and not any(
            n.lower().endswith(".xml") for n in names
        ):
            return "gift"
        return "qti"
    text, _ = decode_text(data[:200_000])
    stripped = text.lstrip()
    if stripped.startswith("<"):
        root = _XML_ROOT.search(re.sub(r"<!--.*?-->", "", stripped, flags=re.S))
        tag = root.group(1).split(":")[-1].lower() if root else ""
        if tag == "quiz":
            return "moodle_xml"
        if tag in {"questestinterop", "assessmentitem", "qti-assessment-item", "assessmenttest",
                   "qti-assessment-test", "manifest"}:  # fmt: skip
            return "qti"
        raise ImportFormatError(f"XML with a <{tag}> root is not a question format we read")
    if re.match(r"(format\s*:\s*1\b|\{\s*\"format\"\s*:\s*1\b)", stripped):
        return "native"
    if name.endswith((".csv", ".tsv", ".xlsx")) or _SPREADSHEET_ROWS.search(text):
        return "spreadsheet"
    if _AIKEN_ANSWER.search(text):
        return "aiken"
    if _TEXT2QTI_HEADER.search(text):
        return "text2qti"
    if _GIFT_BLOCK.search(text):
        return "gift"
    if _TEXT2QTI_QUESTION.search(text) and _TEXT2QTI_CHOICE.search(text):
        return "text2qti"
    first_line = stripped.split("\n", 1)[0]
    if first_line.count(",") >= 2 or first_line.count("\t") >= 2 or first_line.count(";") >= 2:
        return "spreadsheet"
    raise ImportFormatError(
        "The format of this file was not recognised. Supported: "
        + ", ".join(FORMAT_LABELS.values())
        + ". Choose the format explicitly if it is one of these."
    )
