"""
The reduced end-to-end path of the experiment on the tiny model: a sweep (dlfa at two fusion
layers, baseline, aif) -> `xfuse-report` on the sample's clean splits and adversarial splits ->
the dlfa layer chosen on English dev, comparisons on identical inputs (transfer, union) with
confidence intervals and paired tests, per-example predictions, tables, plots and cache;
`xfuse-inspect` on the aif archive.
"""
import csv
import json
import os
from pathlib import Path

import pytest

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.report.evaluation import ArchiveEvaluation
from allennlp_xfuse.report.predictions import correctness
from allennlp_xfuse.report.statistics import align, mcnemar_exact
from tests.helpers import assert_png, run_subcommand, tiny_sweep, write_adversarial_split


@pytest.fixture(scope="module")
def sweep_dir(tiny_model_dir, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("sweep")
    tiny_sweep(tiny_model_dir, str(directory), layers=(1, 2), include=("baseline", "aif"))
    return directory


@pytest.fixture(scope="module")
def adversarial_dir(sample_dir, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("adv")
    for language in ("de", "ja"):
        write_adversarial_split(sample_dir, language, directory / "shared" /
                                f"{language}.charnoise.jsonl", "charnoise", ["perturbed"])
    # an attack against dlfa_L2_s1, and one against a model that is not among the runs
    write_adversarial_split(sample_dir, "de", directory / "dlfa_L2_s1" / "de.deepwordbug.jsonl",
                            "deepwordbug", ["succeeded", "failed", "skipped", "succeeded"])
    write_adversarial_split(sample_dir, "de", directory / "elsewhere" / "de.deepwordbug.jsonl",
                            "deepwordbug", ["succeeded"])
    # one attack run over two languages' files: one split holding both (against dlfa_L1_s1)
    scratch = tmp_path_factory.mktemp("scratch")
    combined = [
        record
        for language, statuses in (("de", ["failed"]), ("ja", ["succeeded", "failed"]))
        for record in write_adversarial_split(sample_dir, language, scratch / f"{language}.jsonl",
                                              "deepwordbug", statuses)
    ]
    (directory / "dlfa_L1_s1" / "all.deepwordbug.jsonl").parent.mkdir()
    (directory / "dlfa_L1_s1" / "all.deepwordbug.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in combined), encoding="utf-8"
    )
    return directory


def table_section(report: str, title: str) -> str:
    """A table of report.md, from its title to the next heading."""
    start = report.index(f"### {title}")
    end = report.find("\n#", start + 1)
    return report[start:end]


def test_report_evaluates_caches_and_writes_everything(
    sweep_dir, adversarial_dir, sample_dir, tmp_path, capsys
):
    output = tmp_path / "report"
    argv = [str(sweep_dir), "--clean", str(sample_dir), "--adversarial", str(adversarial_dir),
            "--output", str(output)]
    run_subcommand("xfuse-report", *argv)
    printed = capsys.readouterr().out
    # 4 runs x (7 clean + 2 shared); the 2 dlfa runs on English dev (layer selection); every
    # attack on every run (transfer: dlfa_L2_s1's de, "elsewhere"'s de, dlfa_L1_s1's de and ja:
    # 4 x 4); every run on the union of the three German deepwordbug splits (ja has one: none)
    assert "Evaluated 58 archive/split pairs (0 from the cache)." in printed
    assert "## Comparisons on identical inputs" in printed

    report = (output / "report.md").read_text(encoding="utf-8")
    results = json.loads((output / "results.json").read_text(encoding="utf-8"))
    # the dlfa layer is chosen on English dev; the tables show that row only
    [chosen] = results["chosen_layers"]
    assert results["selection_split"] == str(sample_dir / "en" / "dev_2k.tsv")
    assert chosen["model"] in ("dlfa@1", "dlfa@2")
    assert chosen["accuracy"] == max(chosen["candidates"].values())
    label = f"dlfa (L={chosen['fusion_layer']}, chosen on en dev)"
    clean = table_section(report, "Clean accuracy")
    rows = [line for line in clean.splitlines() if line.startswith("| ") and "--:" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| model", "| baseline", f"| {label}",
                                                     "| aif"]
    for row in rows[1:]:
        assert "–" not in row  # every language and average present
        assert row.count("[") == 10  # every cell has its confidence interval
    assert "chosen on the test data, overstates gains" in report

    # identical inputs first, then the per-model attacks, with the reason
    order = [report.index(heading) for heading in (
        "## Comparisons on identical inputs", "### Clean accuracy",
        "### Δ vs baseline — Clean accuracy", "### Adversarial accuracy — charnoise",
        "### Union — deepwordbug", "### Transfer — deepwordbug: accuracy on the examples "
        "produced against dlfa_L2_s1", "## Per-model attacks", "### Attack success rate",
        "## Exploratory", "## Fusion weights")]
    assert order == sorted(order)
    assert "not a like-for-like comparison" in report

    # the union split: written by the report, every source example once, ids unique
    union = [json.loads(line) for line in open(output / "splits" / "union" /
                                                "de.deepwordbug.jsonl", encoding="utf-8")]
    sources = ("dlfa_L2_s1", "elsewhere", "dlfa_L1_s1")
    assert {r["attacked_run"] for r in union} == set(sources)
    assert len({r["id"] for r in union}) == len(union) == 3 * 60

    # per-example predictions: one file per record; the p-values recompute without the models
    by_key = {(r["model"], r["kind"], r["recipe"], r["target"], r["language"]): r
              for r in results["records"]}
    for record in results["records"]:
        lines = open(record["predictions"], encoding="utf-8").read().splitlines()
        assert len(lines) == record["num_examples"]
    baseline = correctness(by_key[("baseline", "clean", None, None, "de")]["predictions"])
    aif_record = by_key[("aif", "clean", None, None, "de")]
    aif = correctness(aif_record["predictions"])
    assert sum(aif.values()) / len(aif) == pytest.approx(aif_record["accuracy"])
    with open(output / "results.csv", encoding="utf-8") as csv_file:
        cells = {(r["table"], r["model"], r["column"]): r for r in csv.DictReader(csv_file)}
    difference = cells[("difference/clean_accuracy", "aif", "de")]
    assert float(difference["p_value"]) == pytest.approx(
        mcnemar_exact(*align(aif, baseline)).p_value)
    assert float(difference["mean"]) == pytest.approx(
        100 * (aif_record["accuracy"] - by_key[("baseline", "clean", None, None, "de")]
               ["accuracy"]))
    assert difference["test"] == "mcnemar_exact" and float(difference["p_adjusted"]) >= float(
        difference["p_value"])

    attack = table_section(report, "Attack success rate — deepwordbug")
    # statuses cycle succeeded, failed, skipped, succeeded: 2 of 3 attacked succeed on average;
    # exact value from the counts in the file
    records = [json.loads(line) for line in
               open(adversarial_dir / "dlfa_L2_s1" / "de.deepwordbug.jsonl", encoding="utf-8")]
    succeeded = sum(r["status"] == "succeeded" for r in records)
    failed = sum(r["status"] == "failed" for r in records)
    if chosen["model"] == "dlfa@2":
        assert f"| {label} | 1 | – | {100 * succeeded / (succeeded + failed):.1f} |" in attack
    else:
        # the two-language split against dlfa_L1_s1: de all failed, ja half succeeded
        assert f"| {label} | 1 | – | 0.0 | – | – | 50.0 | – | – | – | – | – |" in attack
    assert "all.deepwordbug.jsonl` | ja | deepwordbug | dlfa_L1_s1 |" in report
    assert "charnoise (perturbation shared by all models)" in report
    assert "share taken from the lower layer" in report

    de_attack = by_key[("dlfa@2", "adversarial", "deepwordbug", "own", "de")]
    skipped = sum(r["status"] == "skipped" for r in records)
    assert de_attack["original_accuracy"] == pytest.approx((len(records) - skipped) / len(records))
    assert de_attack["num_examples"] == len(records)
    transferred = by_key[("baseline", "adversarial", "deepwordbug", "dlfa_L2_s1", "de")]
    assert transferred["attacked"] == "dlfa_L2_s1" and transferred["original_accuracy"] is None
    aif_clean = by_key[("aif", "clean", None, None, "ja")]
    assert [s["step"] for s in aif_clean["fusion_weights"]] == ["L2", "L1"]
    assert all(0.0 < s["mean"] < 1.0 and s["num_tokens"] > 0 for s in aif_clean["fusion_weights"])
    assert by_key[("baseline", "clean", None, None, "ja")]["fusion_weights"] == []

    # the table's accuracy is the stock `allennlp evaluate`'s on the same pair
    from allennlp.commands.evaluate import evaluate_from_archive

    archive = str(sweep_dir / "dlfa_L2_s1" / "model.tar.gz")
    stock = evaluate_from_archive(archive, str(sample_dir / "de" / "test_2k.tsv"))
    assert by_key[("dlfa@2", "clean", None, None, "de")]["accuracy"] == pytest.approx(
        stock["accuracy"])

    for name in ("accuracy_heatmap", "accuracy_bars", "robustness_drop", "fusion_weights"):
        assert_png(str(output / "plots" / f"{name}.png"))
    assert len(os.listdir(output / "cache")) == 58

    # re-running evaluates nothing; --no-transfer is a subset of the same pairs; a changed
    # split is evaluated again on every model
    run_subcommand("xfuse-report", *argv)
    assert "Evaluated 0 archive/split pairs (58 from the cache)." in capsys.readouterr().out
    run_subcommand("xfuse-report", *argv, "--no-transfer", "--no-plots")
    printed = capsys.readouterr().out
    assert "Evaluated 0 archive/split pairs (41 from the cache)." in printed
    assert "Union" not in printed and "elsewhere" in printed  # left out, and said so
    split = adversarial_dir / "shared" / "ja.charnoise.jsonl"
    os.utime(split, ns=(os.stat(split).st_atime_ns, os.stat(split).st_mtime_ns + 10**9))
    run_subcommand("xfuse-report", *argv)
    assert "Evaluated 4 archive/split pairs (54 from the cache)." in capsys.readouterr().out


def test_fusion_weights_ignore_padding(sweep_dir, sample_dir):
    """1 - W statistics are over real tokens only: batching (hence padding) changes nothing."""
    split = str(sample_dir / "ko" / "test_2k.tsv")
    means = []
    for batch_size in (1, 16):
        evaluation = ArchiveEvaluation(str(sweep_dir / "aif_s1" / "model.tar.gz"),
                                       batch_size=batch_size, step_labels=["L2", "L1"])
        try:
            stats = evaluation.evaluate(split, language="ko").fusion_weights["ko"]
        finally:
            evaluation.close()
        means.append([(s.step, s.num_tokens, s.mean, s.std) for s in stats])
    (steps_1, steps_16) = means
    assert [s[:2] for s in steps_1] == [s[:2] for s in steps_16]
    for one, many in zip(steps_1, steps_16):
        assert one[2] == pytest.approx(many[2], abs=1e-5)
        assert one[3] == pytest.approx(many[3], abs=1e-5)


def test_inspect(sweep_dir, sample_dir, tmp_path, capsys):
    output = tmp_path / "inspect"
    run_subcommand("xfuse-inspect", str(sweep_dir / "aif_s1" / "model.tar.gz"), str(sample_dir),
                   "--output", str(output))
    printed = capsys.readouterr().out
    lines = [line.split() for line in printed.splitlines()]
    table = [line for line in lines if line and line[0] in PAWSX_LANGUAGES]
    assert [(row[0], row[1]) for row in table] == [(lang, step) for lang in PAWSX_LANGUAGES
                                                   for step in ("L2", "L1")]
    header = next(line for line in lines if line and line[0] == "language")
    for column in ("1-W", "median", "q90", "W<0.1", "W>0.9", "|W-W0|", "moved"):
        assert column in header
    # every row has every statistic (the fresh copy comes from the archive's config)
    assert all(len(row) == len(header) - 4 and "-" not in row for row in table)
    saved = json.loads((output / "fusion_weights.json").read_text(encoding="utf-8"))
    assert list(saved["languages"]) == list(PAWSX_LANGUAGES)
    for stats in saved["languages"]["de"]:
        assert stats["channel_min"] <= stats["channel_median"] <= stats["channel_max"]
        assert 0.0 <= stats["saturated"] <= 1.0 and stats["initial_shift"] >= 0.0
        assert stats["initial_mean"] == pytest.approx(0.95, abs=2e-3)
    assert_png(str(output / "fusion_weights.png"))

    with pytest.raises(SystemExit) as exit_info:
        run_subcommand("xfuse-inspect", str(sweep_dir / "baseline_s1" / "model.tar.gz"),
                       str(sample_dir / "de" / "test_2k.tsv"), "--output", str(output))
    assert exit_info.value.code == 2
    assert "no fusion encoder" in capsys.readouterr().err
