"""The native bank and blueprint files: round trip and every validation error with its line."""

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from quizapp.banks.loader import BankFileError, parse_bank, parse_blueprint
from tests.conftest import bank_yaml, blueprint_yaml

SHIPPED = Path(__file__).parents[2] / "question_banks"

HEADER = """\
format: 1
bank: {id: demo, title: Demo}
topics:
  - id: body
    title: Body
    topics:
      - {id: prefixes, title: Prefixes}
questions:
"""


def problems_of(questions_yaml: str) -> list[str]:
    text = HEADER + textwrap.dedent(questions_yaml)
    with pytest.raises(BankFileError) as excinfo:
        parse_bank(text, "demo.yaml")
    return [str(p) for p in excinfo.value.problems]


GOOD = """\
  - id: q1
    type: single_best
    topic: prefixes
    difficulty: easy
    stem: What does brady- mean?
    options: [slow, fast, painful]
    key: slow
    rationale: Brady- means slow.
"""


def test_round_trip_of_every_type():
    text = HEADER + textwrap.dedent(
        GOOD
        + """\
  - {id: q2, type: multiple_response, topic: body, difficulty: medium, stem: Pick the bones.,
     options: [femur, aorta, tibia], key: [femur, tibia], rationale: "Femur and tibia are bones."}
  - {id: q3, type: true_false, topic: body, difficulty: easy, stem: The heart has four chambers.,
     key: true, rationale: Two atria and two ventricles.}
  - {id: q4, type: fill_in_blank, topic: body, difficulty: hard, stem: "38 °C in °F?",
     key: ["100.4"], tolerance: 0.1, rationale: "(38 * 9/5) + 32 = 100.4."}
  - {id: q5, type: matching, topic: prefixes, difficulty: medium, stem: Match the prefixes.,
     pairs: [[brady-, slow], [tachy-, fast]], extra_matches: [around], rationale: As named.}
  - {id: q6, type: ordering, topic: body, difficulty: hard, stem: "Order of draw?",
     items: [light blue, lavender, gray], rationale: "Citrate, then EDTA, then fluoride."}
"""
    )
    bank = parse_bank(text, "demo.yaml")
    assert bank.slug == "demo"
    assert [t.slug for t in bank.topics] == ["body", "prefixes"]
    assert bank.topics[1].parent_slug == "body"
    assert [q.type for q in bank.questions] == [
        "single_best",
        "multiple_response",
        "true_false",
        "fill_in_blank",
        "matching",
        "ordering",
    ]
    assert bank.questions[0].content["key"] == 0
    assert bank.questions[0].line == 9
    # JSON with the same structure reads the same.
    assert parse_bank(json.dumps(yaml.safe_load(text)), "demo.json") == parse_bank(text, "x")


def test_fingerprint_changes_with_content_only():
    first = parse_bank(bank_yaml(n_questions=2)).questions[0]
    again = parse_bank(bank_yaml(n_questions=2)).questions[0]
    assert first.fingerprint() == again.fingerprint()
    edited = parse_bank(bank_yaml(n_questions=2).replace("Right 1 is right", "Right 1 is correct"))
    assert edited.questions[0].fingerprint() != first.fingerprint()


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        (GOOD + GOOD.replace("What does", "Meaning of"), "demo.yaml:17: question q1: duplicate id"),
        (GOOD + GOOD.replace("q1", "q2").replace("mean?", "mean"), "question q2: duplicate stem"),
        (GOOD.replace("    key: slow\n", ""), "question q1: missing field 'key'"),
        (
            GOOD.replace("key: slow", "key: slowly"),
            "demo.yaml:15: question q1: key 'slowly' is not",
        ),
        (GOOD.replace("key: slow", "key: [slow, fast]"), "needs exactly one key, not 2"),
        (GOOD.replace("Brady- means slow.", '""'), "demo.yaml:16: question q1: rationale is empty"),
        (GOOD.replace("topic: prefixes", "topic: suffixes"), "unknown topic 'suffixes'"),
        (GOOD.replace("single_best", "essay"), "type: 'essay' is not one of"),
        (GOOD.replace("difficulty: easy", "difficulty: tricky"), "'tricky' is not one of"),
        (
            GOOD.replace("[slow, fast, painful]", "[slow, fast, no]"),
            "False is not text; put it in quotes",
        ),
        (GOOD + "    colour: red\n", "unknown field: 'colour'"),
        (GOOD + "    pairs: [[a, b], [c, d]]\n", "'pairs' does not belong to a single_best"),
        (GOOD + "    key: fast\n", "demo.yaml:17: 'key' appears twice"),
        (GOOD.replace("id: q1", "id: q 1"), "does not match"),
    ],
)
def test_validation_errors_name_file_line_and_question(questions, expected):
    assert any(expected in p for p in problems_of(questions)), problems_of(questions)


def test_malformed_yaml_reports_its_line():
    found = problems_of(GOOD + "  - id: [unclosed\n")
    assert len(found) == 1 and found[0].startswith("demo.yaml:") and "malformed YAML" in found[0]


def test_every_problem_is_reported_not_just_the_first():
    bad = GOOD.replace("key: slow", "key: slowly") + GOOD.replace("q1", "q2").replace(
        "Brady- means slow.", '""'
    ).replace("What does", "Tell me what")
    assert len(problems_of(bad)) == 2


def test_unknown_topic_in_tree_and_duplicate_topic_ids():
    text = HEADER.replace("{id: prefixes, title: Prefixes}", "{id: body, title: Again}") + GOOD
    with pytest.raises(BankFileError) as excinfo:
        parse_bank(text, "demo.yaml")
    assert "topic id 'body' appears twice" in str(excinfo.value)


def test_not_a_bank_at_all():
    with pytest.raises(BankFileError, match="missing field 'questions'"):
        parse_bank("format: 1\nbank: {id: x, title: X}\ntopics: [{id: a, title: A}]\n", "x.yaml")
    with pytest.raises(BankFileError, match=r"x\.yaml"):
        parse_bank("just a string", "x.yaml")


def test_blueprint_round_trip_and_segment_checks():
    blueprint = parse_blueprint(blueprint_yaml(questions=4))
    assert blueprint.question_count == 4
    assert blueprint.sections[0].bank_slug == "demo"
    text = blueprint_yaml(questions=4).replace(
        "sections:", "segments: [{title: A, minutes: 5, questions: 3}], sections:"
    )
    with pytest.raises(BankFileError) as excinfo:
        parse_blueprint(text, "bp.yaml")
    message = str(excinfo.value)
    assert "segments hold 3 questions but the sections draw 4" in message
    assert "do not add up to time_limit_minutes" in message


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_banks_are_valid(path):
    def read_media(src: str) -> bytes:  # the loader allows only media/<plain name>
        return (path.parent / src).read_bytes()

    parse_bank(path.read_text(encoding="utf-8"), str(path), read_media)


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("blueprints/*.yaml")), ids=lambda p: p.name)
def test_shipped_blueprints_are_valid(path):
    parse_blueprint(path.read_text(encoding="utf-8"), str(path))


def test_blueprint_adaptive_settings_defaults_overrides_and_checks():
    def adaptive(value: str):
        text = blueprint_yaml(questions=200).replace("sections:", f"adaptive: {value}, sections:")
        return parse_blueprint(text, "bp.yaml").adaptive

    assert parse_blueprint(blueprint_yaml(questions=4)).adaptive is None
    assert adaptive("false") is None
    assert adaptive("true") == {
        "min_items": 60,
        "max_items": 150,
        "confidence": 0.95,
        "time_limit_minutes": 8,  # the form's pace: 10 minutes for 200 questions
    }
    assert adaptive("{max_items: 100, confidence: 0.9}") == {
        "min_items": 60,
        "max_items": 100,
        "confidence": 0.9,
        "time_limit_minutes": 5,
    }
    for bad, message in [
        ("{min_items: 90, max_items: 80}", "min_items (90) is more than max_items (80)"),
        ("{confidence: 1.5}", "adaptive"),
        ("{minimum: 3}", "minimum"),
    ]:
        with pytest.raises(BankFileError) as excinfo:
            adaptive(bad)
        assert message in str(excinfo.value)


def test_the_shipped_cma_mock_exam_offers_the_adaptive_check():
    path = SHIPPED / "blueprints" / "cma-mock-exam.yaml"
    settings = parse_blueprint(path.read_text(encoding="utf-8"), str(path)).adaptive
    assert settings == {
        "min_items": 60,
        "max_items": 150,
        "confidence": 0.95,
        "time_limit_minutes": 120,
    }
