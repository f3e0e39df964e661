"""
The report's like-for-like comparisons from hand-made per-example predictions and records:
confidence intervals and significance marks in the tables, the union split of a recipe's
attacks, and the dlfa layer chosen on English dev rather than on test.
"""
import csv
import json
import os

import pytest

from allennlp_xfuse.report import union_split
from allennlp_xfuse.report.discovery import describe_adversarial_split
from allennlp_xfuse.report.layer_selection import (
    choose_fusion_layers,
    exploratory_tables,
    records_for_tables,
)
from allennlp_xfuse.report.predictions import ExamplePrediction, write_predictions
from allennlp_xfuse.report.records import MetricsRecord
from allennlp_xfuse.report.results_files import render_table, write_results
from allennlp_xfuse.report.tables import build_tables, build_transfer_tables
from tests.helpers import write_adversarial_split


def predictions_file(directory, name, correct, ids=None):
    """A predictions file with one example per entry of `correct` (gold label "1")."""
    ids = ids or [f"ex{i}" for i in range(len(correct))]
    path = os.path.join(str(directory), f"{name}.jsonl")
    write_predictions(path, [
        ExamplePrediction(id=example, label="1", predicted="1" if right else "0",
                          correct=bool(right))
        for example, right in zip(ids, correct)
    ])
    return path


def record(model, family, language, correct, directory, kind="clean", layer=None, seed=1,
           **extra):
    run = f"{model}/s{seed}"
    path = predictions_file(directory, f"{model}_{seed}_{kind}_{language}", correct,
                            extra.pop("ids", None))
    return MetricsRecord(model=model, family=family, fusion_layer=layer, seed=seed, run=run,
                         language=language, kind=kind, accuracy=sum(correct) / len(correct),
                         predictions=path, **extra)


# 100 German examples: the baseline gets the first 50 right. dlfa@3 wins 8 of the baseline's
# errors and loses 2 of its successes (McNemar: p = 2 * (1 + 10 + 45) / 1024 = 0.109375);
# aif wins 30 and loses none (p = 2 / 2^30). Holm over the two: 0.109375 and 2^-29 * 2.
BASELINE = [1] * 50 + [0] * 50
DLFA = [1] * 48 + [0] * 2 + [1] * 8 + [0] * 42
AIF = [1] * 50 + [1] * 30 + [0] * 20


def test_intervals_and_significance_marks(tmp_path):
    records = [
        record("baseline", "baseline", "de", BASELINE, tmp_path),
        record("dlfa@3", "dlfa", "de", DLFA, tmp_path, layer=3),
        record("aif", "aif", "de", AIF, tmp_path),
    ]
    tables = {table.name: table for table in build_tables(records)}
    assert list(tables) == ["clean_accuracy", "difference/clean_accuracy"]
    clean = render_table(tables["clean_accuracy"])
    baseline_cell = tables["clean_accuracy"].rows[0].cells["de"]
    assert baseline_cell.ci_low < 50.0 < baseline_cell.ci_high
    assert baseline_cell.ci_high - baseline_cell.ci_low == pytest.approx(20.0, abs=4.0)
    assert (f"| baseline | 1 | – | 50.0 [{baseline_cell.ci_low:.1f}, "
            f"{baseline_cell.ci_high:.1f}] | –") in clean

    difference = tables["difference/clean_accuracy"]
    by_model = {row.model: row for row in difference.rows}
    dlfa, aif = by_model["dlfa@3"].cells["de"], by_model["aif"].cells["de"]
    assert dlfa.mean == pytest.approx(6.0) and dlfa.p_value == pytest.approx(0.109375)
    assert dlfa.test == "mcnemar_exact" and dlfa.p_adjusted == pytest.approx(0.109375)
    assert aif.mean == pytest.approx(30.0) and aif.p_value == pytest.approx(2 / 2**30)
    assert aif.p_adjusted == pytest.approx(2 * 2 / 2**30)
    rendered = render_table(difference)
    assert "| dlfa@3 | 1 | – | +6.0 (p 0.109) | – |" in rendered  # not significant: no mark
    assert "| aif | 1 | – | +30.0 (p < 0.001) * | – |" in rendered
    assert "baseline" not in rendered.split("\n", 2)[2]  # no row compares the baseline to itself

    paths = write_results(str(tmp_path / "report"), list(tables.values()), records)
    with open(paths["csv"], encoding="utf-8") as csv_file:
        rows = {(r["table"], r["model"], r["column"]): r for r in csv.DictReader(csv_file)}
    aif_row = rows[("difference/clean_accuracy", "aif", "de")]
    assert float(aif_row["p_adjusted"]) == pytest.approx(4 / 2**30)
    assert aif_row["significant"] == "1" and aif_row["test"] == "mcnemar_exact"
    assert rows[("difference/clean_accuracy", "dlfa@3", "de")]["significant"] == "0"
    assert float(rows[("clean_accuracy", "baseline", "de")]["ci_low"]) == pytest.approx(
        baseline_cell.ci_low)
    report = open(paths["report"], encoding="utf-8").read()
    assert "percentile bootstrap confidence interval" in report and "Holm" in report


def test_seeds_are_averaged_per_example_and_compared_by_paired_bootstrap(tmp_path):
    records = [
        record("baseline", "baseline", "de", BASELINE, tmp_path, seed=1),
        record("baseline", "baseline", "de", BASELINE[::-1], tmp_path, seed=2),
        record("aif", "aif", "de", AIF, tmp_path, seed=1),
        record("aif", "aif", "de", AIF, tmp_path, seed=2),
    ]
    tables = {table.name: table for table in build_tables(records)}
    baseline = tables["clean_accuracy"].rows[0].cells["de"]
    # both seeds at 50 %; the seed-averaged correctness is 0.5 on every example: no spread
    assert baseline.mean == 50.0 and baseline.std == 0.0
    assert (baseline.ci_low, baseline.ci_high) == (50.0, 50.0)
    aif = tables["difference/clean_accuracy"].rows[0].cells["de"]
    assert aif.test == "paired_bootstrap" and aif.mean == pytest.approx(30.0)
    assert aif.p_value < 0.01


def test_different_examples_are_never_paired(tmp_path, caplog):
    records = [
        record("baseline", "baseline", "de", BASELINE, tmp_path),
        record("aif", "aif", "de", AIF, tmp_path, ids=[f"other{i}" for i in range(100)]),
    ]
    tables = {table.name: table for table in build_tables(records)}
    assert "difference/clean_accuracy" not in tables
    assert "ids differ" in caplog.text


def test_union_split_and_transfer_tables(tmp_path, sample_dir, monkeypatch):
    adversarial = tmp_path / "adv"
    against_a = write_adversarial_split(sample_dir, "de", adversarial / "run_a" / "de.dwb.jsonl",
                                        "deepwordbug", ["succeeded", "failed"])
    against_b = write_adversarial_split(sample_dir, "de", adversarial / "run_b" / "de.dwb.jsonl",
                                        "deepwordbug", ["skipped"])
    write_adversarial_split(sample_dir, "ja", adversarial / "run_a" / "ja.dwb.jsonl",
                            "deepwordbug", ["failed"])  # one run only: no union
    splits = [
        split for path in sorted(adversarial.glob("*/*.jsonl"))
        for split in describe_adversarial_split(str(path), str(adversarial))
    ]
    written = []
    atomic_write_text = union_split.atomic_write_text

    def recording(path, text):
        written.append(path)
        atomic_write_text(path, text)

    monkeypatch.setattr(union_split, "atomic_write_text", recording)
    names = {split.path: split.target for split in splits}
    unions = union_split.write_union_splits(splits, str(tmp_path / "report"), names)
    assert [(u.language, u.recipe, u.target) for u in unions] == [("de", "deepwordbug", "union")]
    path = unions[0].path
    assert written == [path] and path == str(tmp_path / "report" / "splits" / "union" /
                                             "de.deepwordbug.jsonl")
    pooled = [json.loads(line) for line in open(path, encoding="utf-8")]
    ids = [r["id"] for r in pooled]
    assert len(ids) == len(set(ids)) == len(against_a) + len(against_b)
    assert sorted(ids) == sorted([f"run_a/{r['id']}" for r in against_a]
                                 + [f"run_b/{r['id']}" for r in against_b])
    assert {r["attacked_run"] for r in pooled} == {"run_a", "run_b"}
    # unchanged content is not rewritten (the evaluation cache keys on modification times)
    union_split.write_union_splits(splits, str(tmp_path / "report"), names)
    assert written == [path]

    with pytest.raises(ValueError, match="id 'x' appears twice"):
        duplicated = tmp_path / "dup.jsonl"
        duplicated.write_text('{"id": "x", "sentence1": "a", "sentence2": "b", "label": 1}\n' * 2)
        union_split.union_records([("run_c", str(duplicated))])

    # the union table: every model on the pooled examples, with its difference vs baseline
    records = [
        record("baseline", "baseline", "de", BASELINE, tmp_path, kind="adversarial",
               recipe="deepwordbug", target="union"),
        record("aif", "aif", "de", AIF, tmp_path, kind="adversarial", recipe="deepwordbug",
               target="union"),
        record("aif", "aif", "de", AIF, tmp_path, kind="adversarial", recipe="deepwordbug",
               target="baseline_s1", attacked="baseline_s1", seed=2),
    ]
    assert build_tables(records) == []  # union and transfer records are not per-model results
    names = [table.name for table in build_transfer_tables(records)]
    assert names == ["union_accuracy/deepwordbug", "difference/union_accuracy/deepwordbug",
                     "transfer_accuracy/deepwordbug/baseline_s1"]


def test_layer_chosen_on_english_dev_not_on_test(tmp_path):
    records = []
    for model, layer, dev, test in (("dlfa@6", 6, 0.90, 0.70), ("dlfa@9", 9, 0.85, 0.80)):
        for seed in (1, 2):
            records.append(MetricsRecord(model=model, family="dlfa", fusion_layer=layer,
                                         seed=seed, language="en", kind="selection",
                                         accuracy=dev, split="pawsx/en/dev_2k.tsv"))
            for language in ("de", "ja"):
                records.append(MetricsRecord(model=model, family="dlfa", fusion_layer=layer,
                                             seed=seed, language=language, kind="clean",
                                             accuracy=test))
    records += [MetricsRecord(model="baseline", language=language, kind="clean", accuracy=0.75)
                for language in ("de", "ja")]
    [choice] = choose_fusion_layers(records)
    assert (choice.variant, choice.model, choice.fusion_layer) == ("dlfa", "dlfa@6", 6)
    assert choice.accuracy == pytest.approx(0.90)

    clean = build_tables(records_for_tables(records, [choice]))[0]
    assert [row.model for row in clean.rows] == ["baseline", "dlfa (L=6, chosen on en dev)"]
    assert clean.rows[1].cells["de"].mean == pytest.approx(70.0)

    selection, exploratory = exploratory_tables(records, [choice])
    assert [row.model for row in selection.rows] == ["dlfa@6", "dlfa@9"]
    assert selection.rows[0].best == {"en"}
    assert "chosen on the test data, overstates gains" in exploratory.title
    best = [row.model for row in exploratory.rows if "de" in row.best]
    assert best == ["dlfa@9"]

    # a robust-trained sweep is another variant: its layer is chosen among its own runs
    robust = [MetricsRecord(model=f"dlfa@{layer}+robust", family="dlfa", fusion_layer=layer,
                            seed=1, language=language, kind=kind, accuracy=accuracy)
              for layer, dev in ((6, 0.80), (9, 0.88))
              for language, kind, accuracy in (("en", "selection", dev), ("de", "clean", 0.7))]
    choices = choose_fusion_layers(records + robust)
    assert [(c.variant, c.model) for c in choices] == [("dlfa", "dlfa@6"),
                                                       ("dlfa+robust", "dlfa@9+robust")]
    rows = build_tables(records_for_tables(records + robust, choices))[0].rows
    assert [row.model for row in rows] == ["baseline", "dlfa (L=6, chosen on en dev)",
                                           "dlfa+robust (L=9, chosen on en dev)"]

    no_dev = [r for r in records if r.kind != "selection"]
    assert choose_fusion_layers(no_dev) == []
    assert exploratory_tables(no_dev, []) == []
    assert len(records_for_tables(no_dev, [])) == len(no_dev)


def test_attack_settings_are_shown_and_differences_warned(tmp_path, sample_dir):
    from allennlp_xfuse.data.adversarial_split import summary_path, write_summary
    from allennlp_xfuse.report.attack_settings import attack_settings_section

    def attacked(run, budget):
        path = tmp_path / run / "de.deepwordbug.jsonl"
        write_adversarial_split(sample_dir, "de", path, "deepwordbug", ["succeeded"])
        write_summary(summary_path(str(path)), {"settings": {
            "archive_sha256": run, "seed": 13, "query_budget": budget,
            "recipe_params": {"max_candidates": 5}}})
        return describe_adversarial_split(str(path), str(tmp_path))[0]

    same = [attacked("run_a", 100), attacked("run_b", 100)]
    markdown, data = attack_settings_section(same)
    assert '"query_budget": 100' in markdown and "archive_sha256" not in markdown
    assert "Warning" not in markdown and data["attack_settings_warnings"] == {}
    markdown, data = attack_settings_section(same + [attacked("run_c", 200)])
    assert "**Warning**: the deepwordbug splits compared across models were made with " \
           "different settings" in markdown
    assert '"query_budget": 200' in data["attack_settings_warnings"]["deepwordbug"]
    assert attack_settings_section([]) == ("", {})


def test_own_attacks_get_intervals_but_no_paired_test(tmp_path):
    """Attacks made per run: different examples per row (and per seed), so no Δ table."""
    records = [
        record("baseline", "baseline", "de", BASELINE, tmp_path, kind="adversarial",
               recipe="deepwordbug", target="own", ids=[f"b{i}" for i in range(100)]),
        record("aif", "aif", "de", AIF, tmp_path, kind="adversarial", recipe="deepwordbug",
               target="own", seed=1, ids=[f"a1-{i}" for i in range(100)]),
        record("aif", "aif", "de", [1] * 60 + [0] * 40, tmp_path, kind="adversarial",
               recipe="deepwordbug", target="own", seed=2, ids=[f"a2-{i}" for i in range(100)]),
    ]
    tables = {table.name: table for table in build_tables(records)}
    accuracy = tables["adversarial_accuracy/deepwordbug"]
    assert not accuracy.identical_inputs and "different inputs" in accuracy.group
    assert not any(name.startswith("difference/") for name in tables)
    aif = accuracy.rows[1].cells["de"]
    # mean of 80 % and 60 %, each seed's examples resampled on their own
    assert aif.mean == pytest.approx(70.0) and aif.ci_low < 70.0 < aif.ci_high
