"""
`xfuse-report` across the four tasks: the task of a run's config, the per-task tables (the task's
metric per language, avg / enf / non-enf by language family) and the across-tasks summary from
hand-made records, test file discovery on the bundled samples, and the command end to end on a
tiny XNLI archive and a tiny NER archive.
"""
import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

import allennlp_models.tagging  # noqa: F401  (registers crf_tagger, as the CLI's plugins do)
import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.sample_paths import panx_sample_dir, udpos_sample_dir, xnli_sample_dir
from allennlp_xfuse.report.model_identity import identify_model
from allennlp_xfuse.report.records import ADVERSARIAL, CLEAN, MetricsRecord
from allennlp_xfuse.report.results_files import render_table, tables_to_csv
from allennlp_xfuse.report.task_splits import find_task_splits, parse_task_data
from allennlp_xfuse.report.task_tables import build_across_tasks_table, build_task_tables
from allennlp_xfuse.report.tasks import task_of_config
from allennlp_xfuse.training.overrides import model_and_data_overrides
from tests.helpers import CONFIG_DIR, run_subcommand

F1 = "f1-measure-overall"


def config(name: str) -> Dict[str, Any]:
    return Params.from_file(str(CONFIG_DIR / f"{name}.jsonnet")).as_dict(quiet=True)


@pytest.mark.parametrize("name, task", [
    ("pawsx_dlfa", "pawsx"), ("xnli_baseline", "xnli"), ("ner_aif", "ner"),
    ("pos_baseline", "pos"),
])
def test_the_task_of_a_run_comes_from_its_configs_dataset_reader(name, task):
    assert task_of_config(config(name)) == task


def test_a_reader_of_no_task_has_none_and_a_config_without_reader_is_pawsx():
    assert task_of_config({"dataset_reader": {"type": "sequence_tagging"}}) is None
    assert task_of_config({"model": {}}) == "pawsx"


@pytest.mark.parametrize("name, row", [
    ("ner_dlfa", "dlfa@9"), ("pos_aif", "aif"), ("ner_baseline", "baseline"),
])
def test_tagging_runs_get_their_table_row_from_the_fusion_encoder(name, row):
    identity = identify_model({**config(name), "random_seed": 3}, "run_s3")
    assert (identity.model, identity.seed) == (row, 3)


def record(model: str, seed: int, language: str, task: str, value: float,
           kind: str = CLEAN, recipe: Optional[str] = None, **extra: Any) -> MetricsRecord:
    metric = F1 if task == "ner" else "accuracy"
    # NER's token accuracy differs from its span F1: the table must show the F1
    metrics = {metric: value, **({"accuracy": 0.99} if task == "ner" else {})}
    return MetricsRecord(
        model=model, family=model.split("@")[0], seed=seed, language=language, kind=kind,
        recipe=recipe, target="shared" if recipe else None, task=task, metrics=metrics,
        accuracy=metrics["accuracy"], fusion_layer=9 if "@" in model else None, **extra,
    )


def ner_records() -> List[MetricsRecord]:
    values = {
        ("baseline", 1): {"en": 0.80, "de": 0.70, "ja": 0.50, "zh": 0.40},
        ("baseline", 2): {"en": 0.90, "de": 0.60, "ja": 0.40, "zh": 0.30},
        ("dlfa@9", 1): {"en": 0.85, "de": 0.75, "ja": 0.55},  # no zh: no avg, no non-enf
    }
    return [record(model, seed, language, "ner", value)
            for (model, seed), languages in values.items()
            for language, value in languages.items()]


def cell(table, model: str, column: str):
    return next(row for row in table.rows if row.model == model).cells[column]


def test_task_table_has_the_tasks_metric_per_language_and_the_family_averages():
    [table] = build_task_tables(ner_records())
    assert table.name == "ner/clean" and table.task == "ner"
    assert table.columns == ("en", "de", "ja", "zh", "avg", "enf", "non-enf")
    # baseline: per seed avg 60 and 55, enf (de) 70 and 60, non-enf (ja, zh) 45 and 35
    assert cell(table, "baseline", "avg").mean == pytest.approx(57.5)
    assert cell(table, "baseline", "avg").std == pytest.approx(math.sqrt(12.5))
    assert cell(table, "baseline", "enf").mean == pytest.approx(65.0)
    assert cell(table, "baseline", "non-enf").mean == pytest.approx(40.0)
    assert cell(table, "baseline", "en").mean == pytest.approx(85.0)
    # a run without zh has no average over a group holding zh
    assert cell(table, "dlfa@9", "enf").mean == pytest.approx(75.0)
    assert cell(table, "dlfa@9", "avg") is None and cell(table, "dlfa@9", "non-enf") is None
    assert "enf = de;" in table.note and "non-enf = ja, zh" in table.note
    assert "No confidence interval" in table.note  # span F1: seed means only
    rendered = render_table(table)
    assert "| baseline | 2 | 85.0 ± 7.1 | 65.0 ± 7.1 | 45.0 ± 7.1 | 35.0 ± 7.1 | 57.5 ± 3.5 |" \
        in rendered


def test_a_perturbed_split_gets_its_own_table_and_languages_outside_english_family_count():
    records = ner_records() + [
        record("baseline", 1, "ru", "ner", 0.5, ADVERSARIAL, "charnoise"),
        record("baseline", 1, "ar", "ner", 0.3, ADVERSARIAL, "charnoise"),
    ]
    clean, perturbed = build_task_tables(records)
    assert (clean.name, perturbed.name) == ("ner/clean", "ner/charnoise")
    # Russian is Indo-European (Glottolog): enf; Arabic is Afro-Asiatic: non-enf
    assert perturbed.columns == ("ar", "ru", "avg", "enf", "non-enf")
    assert cell(perturbed, "baseline", "enf").mean == pytest.approx(50.0)
    assert cell(perturbed, "baseline", "non-enf").mean == pytest.approx(30.0)
    assert cell(perturbed, "baseline", "avg").mean == pytest.approx(40.0)


def test_across_tasks_summary_row_is_each_tasks_average_and_their_mean():
    records = ner_records() + [
        record("baseline", 1, "en", "pawsx", 0.9), record("baseline", 1, "de", "pawsx", 0.8),
        record("baseline", 1, "en", "xnli", 0.7), record("baseline", 1, "sw", "xnli", 0.5),
        record("dlfa@9", 1, "en", "xnli", 0.75), record("dlfa@9", 1, "sw", "xnli", 0.45),
        # the English dev records the dlfa layer is chosen on are not test results
        record("baseline", 1, "en", "pawsx", 0.1, kind="selection"),
    ]
    tables = build_task_tables(records)
    assert [table.task for table in tables] == ["xnli", "ner"]
    summary = build_across_tasks_table(records, tables)
    assert summary.columns == ("PAWS-X accuracy", "XNLI accuracy", "NER span F1", "mean")
    assert cell(summary, "baseline", "PAWS-X accuracy").mean == pytest.approx(85.0)
    assert cell(summary, "baseline", "XNLI accuracy").mean == pytest.approx(60.0)
    assert cell(summary, "baseline", "NER span F1").mean == pytest.approx(57.5)
    assert cell(summary, "baseline", "mean").mean == pytest.approx((85.0 + 60.0 + 57.5) / 3)
    # dlfa@9 has no PAWS-X run and no NER average: no mean across tasks
    assert cell(summary, "dlfa@9", "XNLI accuracy").mean == pytest.approx(60.0)
    assert cell(summary, "dlfa@9", "mean") is None
    rows = list(csv.DictReader(tables_to_csv([summary] + tables).splitlines()))
    assert {row["task"] for row in rows} == {"all", "xnli", "ner"}


def xnli_record(tmp_path: Path, model: str, language: str, correct: List[bool]) -> MetricsRecord:
    from allennlp_xfuse.report.predictions import ExamplePrediction, write_predictions

    path = write_predictions(str(tmp_path / f"{model}.{language}.jsonl"), [
        ExamplePrediction(f"{language}{i}", "neutral", "neutral" if ok else "entailment", ok)
        for i, ok in enumerate(correct)
    ])
    return record(model, 1, language, "xnli", sum(correct) / len(correct), predictions=path)


def test_xnli_cells_have_intervals_and_a_paired_difference_vs_baseline(tmp_path):
    records = [
        xnli_record(tmp_path, "baseline", "en", [True] * 5 + [False] * 5),
        xnli_record(tmp_path, "dlfa@9", "en", [True] * 9 + [False]),
        xnli_record(tmp_path, "baseline", "sw", [True] * 4 + [False] * 6),
        xnli_record(tmp_path, "dlfa@9", "sw", [True] * 4 + [False] * 6),
    ]
    table, difference = build_task_tables(records)
    en = cell(table, "dlfa@9", "en")
    assert en.mean == pytest.approx(90.0) and en.ci_low < 90.0 < en.ci_high <= 100.0
    assert difference.name == "difference/xnli/clean"
    assert [row.model for row in difference.rows] == ["dlfa@9"]
    # en: 4 examples only dlfa@9 gets right, none only the baseline: McNemar p = 2 / 2**4
    en = cell(difference, "dlfa@9", "en")
    assert (en.mean, en.test) == (pytest.approx(40.0), "mcnemar_exact")
    assert en.p_value == pytest.approx(0.125)
    assert cell(difference, "dlfa@9", "sw").mean == pytest.approx(0.0)
    # the average pairs both languages (paired bootstrap); non-enf = sw; en is in no group
    assert cell(difference, "dlfa@9", "avg").mean == pytest.approx(20.0)
    assert cell(difference, "dlfa@9", "avg").test == "paired_bootstrap"
    assert cell(difference, "dlfa@9", "enf") is None
    # the summary takes the accuracy table, not its difference
    summary = build_across_tasks_table(records, [table, difference])
    assert cell(summary, "dlfa@9", "XNLI accuracy").mean == pytest.approx(65.0)


def test_only_pawsx_records_make_no_task_tables():
    records = [record("baseline", 1, "en", "pawsx", 0.9)]
    assert build_task_tables(records) == []
    assert build_across_tasks_table(records, []) is None


def test_test_files_are_found_per_language_in_the_bundled_samples(tmp_path):
    xnli, skipped = find_task_splits("xnli", str(xnli_sample_dir()), str(tmp_path))
    assert list(xnli) == ["en", "de", "ru", "ar", "th", "zh", "hi", "sw"]  # XNLI's order
    assert xnli["de"] == str(xnli_sample_dir() / "test-de.tsv") and not skipped
    ner, _ = find_task_splits("ner", str(panx_sample_dir()), str(tmp_path))
    assert sorted(ner) == ["ar", "de", "en", "hi", "ja", "ru", "zh"]
    assert ner["de"] == str(panx_sample_dir() / "de-test")  # not de-dev
    pos, _ = find_task_splits("pos", str(udpos_sample_dir()), str(tmp_path))
    assert sorted(pos) == ["de", "fr", "hi", "ru", "zh"]
    assert pos["fr"].endswith("UD_French-Sample/fr_sample-ud-test.conllu")


def test_treebanks_of_one_language_are_one_comma_list_and_a_perturbed_copy_is_flat(tmp_path):
    german = udpos_sample_dir() / "UD_German-Sample" / "de_sample-ud-test.conllu"
    for treebank in ("GSD", "HDT"):
        target = tmp_path / "ud" / f"UD_German-{treebank}" / f"de_{treebank.lower()}-ud-test.conllu"
        target.parent.mkdir(parents=True)
        shutil.copy(german, target)
    pos, _ = find_task_splits("pos", str(tmp_path / "ud"), str(tmp_path / "work"))
    assert pos == {"de": ",".join(str(tmp_path / "ud" / f"UD_German-{t}" /
                                      f"de_{t.lower()}-ud-test.conllu") for t in ("GSD", "HDT"))}
    # xfuse-perturb keeps the file names, not the UD_* directories
    (tmp_path / "adv").mkdir()
    shutil.copy(german, tmp_path / "adv" / german.name)
    assert find_task_splits("pos", str(tmp_path / "adv"), str(tmp_path / "work"))[0] == {
        "de": str(tmp_path / "adv" / german.name)}


def test_official_xnli_test_file_is_divided_per_language(tmp_path):
    header = ["language", "gold_label", "sentence1_binary_parse", "sentence2_binary_parse",
              "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "promptID",
              "pairID"]
    rows = [("de", "entailment", "Der Hund schläft.", "Ein Tier ruht."),
            ("en", "neutral", "The dog sleeps.", "It is \"old\"."),
            ("de", "contradiction", "Es regnet.", "Es ist trocken.")]
    lines = ["\t".join(header)] + [
        "\t".join([language, label, "", "", "", "", premise, hypothesis, "1", str(index)])
        for index, (language, label, premise, hypothesis) in enumerate(rows)
    ]
    (tmp_path / "XNLI-1.0").mkdir()
    (tmp_path / "XNLI-1.0" / "xnli.test.tsv").write_text("\n".join(lines) + "\n",
                                                        encoding="utf-8")
    splits, _ = find_task_splits("xnli", str(tmp_path / "XNLI-1.0"), str(tmp_path / "work"))
    assert list(splits) == ["en", "de"]
    from allennlp_xfuse.data.xnli_files import read_xnli_file

    german = list(read_xnli_file(splits["de"], require_labels=True))
    assert [(r.sentence1, r.label, r.language) for r in german] == [
        ("Der Hund schläft.", "entailment", "de"), ("Es regnet.", "contradiction", "de")]
    [english] = read_xnli_file(splits["en"], require_labels=True)
    assert english.sentence2 == 'It is "old".'


def test_a_multilingual_xnli_split_is_divided_per_language(tmp_path):
    from allennlp_xfuse.attacks.examples import load_examples
    from allennlp_xfuse.attacks.recipes import AttackRecipe
    from allennlp_xfuse.attacks.runner import perturb_examples
    from allennlp_xfuse.data.adversarial_split import SplitWriter

    examples = load_examples(
        f"{xnli_sample_dir() / 'test-de.tsv'},{xnli_sample_dir() / 'test-hi.tsv'}", task="xnli",
        num_examples=25,
    )
    (tmp_path / "adv").mkdir()
    split = tmp_path / "adv" / "all.charnoise.jsonl"
    with SplitWriter(str(split), recipe="charnoise") as writer:
        perturb_examples(AttackRecipe.from_spec("charnoise"), "charnoise", examples, writer, 1)
    splits, _ = find_task_splits("xnli", str(tmp_path / "adv"), str(tmp_path / "work"))
    assert list(splits) == ["de", "hi"]
    for language, path in splits.items():
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["id"] for line in lines] == [
            example.id for example in examples if example.language == language]
    # unchanged content is not rewritten (the evaluation cache keys on modification times)
    stamp = Path(splits["de"]).stat().st_mtime_ns
    find_task_splits("xnli", str(tmp_path / "adv"), str(tmp_path / "work"))
    assert Path(splits["de"]).stat().st_mtime_ns == stamp


def test_task_data_without_a_run_of_its_task_is_left_out_with_why(tmp_path):
    from allennlp_xfuse.report.build import plan_task_evaluations

    left_out = []
    pairs, listing = plan_task_evaluations(
        [], [parse_task_data(f"pos={udpos_sample_dir()}"), parse_task_data(f"ner={tmp_path}")],
        str(tmp_path / "report"), left_out)
    assert pairs == [] and list(listing) == ["pos"]
    assert [(item.path, item.reason) for item in left_out] == [
        (str(udpos_sample_dir()), "no POS (UD) run among the run directories"),
        (str(tmp_path), "no NER (PAN-X) test file found: expected <lang>-test (raw PAN-X) or a "
                        "tagged test-<lang>.tsv (searched recursively)"),
    ]


@pytest.mark.parametrize("option, message", [
    ("ner", "expected TASK=DIR or TASK:SPLIT=DIR"),
    ("srl=.", "unknown task 'srl'; the tasks are pawsx, xnli, ner, pos"),
    ("ner:=.", "empty split name"),
    ("ner:clean=.", "'clean' names the test data itself; write ner=DIR"),
    ("ner=/no/such/dir", "no such directory"),
])
def test_bad_task_data_options_say_how_to_write_them(option, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_task_data(option)


# -- end to end ---------------------------------------------------------------------------------


def train(config_name: str, directory: Path, model_dir: str, data: Dict[str, Any]) -> str:
    from allennlp.commands.train import train_model_from_file

    overrides = model_and_data_overrides(str(CONFIG_DIR / f"{config_name}.jsonnet"), model_dir)
    overrides.update({**data, "dataset_reader.max_instances": 24, "trainer.num_epochs": 1,
                      "trainer.optimizer.lr": 1e-3, "trainer.cuda_device": -1,
                      "data_loader.batch_size": 12, "random_seed": 1})
    train_model_from_file(str(CONFIG_DIR / f"{config_name}.jsonnet"), str(directory),
                          overrides=json.dumps(overrides), force=True)
    return str(directory / "model.tar.gz")


@pytest.fixture(scope="module")
def task_runs(tiny_model_dir, tmp_path_factory) -> Path:
    """runs/xnli_baseline_s1 (XNLI), runs/ner_baseline_s1 (NER), runs/pos_baseline_s1 and
    runs/pos_dlfa_s1 (POS, the second a fusion tagger), one epoch each on the bundled samples."""
    runs = tmp_path_factory.mktemp("runs")
    train("xnli_baseline", runs / "xnli_baseline_s1", tiny_model_dir, {
        "train_data_path": str(xnli_sample_dir() / "train-en.tsv"),
        "validation_data_path": str(xnli_sample_dir() / "dev-en.tsv"),
        "data_loader.batches_per_epoch": None,
    })
    train("ner_baseline", runs / "ner_baseline_s1", tiny_model_dir, {
        "train_data_path": str(panx_sample_dir() / "en-train"),
        "validation_data_path": str(panx_sample_dir() / "en-dev"),
    })
    english = udpos_sample_dir() / "UD_English-Sample"
    for config_name in ("pos_baseline", "pos_dlfa"):
        train(config_name, runs / f"{config_name}_s1", tiny_model_dir, {
            "train_data_path": str(english / "en_sample-ud-train.conllu"),
            "validation_data_path": str(english / "en_sample-ud-dev.conllu"),
        })
    return runs


def test_report_across_tasks_through_the_cli(task_runs, tmp_path, capsys):
    perturbed = tmp_path / "adv" / "ner"
    perturbed.mkdir(parents=True)
    shutil.copy(panx_sample_dir() / "de-test", perturbed / "de-test")
    output = tmp_path / "report"
    argv = [str(task_runs), "--output", str(output), "--no-plots",
            "--task-data", f"xnli={xnli_sample_dir()}", "--task-data", f"ner={panx_sample_dir()}",
            "--task-data", f"ner:charnoise={perturbed}", "--task-data", f"pos={udpos_sample_dir()}"]
    run_subcommand("xfuse-report", *argv)
    printed = capsys.readouterr().out
    # 8 XNLI languages + 7 NER languages + German of the perturbed copy + 2 x 5 POS languages
    assert "Evaluated 26 archive/split pairs (0 from the cache)." in printed
    assert "## Across tasks" in printed and "### Across tasks" in printed
    assert ("| model | seeds | XNLI accuracy | NER span F1 | POS accuracy | mean |"
            in printed)

    results = json.loads((output / "results.json").read_text(encoding="utf-8"))
    tables = {table["name"]: table for table in results["tables"]}
    assert set(tables) == {"across_tasks", "xnli/clean", "ner/clean", "ner/charnoise",
                           "pos/clean"}
    records = {(r["task"], r["kind"], r["language"]): r for r in results["records"]}
    ner = tables["ner/clean"]
    # PAN-X's language order (XTREME's), then the groups
    assert ner["columns"] == ["en", "ar", "de", "hi", "ja", "ru", "zh", "avg", "enf", "non-enf"]
    [baseline] = ner["rows"]
    f1 = {language: 100 * records[("ner", "clean", language)]["metrics"][F1]
          for language in ("en", "de", "ru", "ar", "hi", "ja", "zh")}
    assert baseline["cells"]["de"]["mean"] == pytest.approx(f1["de"])
    assert baseline["cells"]["enf"]["mean"] == pytest.approx((f1["de"] + f1["ru"] + f1["hi"]) / 3)
    assert baseline["cells"]["non-enf"]["mean"] == pytest.approx(
        (f1["ar"] + f1["ja"] + f1["zh"]) / 3)
    assert baseline["cells"]["avg"]["ci_low"] is None  # taggers: no interval
    # XNLI keeps per-example predictions: confidence intervals
    xnli_avg = tables["xnli/clean"]["rows"][0]["cells"]["avg"]
    assert xnli_avg["ci_low"] <= xnli_avg["mean"] <= xnli_avg["ci_high"]
    # the dlfa tagger is its own row, with no XNLI or NER run, hence no mean across tasks
    pos_baseline, pos = tables["pos/clean"]["rows"]
    assert pos_baseline["model"] == "baseline"
    assert pos["model"].startswith("dlfa@")
    assert pos["cells"]["avg"]["mean"] == pytest.approx(sum(
        100 * records[("pos", "clean", language)]["metrics"]["accuracy"]
        for language in ("de", "fr", "ru", "zh", "hi")) / 5)
    row, dlfa = tables["across_tasks"]["rows"]
    assert (row["model"], row["seeds"]) == ("baseline", [1])  # one seed, two tasks' runs
    assert dlfa["model"] == pos["model"] and dlfa["cells"]["mean"] is None
    assert dlfa["cells"]["POS accuracy"]["mean"] == pos["cells"]["avg"]["mean"]
    summary = row["cells"]
    assert summary["NER span F1"]["mean"] == pytest.approx(baseline["cells"]["avg"]["mean"])
    assert summary["POS accuracy"]["mean"] == pytest.approx(pos_baseline["cells"]["avg"]["mean"])
    assert summary["mean"]["mean"] == pytest.approx(
        (summary["NER span F1"]["mean"] + summary["XNLI accuracy"]["mean"]
         + summary["POS accuracy"]["mean"]) / 3)
    assert list(tables["ner/charnoise"]["rows"][0]["cells"]) == ["de", "avg", "enf", "non-enf"]
    with open(output / "results.csv", encoding="utf-8") as csv_file:
        assert {row["task"] for row in csv.DictReader(csv_file)} == {"all", "xnli", "ner",
                                                                     "pos"}

    # again without NER's data: cached, and the NER run is listed as left out, with why
    run_subcommand("xfuse-report", str(task_runs), "--output", str(output), "--no-plots",
                   "--task-data", f"xnli={xnli_sample_dir()}")
    printed = capsys.readouterr().out
    assert "Evaluated 0 archive/split pairs (8 from the cache)." in printed
    assert "ner_baseline_s1: a NER (PAN-X) run: no --task-data ner=DIR" in printed
    assert "pos_dlfa_s1: a POS (UD) run: no --task-data pos=DIR" in printed
    assert "Left out 3" in printed


def test_a_bad_task_data_option_is_a_one_line_error(task_runs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_subcommand("xfuse-report", str(task_runs), "--output", str(tmp_path / "r"),
                       "--task-data", "srl=.")
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error == ("allennlp xfuse-report: error: --task-data srl=.: unknown task 'srl'; the "
                     "tasks are pawsx, xnli, ner, pos.")
