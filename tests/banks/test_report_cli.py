"""`flask banks report` and the likely-enemy warnings of `flask banks check`."""

from pathlib import Path

from tests.unit.test_bank_audit import BLUEPRINT, FILLER, RESERVOIR, bank_text, question

SHIPPED = Path(__file__).parents[2] / "question_banks"


def write_banks(folder: Path) -> None:
    (folder / "blueprints").mkdir()
    (folder / "blueprints" / "mock.yaml").write_text(BLUEPRINT)
    reservoir = question("a1", "vitals", RESERVOIR, ["Reservoir", "Vector", "Host"], "Reservoir")
    (folder / "one.yaml").write_text(
        bank_text("one", [reservoir.replace("tags: []", 'tags: ["reviewed:2024-01-02"]'), *FILLER])
    )
    twin = question(
        "b1",
        "vitals",
        RESERVOIR.replace("Which", "What"),
        ["Reservoir", "Vector", "Host"],
        "Reservoir",
    )
    (folder / "two.yaml").write_text(bank_text("two", [twin]))


def test_report_prints_the_figures_and_flags_shallow_sections(runner, tmp_path):
    write_banks(tmp_path)
    result = runner.invoke(args=["banks", "report", "--dir", str(tmp_path), "--stale"])
    assert result.exit_code == 0, result.output
    assert "one: Bank one" in result.output
    assert "  items 7; application 0 (0.0 %), recall 6, no cognitive tag 1" in result.output
    assert "  without a source: 0" in result.output
    assert "    a1 reviewed 2024-01-02" in result.output
    assert (
        "blueprint mock / Admin: draws 3 from 6 (2.0x; 6 after enemy groups)  < 3x" in result.output
    )


def test_report_refuses_files_with_problems(runner, tmp_path):
    write_banks(tmp_path)
    (tmp_path / "two.yaml").write_text("format: 1\nbank: {id: two}\n")
    result = runner.invoke(args=["banks", "report", "--dir", str(tmp_path)])
    assert result.exit_code != 0 and "flask banks check" in result.output


def test_check_warns_about_likely_enemies_without_failing(runner, tmp_path):
    write_banks(tmp_path)
    result = runner.invoke(
        args=["banks", "check", str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert "warning: one:a1 and two:b1 may test the same fact" in result.output


def test_report_on_the_shipped_banks_has_every_source(runner):
    result = runner.invoke(args=["banks", "report", "--dir", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert result.output.count("  without a source: 0") == 3
