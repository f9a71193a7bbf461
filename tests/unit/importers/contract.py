"""What every importer promises on any input: an ImportResult or its own ImportFormatError."""

from collections.abc import Callable

from quizapp.banks.importers.base import ImportFormatError, ImportResult, build_bank


def assert_import_contract(
    parse: Callable[[bytes, str], ImportResult],
    data: bytes,
    filename: str = "",
    *,
    check_lines: bool = False,
) -> None:
    """Parse `data`; only ImportFormatError may escape, and build_bank must accept the result."""
    try:
        result = parse(data, filename)
    except ImportFormatError:
        return
    assert isinstance(result, ImportResult)
    if check_lines:
        for question in result.questions:
            assert question.line is not None and question.line >= 1
        for problem in result.problems:
            assert problem.line is None or problem.line >= 1
    build_bank(result, slug="x", title="X")
