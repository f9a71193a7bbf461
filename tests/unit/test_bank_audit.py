"""Bank audits: likely enemy pairs by text similarity, and the per-bank report's figures."""

from datetime import date

from quizapp.banks.audit import build_report, format_report, likely_enemies
from quizapp.banks.loader import parse_bank, parse_blueprint

TODAY = date(2026, 12, 7)


def question(qid, topic, stem, options, key, tags=(), source="A reference, 1st ed."):
    lines = [
        f"  - id: {qid}",
        "    type: single_best",
        f"    topic: {topic}",
        "    difficulty: easy",
        f'    stem: "{stem}"',
        f"    options: [{', '.join(options)}]",
        f"    key: {key}",
        "    rationale: Because.",
        f"    tags: [{', '.join(tags)}]",
    ]
    if source:
        lines.append(f"    source: {source}")
    return "\n".join(lines)


def bank_text(slug, questions):
    return (
        f"format: 1\nbank: {{id: {slug}, title: Bank {slug}}}\n"
        "topics:\n  - {id: clin, title: Clinical, topics: [{id: vitals, title: Vitals}]}\n"
        "  - {id: admin, title: Admin}\nquestions:\n" + "\n".join(questions) + "\n"
    )


RESERVOIR = "Which term names the place where a pathogen normally lives and multiplies?"
FILLER = [
    question(
        f"f{n}",
        "admin",
        f"Filler question {n} about scheduling topic {n} in the office?",
        [f"alpha{n}", f"beta{n}", f"gamma{n}"],
        f"alpha{n}",
        tags=["cognitive:recall"],
    )
    for n in range(6)
]


def two_banks(first_tags=(), second_tags=()):
    one = bank_text(
        "one",
        [
            question(
                "a1",
                "vitals",
                RESERVOIR,
                ["Reservoir", "Vector", "Host"],
                "Reservoir",
                ["cognitive:recall", *first_tags],
            ),
            *FILLER,
        ],
    )
    two = bank_text(
        "two",
        [
            question(
                "b1",
                "vitals",
                "In the chain of infection, where does a pathogen live and multiply?",
                ["Reservoir", "Portal of exit", "Host"],
                "Reservoir",
                ["cognitive:application", *second_tags],
            ),
            question(
                "b2",
                "admin",
                "Which form does a patient sign to let the insurer pay the provider directly?",
                ["Assignment of benefits", "Release", "Waiver"],
                "Assignment of benefits",
                ["cognitive:recall"],
                source="",
            ),
        ],
    )
    return [parse_bank(one, "one.yaml", today=TODAY), parse_bank(two, "two.yaml", today=TODAY)]


def test_a_pair_across_banks_is_found_and_nothing_else():
    pairs = likely_enemies(two_banks())
    assert [(p.first, p.second) for p in pairs] == [(("one", "a1"), ("two", "b1"))]
    assert pairs[0].same_key and "give both the same enemy: tag" in str(pairs[0])


def test_pairs_already_grouped_are_not_reported():
    assert likely_enemies(two_banks(["enemy:reservoir"], ["enemy:reservoir"])) == []


def test_pairs_read_and_marked_distinct_are_not_reported():
    assert likely_enemies(two_banks(["distinct:b1"], [])) == []
    assert likely_enemies(two_banks([], ["distinct:a1"])) == []
    assert len(likely_enemies(two_banks(["distinct:b2"], []))) == 1  # another question


def test_true_false_keys_are_not_alike_keys():
    statements = [
        f"""  - id: t{n}
    type: true_false
    topic: admin
    difficulty: easy
    stem: "{stem}"
    key: true
    rationale: Because."""
        for n, stem in enumerate(["The femur is a long bone.", "Insulin lowers blood glucose."])
    ]
    assert likely_enemies([parse_bank(bank_text("tf", statements), "tf.yaml")]) == []


BLUEPRINT = (
    "format: 1\nblueprint: {id: mock, title: Mock, time_limit_minutes: 10, passing_percent: 70,"
    " sections: [{bank: one, topic: clin, questions: 1, title: Clinical},"
    " {bank: one, topic: admin, questions: 3, title: Admin}]}\n"
)


def test_the_report_counts_shares_topics_sources_groups_and_depth():
    banks = two_banks(["enemy:reservoir", "reviewed:2025-11-30"], ["enemy:reservoir"])
    report = build_report(banks, [parse_blueprint(BLUEPRINT)], today=TODAY)
    one, two = report.banks
    assert (one.items, one.application, one.recall) == (7, 0, 7)
    assert (two.items, two.application, two.application_share) == (2, 1, 0.5)
    assert one.per_topic == (("vitals", 1), ("admin", 6))
    assert two.without_source == ("b2",) and one.without_source == ()
    assert one.enemy_groups == {"reservoir": ("a1",)} and two.enemy_groups == {"reservoir": ("b1",)}
    assert one.stale_reviews == (("a1", date(2025, 11, 30)),)
    # a1 and b1 share a group across the two banks; every other question is alone on its fact.
    assert "a1" not in one.single_fact and len(one.single_fact) == 6
    assert two.single_fact == ("b2",)
    clinical, admin = report.sections
    assert (clinical.draws, clinical.pool, clinical.distinct, clinical.shallow) == (1, 1, 1, True)
    assert (admin.draws, admin.pool, admin.ratio, admin.shallow) == (3, 6, 2.0, True)
    lines = format_report(report, stale=True)
    assert "  items 2; application 1 (50.0 %), recall 1" in lines
    assert "    a1 reviewed 2025-11-30" in lines
    assert "  facts tested by one question only: 1 (b2 …)" in lines
    assert any(line.startswith("blueprint mock / Admin: draws 3 from 6 (2.0x") for line in lines)
    assert not any("a1 reviewed" in line for line in format_report(report))
