"""
The results table from a hand-made set of metrics files, checked against hand-computed numbers.

Clean accuracy (%) per run, en de es fr ja ko zh -> avg / enf / non-enf:
  baseline s1  90 80 82 84 70 60 74 -> 540/7 = 77.142857 / 82.0   / 68.0
  baseline s2  92 82 80 86 72 64 70 -> 546/7 = 78.0      / 82.667 / 68.667
  dlfa@3   s1  91 84 83 85 71 62 75 -> 551/7 = 78.714286 / 84.0   / 69.333
  dlfa@3   s2  93 82 85 85 73 62 77 -> 557/7 = 79.571429 / 84.0   / 70.667
  dlfa@9   s1  94 83 86 85 69 66 76 -> 559/7 = 79.857143 / 84.667 / 70.333
  aif      s1  95 85 84 87 75 65 78 -> 569/7 = 81.285714 / 85.333 / 72.667
Two seeds a, b: mean (a + b) / 2, sample std |a - b| / sqrt(2): 2 -> 1.414, 4 -> 2.828,
0.857143 -> 0.606, 0.666667 -> 0.471, 1.333333 -> 0.943, 6 -> 4.243.
"""
import csv
import json
import os

import pytest

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.report.results_files import render_table, write_results
from allennlp_xfuse.report.tables import build_fusion_weight_table, build_tables, summarize
from tests.helpers import ADVERSARIAL, FUSION, RUNS, load_records

HEADER = (
    "| model | seeds | en | de | es | fr | ja | ko | zh | avg | enf | non-enf |\n"
    "| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n"
)

EXPECTED_CLEAN = HEADER + (
    "| baseline | 2 | 91.0 ± 1.4 | 81.0 ± 1.4 | 81.0 ± 1.4 | 85.0 ± 1.4 | 71.0 ± 1.4 "
    "| 62.0 ± 2.8 | 72.0 ± 2.8 | 77.6 ± 0.6 | 82.3 ± 0.5 | 68.3 ± 0.5 |\n"
    "| dlfa@3 | 2 | 92.0 ± 1.4 | **83.0 ± 1.4** | 84.0 ± 1.4 | **85.0 ± 0.0** | **72.0 ± 1.4** "
    "| 62.0 ± 0.0 | **76.0 ± 1.4** | 79.1 ± 0.6 | 84.0 ± 0.0 | 70.0 ± 0.9 |\n"
    "| dlfa@9 | 1 | **94.0** | **83.0** | **86.0** | **85.0** | 69.0 | **66.0** | **76.0** "
    "| **79.9** | **84.7** | **70.3** |\n"
    "| aif | 1 | 95.0 | 85.0 | 84.0 | 87.0 | 75.0 | 65.0 | 78.0 | 81.3 | 85.3 | 72.7 |\n"
)

EXPECTED_DWB_ACCURACY = HEADER + (
    "| baseline | 2 | – | 51.0 ± 1.4 | – | – | 42.0 ± 2.8 | – | – | – | – | – |\n"
    "| dlfa@3 | 1 | – | 60.0 | – | – | – | – | – | – | – | – |\n"
    "| dlfa@9 | 1 | – | **62.0** | – | – | 41.0 | – | – | – | – | – |\n"
)

EXPECTED_DWB_DROP = HEADER + (
    "| baseline | 2 | – | 30.0 ± 0.0 | – | – | 29.0 ± 1.4 | – | – | – | – | – |\n"
    "| dlfa@3 | 1 | – | 24.0 | – | – | – | – | – | – | – | – |\n"
    "| dlfa@9 | 1 | – | **21.0** | – | – | 28.0 | – | – | – | – | – |\n"
)

EXPECTED_DWB_SUCCESS = HEADER + (
    "| baseline | 2 | – | 38.0 ± 2.8 | – | – | 42.0 ± 4.2 | – | – | – | – | – |\n"
    "| dlfa@3 | 1 | – | 30.0 | – | – | – | – | – | – | – | – |\n"
    "| dlfa@9 | 1 | – | **25.0** | – | – | 40.0 | – | – | – | – | – |\n"
)

EXPECTED_CHARNOISE_ACCURACY = HEADER + (
    "| baseline | 1 | 85.0 | – | – | – | – | – | – | – | – | – |\n"
    "| aif | 1 | 93.0 | – | – | – | – | – | – | – | – | – |\n"
)

EXPECTED_CHARNOISE_DROP = HEADER + (
    "| baseline | 1 | 5.0 | – | – | – | – | – | – | – | – | – |\n"
    "| aif | 1 | 2.0 | – | – | – | – | – | – | – | – | – |\n"
)

EXPECTED_FUSION = (
    "| model | step | seeds | en | de | es | fr | ja | ko | zh | avg | enf | non-enf |\n"
    "| :-- | :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n"
    "| dlfa@3 | L3 | 2 | – | 0.320 ± 0.028 | – | – | – | – | – | – | – | – |\n"
    "| dlfa@9 | L9 | 1 | – | 0.200 | – | – | – | – | – | – | – | – |\n"
    "| aif | L9 | 1 | – | 0.100 | – | – | – | – | – | – | – | – |\n"
    "| aif | L6 | 1 | – | 0.200 | – | – | – | – | – | – | – | – |\n"
)


@pytest.fixture
def metrics_files(tmp_path):
    paths = []

    def write(name, data):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        paths.append(str(path))

    for run, (model, family, layer, seed, accuracies) in RUNS.items():
        for language, accuracy in zip(PAWSX_LANGUAGES, accuracies):
            record = {
                "model": model, "family": family, "fusion_layer": layer, "seed": seed,
                "run": run, "language": language, "kind": "clean", "accuracy": accuracy,
                "split": f"pawsx/{language}/test_2k.tsv",
            }
            if language == "de" and run in FUSION:
                record["fusion_weights"] = [
                    {"step": step, "mean": mean, "std": 0.1, "num_tokens": 100}
                    for step, mean in FUSION[run]
                ]
            write(f"{run}.{language}.clean", record)
    for index, (run, language, recipe, target, accuracy, original, success) in enumerate(
        ADVERSARIAL
    ):
        model, family, layer, seed, _ = RUNS[run]
        write(
            f"adv{index}",
            {
                "model": model, "family": family, "fusion_layer": layer, "seed": seed,
                "run": run, "language": language, "kind": "adversarial", "recipe": recipe,
                "target": target, "accuracy": accuracy, "original_accuracy": original,
                "success_rate": success,
            },
        )
    return paths


def test_sample_std_and_single_seed():
    assert summarize([]) is None
    single = summarize([0.5])
    assert single.mean == 0.5 and single.std is None and single.n == 1
    pair = summarize([1.0, 3.0, 5.0])
    assert pair.mean == 3.0 and pair.std == 2.0 and pair.n == 3


def test_tables_are_exactly_the_hand_computed_ones(metrics_files):
    tables = {table.name: table for table in build_tables(load_records(metrics_files))}
    assert list(tables) == [
        "clean_accuracy",
        "adversarial_accuracy/charnoise",
        "drop/charnoise",
        "adversarial_accuracy/deepwordbug",
        "drop/deepwordbug",
        "success_rate/deepwordbug",
    ]
    assert render_table(tables["clean_accuracy"]) == EXPECTED_CLEAN
    assert render_table(tables["adversarial_accuracy/deepwordbug"]) == EXPECTED_DWB_ACCURACY
    assert render_table(tables["drop/deepwordbug"]) == EXPECTED_DWB_DROP
    assert render_table(tables["success_rate/deepwordbug"]) == EXPECTED_DWB_SUCCESS
    assert render_table(tables["adversarial_accuracy/charnoise"]) == EXPECTED_CHARNOISE_ACCURACY
    assert render_table(tables["drop/charnoise"]) == EXPECTED_CHARNOISE_DROP
    assert "shared by all models" in tables["drop/charnoise"].title
    assert "against each model" in tables["drop/deepwordbug"].title

    # full precision behind the rounded cells
    baseline = tables["clean_accuracy"].rows[0]
    assert baseline.cells["avg"].mean == pytest.approx((540 / 7 + 546 / 7) / 2)
    assert baseline.cells["avg"].std == pytest.approx(abs(546 / 7 - 540 / 7) / 2**0.5)
    assert baseline.cells["enf"].mean == pytest.approx((82 + 248 / 3) / 2)
    assert baseline.cells["non-enf"].std == pytest.approx((206 / 3 - 68) / 2**0.5)
    assert baseline.seeds == [1, 2]


def test_fusion_weight_table(metrics_files):
    table = build_fusion_weight_table(load_records(metrics_files))
    assert render_table(table) == EXPECTED_FUSION
    assert table.rows[0].cells["de"].std == pytest.approx(0.04 / 2**0.5)


def test_written_files(metrics_files, tmp_path):
    records = load_records(metrics_files)
    tables = build_tables(records)
    output = tmp_path / "report"
    paths = write_results(str(output), tables, records)
    assert sorted(os.listdir(output)) == ["report.md", "results.csv", "results.json"]

    report = open(paths["report"], encoding="utf-8").read()
    assert EXPECTED_CLEAN in report
    assert "## Attack success rate — deepwordbug (attack against each model) (%)" in report

    with open(paths["csv"], encoding="utf-8") as csv_file:
        rows = list(csv.DictReader(csv_file))
    by_key = {(row["table"], row["model"], row["column"]): row for row in rows}
    en_best = by_key[("clean_accuracy", "dlfa@9", "en")]
    assert float(en_best["mean"]) == pytest.approx(94.0)
    assert en_best["std"] == "" and en_best["n"] == "1" and en_best["best"] == "1"
    de_tie = by_key[("clean_accuracy", "dlfa@3", "de")]
    assert float(de_tie["mean"]) == pytest.approx(83.0)
    assert float(de_tie["std"]) == pytest.approx(2**0.5)
    assert de_tie["best"] == "1"
    assert by_key[("clean_accuracy", "baseline", "en")]["best"] == "0"
    assert ("adversarial_accuracy/deepwordbug", "baseline", "en") not in by_key  # missing cell
    drop = by_key[("drop/deepwordbug", "dlfa@3", "de")]
    assert float(drop["mean"]) == pytest.approx(24.0) and drop["unit"] == "pp"

    document = json.load(open(paths["json"], encoding="utf-8"))
    assert document["columns"] == list(PAWSX_LANGUAGES) + ["avg", "enf", "non-enf"]
    clean = document["tables"][0]
    assert clean["name"] == "clean_accuracy"
    aif = clean["rows"][-1]
    assert aif["model"] == "aif" and aif["cells"]["avg"]["mean"] == pytest.approx(569 / 7)
    assert aif["cells"]["avg"]["std"] is None and aif["cells"]["avg"]["best"] is False
    assert len(document["records"]) == len(metrics_files)


def test_clean_splits_skip_files_without_labels(tmp_path):
    from allennlp_xfuse.report.discovery import find_clean_splits

    # XTREME's layout: an unlabelled test file is preferred by name but cannot be scored
    (tmp_path / "test-de.tsv").write_text("Ein Satz.\tNoch ein Satz.\n", encoding="utf-8")
    (tmp_path / "dev-de.tsv").write_text("Ein Satz.\tNoch ein Satz.\t1\n", encoding="utf-8")
    (tmp_path / "test-fr.tsv").write_text("Une phrase.\tUne autre.\t0\n", encoding="utf-8")
    splits = find_clean_splits(str(tmp_path))
    assert splits == {"de": str(tmp_path / "dev-de.tsv"), "fr": str(tmp_path / "test-fr.tsv")}
