"""
The label audit (`allennlp xfuse-audit`, `allennlp_xfuse.report.label_audit`): seeded samples of
the changed pairs, sheets a person marks, the fold into label-preservation rates with a Wilson
interval, and the report's two tables. No model: splits are made from the bundled sample.

Hand computations:
- Wilson 95 % interval for 8 kept of 10 marked, z = 1.959964, z^2 = 3.841459:
  centre = (0.8 + 3.841459 / 20) / (1 + 3.841459 / 10) = 0.992073 / 1.384146 = 0.716740;
  half = z * sqrt(0.8 * 0.2 / 10 + 3.841459 / 400) / 1.384146 = 1.959964 * 0.1600114 / 1.384146
  = 0.226578; interval [0.490162, 0.943318] (the textbook 0.490 to 0.943).
- characters changed: "kitten" -> "sitting" = k/s, e/i, +g = 3; "Winarsky" -> "Winvrsky" = 1;
  `write_adversarial_split` cuts 3 characters off every sentence1, so every changed pair of it
  has 3 characters changed and perturbed_word_ratio 0.1 (10.0 %).
"""
import csv
import json
import random
from pathlib import Path
from typing import Dict, List

import pytest
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.report import build
from allennlp_xfuse.report.discovery import Run
from allennlp_xfuse.report.evaluation import EvaluationResult
from allennlp_xfuse.report.label_audit import (
    audit_path,
    audit_report_sections,
    changed_words,
    characters_changed,
    fold_audit_sheets,
    is_changed,
    pair_characters_changed,
    perturbation_budget,
    read_audit_sheet,
    sample_changed_pairs,
    sheet_names,
    wilson_interval,
)
from allennlp_xfuse.report.model_identity import ModelIdentity
from tests.helpers import run_subcommand, write_adversarial_split

WILSON_8_OF_10 = (0.490162, 0.943318)


def _sheet_lines(path: Path) -> List[str]:
    return path.read_text(encoding="utf-8").splitlines()


def mark(path: Path, marks: List[str]) -> None:
    """Fills `label_kept` of the sheet's first len(marks) rows, as a person would."""
    lines = _sheet_lines(path)
    header_at = next(i for i, line in enumerate(lines) if line.startswith("id\t"))
    for offset, value in enumerate(marks, 1):
        cells = lines[header_at + offset].split("\t")
        cells[-1] = value
        lines[header_at + offset] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def charnoise_split(sample_dir, tmp_path) -> Path:
    path = tmp_path / "adv" / "shared" / "de.charnoise.jsonl"
    write_adversarial_split(sample_dir, "de", path, "charnoise", ["perturbed"])
    return path


def test_sampling_is_seeded_and_takes_only_changed_pairs(sample_dir, tmp_path):
    records = write_adversarial_split(
        sample_dir, "de", tmp_path / "de.dwb.jsonl", "deepwordbug",
        ["succeeded", "failed", "skipped", "perturbed"],
    )
    # a "success" that left the text as it was is no changed pair
    records[0]["sentence1"] = records[0]["original_sentence1"]
    changed = [record for record in records if is_changed(record)]
    assert len(changed) == 29  # 15 succeeded + 15 perturbed of 60, minus the unchanged one
    first = sample_changed_pairs(records, 10, seed=7)
    again = sample_changed_pairs(records, 10, seed=7)
    other = sample_changed_pairs(records, 10, seed=8)
    assert list(first) == ["de"] and len(first["de"]) == 10
    assert [r["id"] for r in first["de"]] == [r["id"] for r in again["de"]]
    assert [r["id"] for r in first["de"]] != [r["id"] for r in other["de"]]
    assert all(is_changed(record) for record in first["de"])
    # split order, so a sheet reads in the split's order
    positions = [records.index(record) for record in first["de"]]
    assert positions == sorted(positions)
    # fewer changed pairs than asked for: all of them
    assert len(sample_changed_pairs(records, 100, seed=7)["de"]) == 29


def test_characters_and_words_changed():
    assert characters_changed("kitten", "sitting") == 3
    assert characters_changed("Winarsky", "Winvrsky") == 1
    assert characters_changed("same", "same") == 0
    assert changed_words("He met Winarsky in 1990 .", "He met Winvrsky in 1990 .") == (
        "Winarsky→Winvrsky"
    )
    assert changed_words("a b c", "a c d") == "-b; +d"
    # no spaces (ja, zh): character by character
    assert changed_words("東京に行った", "東京へ行った") == "に→へ"
    record = {"original_sentence1": "kitten", "sentence1": "sitting",
              "original_sentence2": "Winarsky", "sentence2": "Winvrsky"}
    assert pair_characters_changed(record) == 4


def _levenshtein_by_the_table(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def test_characters_changed_is_the_levenshtein_distance():
    generator = random.Random(1)
    for _ in range(500):
        a = "".join(generator.choice("abä東 ") for _ in range(generator.randint(0, 80)))
        b = list(a)
        for _ in range(generator.randint(0, 5)):
            if b:
                b[generator.randrange(len(b))] = generator.choice("abxy")
        b = "".join(b) + "".join(generator.choice("ab") for _ in range(generator.randint(0, 2)))
        assert characters_changed(a, b) == _levenshtein_by_the_table(a, b), (a, b)
        other = "".join(generator.choice("abä東 ") for _ in range(generator.randint(0, 80)))
        assert characters_changed(a, other) == _levenshtein_by_the_table(a, other), (a, other)


def test_wilson_interval_by_hand():
    low, high = wilson_interval(8, 10)
    assert (low, high) == pytest.approx(WILSON_8_OF_10, abs=1e-6)
    assert wilson_interval(10, 10)[1] == 1.0 and wilson_interval(0, 10)[0] == 0.0


def test_sheet_round_trip_fold_and_report_tables(charnoise_split, tmp_path, capsys):
    sheets = tmp_path / "audit"
    run_subcommand("xfuse-audit", str(charnoise_split), "--sample", "12", "--seed", "3",
                   "--output", str(sheets))
    sheet = sheets / "de.charnoise.de.audit.tsv"
    assert sheet.is_file() and (sheets / "de.charnoise.de.audit.md").is_file()
    assert str(sheet) in capsys.readouterr().out
    lines = _sheet_lines(sheet)
    assert lines[0] == "# xfuse-audit sheet"
    assert lines[1] == f"# split: {charnoise_split.resolve()}"
    header = next(line for line in lines if line.startswith("id\t")).split("\t")
    assert header == ["id", "language", "recipe", "label", "original_sentence1", "sentence1",
                      "original_sentence2", "sentence2", "changed_words", "label_kept"]
    rows = list(csv.DictReader(lines[lines.index("\t".join(header)):], delimiter="\t"))
    assert len(rows) == 12 and all(row["label_kept"] == "" for row in rows)
    assert all(row["original_sentence1"].startswith(row["sentence1"]) for row in rows)
    assert all(row["sentence1"] != row["original_sentence1"] for row in rows)
    assert all(row["changed_words"].startswith("s1: ") for row in rows)

    # 8 kept (in every accepted spelling), 2 changed, 2 left unmarked
    mark(sheet, ["yes", "1", "Yes", " YES ", "1", "yes", "yes", "1", "no", "0"])
    run_subcommand("xfuse-audit", "--fold", str(sheet))
    printed = capsys.readouterr().out
    assert ["charnoise", "de", "12", "10", "8", "2", "80.0", "[49.0,", "94.3]"] in [
        line.split() for line in printed.splitlines()
    ]
    audit = json.loads(Path(audit_path(str(charnoise_split.resolve()))).read_text("utf-8"))
    (group,) = audit["groups"]
    assert (group["recipe"], group["language"]) == ("charnoise", "de")
    assert (group["sampled"], group["marked"], group["kept"], group["unmarked"]) == (12, 10, 8, 2)
    assert group["rate"] == pytest.approx(0.8)
    assert group["interval"] == pytest.approx(WILSON_8_OF_10, abs=1e-6)

    markdown, data = audit_report_sections([str(charnoise_split)])
    assert "## Label preservation (human audit)" in markdown
    assert "| charnoise | de | 10 | 8 | 2 | 80.0 | [49.0, 94.3] |" in markdown
    assert "## Perturbation budget actually used" in markdown
    assert "| charnoise | de | 1 | 60 | 10.0 | 3.0 |" in markdown
    assert data["label_preservation"][0]["kept"] == 8
    assert data["perturbation_budget"][0]["characters_changed"] == pytest.approx(3.0)


def test_bad_mark_names_file_and_line(charnoise_split, tmp_path, capsys):
    sheets = tmp_path / "audit"
    run_subcommand("xfuse-audit", str(charnoise_split), "--sample", "5", "--output", str(sheets))
    sheet = sheets / "de.charnoise.de.audit.tsv"
    mark(sheet, ["yes", "maybe"])
    line = next(i for i, text in enumerate(_sheet_lines(sheet), 1) if text.endswith("\tmaybe"))
    with pytest.raises(ConfigurationError, match=f"{sheet}:{line}: 'maybe'"):
        read_audit_sheet(str(sheet))
    with pytest.raises(SystemExit) as exit_info:
        run_subcommand("xfuse-audit", "--fold", str(sheet))
    assert exit_info.value.code == 2
    assert f"{sheet}:{line}: 'maybe'" in capsys.readouterr().err
    assert not Path(audit_path(str(charnoise_split.resolve()))).exists()


def test_marked_sheet_is_not_overwritten(charnoise_split, tmp_path, capsys):
    sheets = tmp_path / "audit"
    argv = [str(charnoise_split), "--sample", "5", "--output", str(sheets)]
    run_subcommand("xfuse-audit", *argv)
    sheet = sheets / "de.charnoise.de.audit.tsv"
    # an unmarked sheet may be written again (same seed: same sample)
    before = sheet.read_text(encoding="utf-8")
    run_subcommand("xfuse-audit", *argv)
    assert sheet.read_text(encoding="utf-8") == before
    mark(sheet, ["no"])
    marked = sheet.read_text(encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        run_subcommand("xfuse-audit", *argv, "--seed", "99")
    assert exit_info.value.code == 2
    assert "already hold(s) label_kept marks" in capsys.readouterr().err
    assert sheet.read_text(encoding="utf-8") == marked


def test_fold_keeps_other_languages_and_pools_in_budget(sample_dir, tmp_path, capsys):
    split = tmp_path / "adv" / "aif" / "all.deepwordbug.jsonl"
    records = write_adversarial_split(sample_dir, "de", tmp_path / "de.jsonl", "deepwordbug",
                                      ["succeeded", "failed"])
    records += write_adversarial_split(sample_dir, "ja", tmp_path / "ja.jsonl", "deepwordbug",
                                       ["succeeded", "failed"])
    split.parent.mkdir(parents=True)
    split.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    sheets = tmp_path / "audit"
    run_subcommand("xfuse-audit", str(split), "--sample", "4", "--output", str(sheets))
    for language, marks in (("de", ["yes", "yes", "no", "yes"]), ("ja", ["no", "no"])):
        sheet = sheets / f"all.deepwordbug.{language}.audit.tsv"
        mark(sheet, marks)
        run_subcommand("xfuse-audit", "--fold", str(sheet))  # one language at a time
    groups: Dict[str, dict] = {
        group["language"]: group
        for group in json.loads(Path(audit_path(str(split.resolve()))).read_text())["groups"]
    }
    assert (groups["de"]["kept"], groups["de"]["marked"]) == (3, 4)
    assert (groups["ja"]["kept"], groups["ja"]["marked"], groups["ja"]["unmarked"]) == (0, 2, 2)
    budget = perturbation_budget([str(split)])
    assert [(row.language, row.changed) for row in budget] == [("de", 30), ("ja", 30)]
    assert all(row.characters_changed == 3.0 and row.perturbed_word_ratio == 0.1
               for row in budget)


def test_fold_rejects_a_file_that_is_no_sheet(tmp_path):
    other = tmp_path / "notes.tsv"
    other.write_text("id\tsentence1\n1\thello\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="lacks"):
        fold_audit_sheets([str(other)])


def test_report_shows_the_audit_tables(charnoise_split, tmp_path, monkeypatch):
    """`build_report` wiring, with the evaluation replaced: no archive is loaded."""
    sheets = tmp_path / "audit"
    run_subcommand("xfuse-audit", str(charnoise_split), "--sample", "10", "--output", str(sheets))
    sheet = sheets / "de.charnoise.de.audit.tsv"
    mark(sheet, ["yes"] * 8 + ["no"] * 2)
    fold_audit_sheets([str(sheet)])

    run = Run(run_dir=str(tmp_path / "runs" / "baseline"),
              archive=str(tmp_path / "runs" / "baseline" / "model.tar.gz"), name="baseline",
              identity=ModelIdentity(model="baseline", family="baseline", fusion_layer=None,
                                     seed=1))
    monkeypatch.setattr(build, "find_runs", lambda *args, **kwargs: [run])
    monkeypatch.setattr(build, "check_archive", lambda archive: None)
    monkeypatch.setattr(
        build, "evaluate_pairs",
        lambda pairs, cache, **kwargs: [EvaluationResult({"accuracy": 0.5}, 60) for _ in pairs],
    )
    output = build.build_report(["runs"], str(tmp_path / "report"),
                                adversarial_dir=str(tmp_path / "adv"), plots=False)
    report = Path(output.files["report"]).read_text(encoding="utf-8")
    for text in (report, output.tables_markdown):
        assert "| charnoise | de | 10 | 8 | 0 | 80.0 | [49.0, 94.3] |" in text
        assert "| charnoise | de | 1 | 60 | 10.0 | 3.0 |" in text
    results = json.loads(Path(output.files["json"]).read_text(encoding="utf-8"))
    assert results["label_preservation"][0]["interval"] == pytest.approx(WILSON_8_OF_10, abs=1e-6)
    assert results["perturbation_budget"][0]["changed"] == 60


def test_sheet_names_tell_same_named_splits_apart():
    names = sheet_names(["adv/aif/de.deepwordbug.jsonl", "adv/baseline/de.deepwordbug.jsonl",
                         "adv/shared/de.charnoise.jsonl"])
    assert list(names.values()) == ["aif.de.deepwordbug", "baseline.de.deepwordbug",
                                    "de.charnoise"]
