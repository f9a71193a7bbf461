"""The pure core imports neither Flask nor SQLAlchemy, so it is tested without an app."""

import ast
from pathlib import Path

import pytest

import quizapp

PACKAGE = Path(quizapp.__file__).parent
PURE_MODULES = [
    *sorted((PACKAGE / "scoring").glob("*.py")),
    PACKAGE / "banks" / "loader.py",
    PACKAGE / "banks" / "drawing.py",
    PACKAGE / "auth" / "passwords.py",
    PACKAGE / "auth" / "tokens.py",
    PACKAGE / "numbers.py",
    PACKAGE / "accommodations.py",
    PACKAGE / "exams" / "feedback.py",
]
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "quizapp.extensions")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: p.name)
def test_module_is_pure(path):
    bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN or n in FORBIDDEN}
    assert not bad, f"{path.name} imports {bad}"
