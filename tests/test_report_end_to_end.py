"""
The reduced end-to-end path of the experiment on the tiny model: a sweep (dlfa at two fusion
layers, baseline, aif) -> `xfuse-report` on the sample's clean splits and adversarial splits ->
tables, plots and cache; `xfuse-inspect` on the aif archive.
"""
import json
import os
from pathlib import Path

import pytest

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.report.evaluation import ArchiveEvaluation
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
    start = report.index(f"## {title}")
    end = report.find("\n## ", start + 1)
    return report[start:end]


def test_report_evaluates_caches_and_writes_everything(
    sweep_dir, adversarial_dir, sample_dir, tmp_path, capsys
):
    output = tmp_path / "report"
    argv = [str(sweep_dir), "--clean", str(sample_dir), "--adversarial", str(adversarial_dir),
            "--output", str(output)]
    run_subcommand("xfuse-report", *argv)
    printed = capsys.readouterr().out
    # 4 runs x (7 clean + 2 shared) + 1 own attack + 2 languages of the two-language attack;
    # the attack against "elsewhere" (no such run) is skipped
    assert "Evaluated 39 archive/split pairs (0 from the cache)." in printed
    assert "## Clean accuracy" in printed

    report = (output / "report.md").read_text(encoding="utf-8")
    clean = table_section(report, "Clean accuracy")
    rows = [line for line in clean.splitlines() if line.startswith("| ") and "--:" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| model", "| baseline", "| dlfa@1",
                                                     "| dlfa@2", "| aif"]
    for row in rows[1:]:
        assert "–" not in row  # every language and average present
    assert "**" in clean  # the best fusion layer is marked
    attack = table_section(report, "Attack success rate — deepwordbug")
    # statuses cycle succeeded, failed, skipped, succeeded: 2 of 3 attacked succeed on average;
    # exact value from the counts in the file
    records = [json.loads(line) for line in
               open(adversarial_dir / "dlfa_L2_s1" / "de.deepwordbug.jsonl", encoding="utf-8")]
    succeeded = sum(r["status"] == "succeeded" for r in records)
    failed = sum(r["status"] == "failed" for r in records)
    assert f"| dlfa@2 | 1 | – | {100 * succeeded / (succeeded + failed):.1f} |" in attack
    # the two-language split: de all failed (the lowest rate: bold), ja half succeeded
    assert "| dlfa@1 | 1 | – | **0.0** | – | – | 50.0 | – | – | – | – | – |" in attack
    assert "all.deepwordbug.jsonl` | ja | deepwordbug | dlfa_L1_s1 |" in report
    assert "charnoise (perturbation shared by all models)" in report
    assert "share taken from the lower layer" in report

    results = json.loads((output / "results.json").read_text(encoding="utf-8"))
    by_key = {(r["model"], r["kind"], r["recipe"], r["language"]): r for r in results["records"]}
    de_attack = by_key[("dlfa@2", "adversarial", "deepwordbug", "de")]
    skipped = sum(r["status"] == "skipped" for r in records)
    assert de_attack["original_accuracy"] == pytest.approx((len(records) - skipped) / len(records))
    assert de_attack["target"] == "own" and de_attack["num_examples"] == len(records)
    aif_clean = by_key[("aif", "clean", None, "ja")]
    assert [s["step"] for s in aif_clean["fusion_weights"]] == ["L2", "L1"]
    assert all(0.0 < s["mean"] < 1.0 and s["num_tokens"] > 0 for s in aif_clean["fusion_weights"])
    assert by_key[("baseline", "clean", None, "ja")]["fusion_weights"] == []

    # the table's accuracy is the stock `allennlp evaluate`'s on the same pair
    from allennlp.commands.evaluate import evaluate_from_archive

    archive = str(sweep_dir / "dlfa_L2_s1" / "model.tar.gz")
    stock = evaluate_from_archive(archive, str(sample_dir / "de" / "test_2k.tsv"))
    assert by_key[("dlfa@2", "clean", None, "de")]["accuracy"] == pytest.approx(stock["accuracy"])

    for name in ("accuracy_heatmap", "accuracy_bars", "robustness_drop", "fusion_weights"):
        assert_png(str(output / "plots" / f"{name}.png"))
    assert len(os.listdir(output / "cache")) == 39

    # re-running evaluates nothing; a changed split is evaluated again on every model
    run_subcommand("xfuse-report", *argv)
    assert "Evaluated 0 archive/split pairs (39 from the cache)." in capsys.readouterr().out
    split = adversarial_dir / "shared" / "ja.charnoise.jsonl"
    os.utime(split, ns=(os.stat(split).st_atime_ns, os.stat(split).st_mtime_ns + 10**9))
    run_subcommand("xfuse-report", *argv)
    assert "Evaluated 4 archive/split pairs (35 from the cache)." in capsys.readouterr().out


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
