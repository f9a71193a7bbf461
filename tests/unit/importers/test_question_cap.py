"""Every upload format stops at the question cap, and format errors name their line once."""

import pytest

from bench.import_files import FILE_MAKERS
from quizapp.banks.imports import preview_import


@pytest.mark.parametrize("fmt", FILE_MAKERS)
def test_a_file_at_the_cap_is_previewed(fmt):
    preview = preview_import(*FILE_MAKERS[fmt](10), max_questions=10)
    assert preview.can_import and len(preview.bank.questions) == 10


@pytest.mark.parametrize("fmt", FILE_MAKERS)
def test_one_question_past_the_cap_refuses_the_file_at_that_question(fmt):
    preview = preview_import(*FILE_MAKERS[fmt](11), max_questions=10)
    assert preview.bank is None and len(preview.problems) == 1
    problem = preview.problems[0]
    assert problem.line is not None and problem.line > 10
    assert problem.message.startswith("the file has more than 10 questions")
    assert "Split it into files of at most 10 questions each" in problem.message


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b'<?xml version="1.0"?>\n<quiz><question></quiz>', "broken.xml"),
        (b'<?xml version="1.0"?>\n<questestinterop><item></questestinterop>', "broken.qti"),
    ],
)
def test_xml_errors_name_their_line_once(data, filename):
    (problem,) = preview_import(data, filename).problems
    assert problem.line == 2
    assert str(problem).startswith("line 2: ") and "line 2" not in problem.message
