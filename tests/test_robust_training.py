"""Robust training as data (Huang et al., EMNLP 2021; issue #10, item 5).

`xfuse-perturb` writes an augmented copy of the English training sample (every pair keeps its id
and gold label), the `pawsx` reader reads original + augmented in one `train_data_path`, the
`*_robust.jsonnet` configs train on both, the run is identified as robust (`+robust`), sweeps
name and guard robust runs, a robust config trains and evaluates through the real `allennlp`
CLI on the tiny model, and the standard-vs-robust tables hold hand-computed values.
"""
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.report.model_identity import identify_model
from allennlp_xfuse.report.records import ADVERSARIAL, CLEAN, OWN_TARGET, MetricsRecord
from allennlp_xfuse.report.robust_training import build_robust_training_tables
from allennlp_xfuse.training.augmented_data import augmented_training_paths
from allennlp_xfuse.training.overrides import tiny_overrides
from allennlp_xfuse.training.run_names import config_run_name
from allennlp_xfuse.training.selection_schedule import selection_schedule
from allennlp_xfuse.training.sweep_plan import plan_sweep
from tests.helpers import CONFIG_DIR, REPO_ROOT, run_subcommand

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
ROBUST_CONFIGS = ("baseline", "dlfa", "aif")
PAWSX_TRAIN_PAIRS = 49_401


def cli(capsys, name: str, *argv) -> Tuple[int, str, str]:
    """Runs a subcommand in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    code = 0
    try:
        run_subcommand(name, *map(str, argv))
    except SystemExit as exit:
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def tsv_rows(path: Path) -> List[Dict[str, str]]:
    with open(path, encoding="utf-8") as tsv:
        return list(csv.DictReader(tsv, delimiter="\t"))


def jsonl_rows(path: Path) -> List[Dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def changed(record: Dict) -> bool:
    return (record["sentence1"], record["sentence2"]) != (
        record["original_sentence1"], record["original_sentence2"]
    )


# -- the augmented training file ------------------------------------------------------------


def test_perturb_writes_an_augmented_copy_of_the_training_sample(capsys, sample_dir, tmp_path):
    original = sample_dir / "en" / "train.tsv"
    output = tmp_path / "pawsx_robust" / "en" / "train.charnoise.jsonl"
    code, _, err = cli(capsys, "xfuse-perturb", original, "--recipe", "charnoise", "--rate",
                       "0.1", "--seed", "13", "--output", output)
    assert code == 0, err
    rows, records = tsv_rows(original), jsonl_rows(output)
    assert len(records) == len(rows) == 720
    # every pair keeps its id, its gold label and its original text; charnoise changes each
    for row, record in zip(rows, records):
        assert (record["id"], str(record["label"]), record["language"]) == (
            row["id"], row["label"], "en"
        )
        assert (record["original_sentence1"], record["original_sentence2"]) == (
            row["sentence1"], row["sentence2"]
        )
        assert changed(record)
    assert json.loads(Path(f"{output}.summary.json").read_text())["all"]["examples"] == 720

    # another seed is another copy (several copies = several outputs)
    second = output.with_name("train.charnoise.s2.jsonl")
    assert cli(capsys, "xfuse-perturb", original, "--seed", "2", "--output", second)[0] == 0
    assert [r["sentence1"] for r in jsonl_rows(second)] != [r["sentence1"] for r in records]


def test_changed_only_leaves_out_the_pairs_the_recipe_did_not_change(capsys, sample_dir, tmp_path):
    original = sample_dir / "en" / "train.tsv"
    full, only = tmp_path / "full.jsonl", tmp_path / "changed.jsonl"
    # code-mixing leaves a pair without any dictionary word as it is
    assert cli(capsys, "xfuse-perturb", original, "--recipe", "code_mix_random",
               "--output", full)[0] == 0
    code, out, err = cli(capsys, "xfuse-perturb", original, "--recipe", "code_mix_random",
                         "--output", only, "--changed-only")
    assert code == 0, err
    everything, kept = jsonl_rows(full), jsonl_rows(only)
    unchanged = [record for record in everything if not changed(record)]
    assert 0 < len(unchanged) < len(everything)
    assert kept == [record for record in everything if changed(record)]
    assert f"Left out {len(unchanged)} pair(s)" in out

    # resuming a --changed-only split without the flag (or the reverse) would mix the two
    code, _, err = cli(capsys, "xfuse-perturb", original, "--recipe", "code_mix_random",
                       "--output", only, "--resume")
    assert code == 2 and "made with --changed-only" in err
    code, _, err = cli(capsys, "xfuse-perturb", original, "--recipe", "code_mix_random",
                       "--output", full, "--resume", "--changed-only")
    assert code == 2 and "made without --changed-only" in err
    # resumed the same way, nothing is added
    assert cli(capsys, "xfuse-perturb", original, "--recipe", "code_mix_random",
               "--output", only, "--resume", "--changed-only")[0] == 0
    assert jsonl_rows(only) == kept


# -- reading original + augmented ---------------------------------------------------------------


def pawsx_reader(tiny_model_dir: str, strict: bool = False):
    from allennlp.data import DatasetReader

    import allennlp_xfuse  # noqa: F401  (registers the reader)

    transformer = {"type": "pretrained_transformer", "model_name": tiny_model_dir}
    return DatasetReader.from_params(Params({
        "type": "pawsx", "tokenizer": {**transformer, "add_special_tokens": False},
        "strict": strict,
    }))


def write_augmented(original: Path, output: Path) -> List[Dict]:
    """A hand-made augmented copy: every first sentence upper-cased, labels kept."""
    records = [
        {"id": row["id"], "language": "en", "sentence1": row["sentence1"].upper(),
         "sentence2": row["sentence2"], "label": int(row["label"]),
         "original_sentence1": row["sentence1"], "original_sentence2": row["sentence2"],
         "recipe": "upper", "status": "perturbed"}
        for row in tsv_rows(original)[:30]
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records


def test_the_reader_reads_the_union_of_original_and_augmented_files(
    tiny_model_dir, sample_dir, tmp_path
):
    original = sample_dir / "en" / "dev_2k.tsv"
    augmented = tmp_path / "robust" / "en" / "train.upper.jsonl"
    records = write_augmented(original, augmented)
    expected = [(row["sentence1"], row["label"]) for row in tsv_rows(original)] + [
        (record["sentence1"], str(record["label"])) for record in records
    ]
    reader = pawsx_reader(tiny_model_dir)
    glob_path = str(tmp_path / "robust" / "*" / "train.*.jsonl")
    for train_data_path in (f"{original},{augmented}", f"{original},{glob_path}"):
        instances = list(reader.read(train_data_path))
        read = [(i["metadata"]["sentence1"], i["label"].label) for i in instances]
        assert read == expected
        assert {i["metadata"]["language"] for i in instances} == {"en"}

    # a bad row is named by the file it is in, with its line
    with open(augmented, "a", encoding="utf-8") as split:
        split.write(json.dumps({**records[0], "id": "bad", "label": 7}) + "\n")
    with pytest.raises(ConfigurationError, match=rf"{augmented}:{len(records) + 1}\b"):
        list(pawsx_reader(tiny_model_dir, strict=True).read(f"{original},{augmented}"))


# -- configs, identity, run names, tiny overrides, sweeps ---------------------------------------


@pytest.mark.parametrize("name", ROBUST_CONFIGS)
def test_a_robust_config_is_its_standard_config_on_original_plus_augmented_data(name):
    robust = Params.from_file(str(CONFIG_DIR / f"pawsx_{name}_robust.jsonnet")).as_flat_dict()
    standard = Params.from_file(str(CONFIG_DIR / f"pawsx_{name}.jsonnet")).as_flat_dict()
    differing = {key for key in set(robust) | set(standard) if robust.get(key) != standard.get(key)}
    assert differing == {"train_data_path", "data_loader.batches_per_epoch", "trainer.num_epochs"}
    assert robust["train_data_path"].split(",") == [
        standard["train_data_path"], "data/pawsx_robust/en/train.charnoise.jsonl"
    ]
    # XTREME's selection on twice the data: dev about every 200 steps, 5 passes
    schedule = selection_schedule(2 * PAWSX_TRAIN_PAIRS, robust["data_loader.batch_size"])
    assert (robust["data_loader.batches_per_epoch"], robust["trainer.num_epochs"]) == (
        schedule.batches_per_epoch, schedule.num_epochs
    )
    steps = robust["data_loader.batches_per_epoch"] * robust["trainer.num_epochs"]
    assert abs(steps - 5 * math.ceil(2 * PAWSX_TRAIN_PAIRS / 32)) <= schedule.batches_per_epoch
    assert 150 <= robust["data_loader.batches_per_epoch"] <= 250


def test_runs_trained_on_augmented_data_are_robust():
    for name, model in (("baseline", "baseline"), ("dlfa", "dlfa@9"), ("aif", "aif")):
        config = Params.from_file(str(CONFIG_DIR / f"pawsx_{name}_robust.jsonnet")).as_dict()
        identity = identify_model(config, f"{name}_robust_s3")
        assert (identity.model, identity.family, identity.robust, identity.seed) == (
            f"{model}+robust", name, True, 3
        )
        # the same config pointed at the original file alone trains a standard model
        config["train_data_path"] = "x-final/en/train.tsv"
        assert identify_model(config, f"{name}_robust_s3").model == model
    assert augmented_training_paths(["a.tsv", "b/train.*.jsonl,c.ndjson"]) == [
        "b/train.*.jsonl", "c.ndjson"
    ]
    assert augmented_training_paths(None) == []


def test_datasets_that_come_as_json_lines_are_not_augmented_data(tmp_path):
    # MultiNLI's own training file is JSON lines: downloaded, or local without split records.
    multinli = tmp_path / "multinli_1.0_train.jsonl"
    multinli.write_text(json.dumps({"gold_label": "neutral", "sentence1": "A.",
                                    "sentence2": "B.", "pairID": "1"}) + "\n", encoding="utf-8")
    copy = tmp_path / "train.charnoise.jsonl"
    copy.write_text(json.dumps({"id": "1", "sentence1": "A.", "sentence2": "B.", "label": 0,
                                "recipe": "charnoise", "status": "perturbed"}) + "\n",
                    encoding="utf-8")
    url = "https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip!multinli_1.0/train.jsonl"
    assert augmented_training_paths(f"{url},{multinli},{copy}") == [str(copy)]


def test_sweeps_name_robust_runs_apart(tmp_path):
    dlfa_robust = str(CONFIG_DIR / "pawsx_dlfa_robust.jsonnet")
    assert config_run_name(dlfa_robust) == "dlfa_robust"
    runs = plan_sweep(
        dlfa_robust, [3, 9], [1], str(tmp_path),
        include_configs=[("baseline_robust", str(CONFIG_DIR / "pawsx_baseline_robust.jsonnet"))],
    )
    assert [run.name for run in runs] == [
        "dlfa_robust_L3_s1", "dlfa_robust_L9_s1", "baseline_robust_s1"
    ]


def test_a_sweep_refuses_to_train_a_robust_config_on_the_original_data_alone(capsys, tmp_path):
    train = {"train_data_path": "data/en/train.tsv"}
    code, _, err = cli(capsys, "xfuse-sweep", CONFIG_DIR / "pawsx_dlfa.jsonnet", "--layers", "9",
                       "-s", tmp_path / "sweep", "--dry-run", "--overrides", json.dumps(train),
                       "--include-config", CONFIG_DIR / "pawsx_baseline_robust.jsonnet")
    assert code == 2
    assert "baseline_robust:" in err and "--overrides-for baseline_robust" in err
    # with its own data (original + augmented) it is planned
    own = {"train_data_path": "data/en/train.tsv,data/robust/en/train.charnoise.jsonl"}
    code, out, err = cli(capsys, "xfuse-sweep", CONFIG_DIR / "pawsx_dlfa.jsonnet", "--layers", "9",
                         "-s", tmp_path / "sweep", "--dry-run", "--overrides", json.dumps(train),
                         "--include-config", CONFIG_DIR / "pawsx_baseline_robust.jsonnet",
                         "--overrides-for", "baseline_robust", json.dumps(own))
    assert code == 0, err
    assert "baseline_robust_s1" in out and "train.charnoise.jsonl" in out


def test_tiny_overrides_of_a_robust_config_train_on_the_augmented_sample(
    tiny_model_dir, sample_dir
):
    overrides = tiny_overrides(
        tiny_model_dir, config_file=str(CONFIG_DIR / "pawsx_aif_robust.jsonnet")
    )
    original, augmented = overrides["train_data_path"].split(",")
    assert original == str(sample_dir.resolve() / "en" / "train.tsv")
    assert augmented.startswith(str(Path(tiny_model_dir).resolve()))
    records = jsonl_rows(Path(augmented))
    assert [(r["id"], str(r["label"])) for r in records] == [
        (row["id"], row["label"]) for row in tsv_rows(Path(original))
    ]
    # 1,440 pairs are 45 batches of 32 a pass: one validation per pass, 5 passes
    assert (overrides["data_loader.batches_per_epoch"], overrides["trainer.num_epochs"]) == (
        None, 5
    )
    standard = tiny_overrides(tiny_model_dir, config_file=str(CONFIG_DIR / "pawsx_aif.jsonnet"))
    assert standard["train_data_path"] == original


# -- through the CLI ------------------------------------------------------------------------


def run_allennlp(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [ALLENNLP, *args, "--include-package", "allennlp_xfuse"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, f"allennlp {args[0]} failed:\n{result.stderr[-4000:]}"
    return result


def test_a_robust_config_trains_and_evaluates_through_the_cli(
    tiny_model_dir, sample_dir, tmp_path
):
    config = CONFIG_DIR / "pawsx_dlfa_robust.jsonnet"
    overrides = tiny_overrides(tiny_model_dir, config_file=str(config))
    # plumbing, not learning: 10 batches of the 1,440 pairs (all are read)
    overrides.update({"trainer.num_epochs": 1, "trainer.optimizer.lr": 1e-3,
                      "data_loader.batch_size": 16, "data_loader.batches_per_epoch": 10,
                      "trainer.cuda_device": -1})
    run_dir = tmp_path / "dlfa_robust_L9_s1"
    run_allennlp("train", str(config), "-s", str(run_dir), "--overrides", json.dumps(overrides))
    assert (run_dir / "model.tar.gz").is_file()

    trained = json.loads((run_dir / "config.json").read_text())
    identity = identify_model(trained, run_dir.name)
    assert (identity.model, identity.family, identity.fusion_layer, identity.robust) == (
        "dlfa@9+robust", "dlfa", 9, True
    )
    # the stock evaluate command, in this process (one CLI start is the slow part of the test)
    metrics_file = tmp_path / "de_metrics.json"
    run_subcommand("evaluate", str(run_dir / "model.tar.gz"),
                   str(sample_dir / "de" / "test_2k.tsv"), "--output-file", str(metrics_file))
    assert 0.0 <= json.loads(metrics_file.read_text())["accuracy"] <= 1.0


# -- the standard-vs-robust tables ----------------------------------------------------------

LANGUAGES = ("en", "de", "es", "fr", "ja", "ko", "zh")


def clean_records(model: str, family: str, run: str, seed: int, en: float, rest: float):
    return [
        MetricsRecord(model=model, family=family, fusion_layer=9 if family == "dlfa" else None,
                      seed=seed, run=run, language=language, kind=CLEAN,
                      accuracy=en if language == "en" else rest)
        for language in LANGUAGES
    ]


def adversarial(model: str, run: str, seed: int, language: str, recipe: str, target: str,
                accuracy: float) -> MetricsRecord:
    return MetricsRecord(model=model, family="dlfa", fusion_layer=9, seed=seed, run=run,
                         language=language, kind=ADVERSARIAL, accuracy=accuracy, recipe=recipe,
                         target=target)


def hand_made_records() -> List[MetricsRecord]:
    s, r = "dlfa@9", "dlfa@9+robust"
    records = (
        clean_records(s, "dlfa", "dlfa_L9_s1", 1, 0.90, 0.80)
        + clean_records(s, "dlfa", "dlfa_L9_s2", 2, 0.80, 0.70)
        + clean_records(r, "dlfa", "dlfa_robust_L9_s1", 1, 0.90, 0.85)
        + clean_records(r, "dlfa", "dlfa_robust_L9_s2", 2, 0.80, 0.75)
        # no counterpart: in no robust table
        + clean_records("aif", "aif", "aif_s1", 1, 0.95, 0.90)
        + clean_records("baseline+robust", "baseline", "baseline_robust_s1", 1, 0.9, 0.9)
    )
    records += [
        adversarial(s, "dlfa_L9_s1", 1, "de", "charnoise", "shared", 0.60),
        adversarial(s, "dlfa_L9_s2", 2, "de", "charnoise", "shared", 0.50),
        adversarial(r, "dlfa_robust_L9_s1", 1, "de", "charnoise", "shared", 0.70),
        adversarial(r, "dlfa_robust_L9_s2", 2, "de", "charnoise", "shared", 0.66),
        # own attacks: not the same inputs for the two rows, so in neither
        adversarial(s, "dlfa_L9_s1", 1, "de", "deepwordbug", OWN_TARGET, 0.10),
        adversarial(r, "dlfa_robust_L9_s1", 1, "de", "deepwordbug", OWN_TARGET, 0.15),
        # transfer: baseline_s1's and aif_s1's attacks were evaluated on every run
        adversarial(s, "dlfa_L9_s1", 1, "de", "deepwordbug", "baseline_s1", 0.40),
        adversarial(s, "dlfa_L9_s1", 1, "de", "deepwordbug", "aif_s1", 0.50),
        adversarial(s, "dlfa_L9_s2", 2, "de", "deepwordbug", "baseline_s1", 0.30),
        adversarial(s, "dlfa_L9_s2", 2, "de", "deepwordbug", "aif_s1", 0.40),
        adversarial(r, "dlfa_robust_L9_s1", 1, "de", "deepwordbug", "baseline_s1", 0.60),
        adversarial(r, "dlfa_robust_L9_s1", 1, "de", "deepwordbug", "aif_s1", 0.70),
        # the standard run's own attack, transferred to the robust run only: left out
        adversarial(r, "dlfa_robust_L9_s1", 1, "de", "deepwordbug", "dlfa_L9_s1", 0.20),
        adversarial(r, "dlfa_robust_L9_s2", 2, "de", "deepwordbug", "baseline_s1", 0.50),
        adversarial(r, "dlfa_robust_L9_s2", 2, "de", "deepwordbug", "aif_s1", 0.60),
        # only one row evaluated there: no common inputs
        adversarial(s, "dlfa_L9_s1", 1, "ja", "deepwordbug", "baseline_s1", 0.45),
    ]
    return records


def cell(table, model: str, column: str):
    row = next(row for row in table.rows if row.model == model)
    return row.cells[column]


def test_robust_training_tables_on_hand_made_records():
    tables = {table.name: table for table in build_robust_training_tables(hand_made_records())}
    assert list(tables) == [
        "robust_training/clean_accuracy", "robust_training/clean_difference",
        "robust_training/shared_accuracy/charnoise", "robust_training/shared_difference/charnoise",
        "robust_training/transfer_accuracy/deepwordbug",
        "robust_training/transfer_difference/deepwordbug",
    ]
    clean = tables["robust_training/clean_accuracy"]
    assert [row.model for row in clean.rows] == ["dlfa@9", "dlfa@9+robust"]
    assert (clean.unit, clean.quantity, clean.kind) == ("%", "accuracy", CLEAN)
    # standard: en (90 + 80) / 2 = 85 ± 7.07, de (80 + 70) / 2 = 75; avg per run
    # (90 + 6 * 80) / 7 and (80 + 6 * 70) / 7, mean 535 / 7
    assert cell(clean, "dlfa@9", "en").mean == pytest.approx(85.0)
    assert cell(clean, "dlfa@9", "en").std == pytest.approx(math.sqrt(50.0))
    assert cell(clean, "dlfa@9", "de").mean == pytest.approx(75.0)
    assert cell(clean, "dlfa@9", "avg").mean == pytest.approx(535 / 7)
    # robust: de (85 + 75) / 2 = 80, avg ((90 + 6 * 85) + (80 + 6 * 75)) / 14 = 565 / 7
    assert cell(clean, "dlfa@9+robust", "de").mean == pytest.approx(80.0)
    assert cell(clean, "dlfa@9+robust", "avg").mean == pytest.approx(565 / 7)

    difference = tables["robust_training/clean_difference"]
    assert [row.model for row in difference.rows] == ["dlfa@9+robust − dlfa@9"]
    assert difference.unit == "pp"
    expected = {"en": 0.0, "de": 5.0, "zh": 5.0, "enf": 5.0, "non-enf": 5.0, "avg": 30 / 7}
    for column, value in expected.items():
        assert cell(difference, "dlfa@9+robust − dlfa@9", column).mean == pytest.approx(value)

    # shared charnoise, de: standard (60 + 50) / 2 = 55, robust (70 + 66) / 2 = 68: +13;
    # no other language, so no average
    shared = tables["robust_training/shared_difference/charnoise"]
    assert cell(shared, "dlfa@9+robust − dlfa@9", "de").mean == pytest.approx(13.0)
    assert cell(shared, "dlfa@9+robust − dlfa@9", "avg") is None

    # transfer, de, over the attacks both rows saw (baseline_s1, aif_s1): standard runs
    # (40 + 50) / 2 = 45 and (30 + 40) / 2 = 35 -> 40; robust 65 and 55 -> 60; ja: none common
    transfer = tables["robust_training/transfer_accuracy/deepwordbug"]
    assert cell(transfer, "dlfa@9", "de").mean == pytest.approx(40.0)
    assert cell(transfer, "dlfa@9+robust", "de").mean == pytest.approx(60.0)
    assert cell(transfer, "dlfa@9", "ja") is None
    transfer_difference = tables["robust_training/transfer_difference/deepwordbug"]
    assert cell(transfer_difference, "dlfa@9+robust − dlfa@9", "de").mean == pytest.approx(20.0)


def test_no_robust_run_gives_no_robust_table():
    records = [r for r in hand_made_records() if not r.model.endswith("+robust")]
    assert build_robust_training_tables(records) == []
