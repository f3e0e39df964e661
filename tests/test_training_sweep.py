"""The layer sweep: planning (names, overrides, seeds), skipping finished runs, recovering."""
import json
import os

import pytest

from allennlp_xfuse.training.overrides import LAYERS_KEY, merge_overrides
from allennlp_xfuse.training.run_names import config_run_name, parse_named_config
from allennlp_xfuse.training.sweep_plan import (
    FINISHED,
    INCOMPLETE,
    INTERRUPTED,
    NEW,
    UNKNOWN,
    parse_int_list,
    plan_sweep,
    run_state,
)
from tests.helpers import CONFIG_DIR, tiny_sweep


def test_parse_int_list():
    assert parse_int_list("1-11") == list(range(1, 12))
    assert parse_int_list("1,3, 5") == [1, 3, 5]
    assert parse_int_list("1-3,8,2") == [1, 2, 3, 8]
    assert parse_int_list("-2") == [-2]
    for bad in ("", "3-1", "a", "1-"):
        with pytest.raises(ValueError):
            parse_int_list(bad)


def test_names():
    assert config_run_name("training_configs/pawsx_baseline.jsonnet") == "baseline"
    assert config_run_name("my_aif.jsonnet") == "my_aif"
    assert parse_named_config("big=configs/x.jsonnet") == ("big", "configs/x.jsonnet")
    assert parse_named_config("training_configs/pawsx_aif.jsonnet") == (
        "aif", "training_configs/pawsx_aif.jsonnet"
    )


def test_merge_overrides_respects_nested_user_values():
    user = {"trainer": {"num_epochs": 1}, "random_seed": 7, "x.y": 1}
    merged = merge_overrides(user, {"trainer.cuda_device": 0, "random_seed": 1, "z": 2})
    assert merged == {"trainer": {"num_epochs": 1, "cuda_device": 0}, "random_seed": 1,
                      "x.y": 1, "z": 2}
    assert user["trainer"] == {"num_epochs": 1}  # not modified in place


def test_plan_sweep(tmp_path):
    runs = plan_sweep(
        str(CONFIG_DIR / "pawsx_dlfa.jsonnet"), [3, 6], [1, 2], str(tmp_path),
        overrides={"trainer.num_epochs": 1},
        include_configs=[("baseline", str(CONFIG_DIR / "pawsx_baseline.jsonnet"))],
        config_overrides={"baseline": {"trainer.num_epochs": 2}},
    )
    assert [run.name for run in runs] == [
        "dlfa_L3_s1", "dlfa_L3_s2", "dlfa_L6_s1", "dlfa_L6_s2", "baseline_s1", "baseline_s2"
    ]
    first = runs[0]
    assert first.serialization_dir == os.path.join(str(tmp_path), "dlfa_L3_s1")
    assert first.overrides == {
        "trainer.num_epochs": 1, LAYERS_KEY: [3, -1],
        "random_seed": 1, "numpy_seed": 1, "pytorch_seed": 1,
    }
    assert runs[-1].overrides == {
        "trainer.num_epochs": 2, "random_seed": 2, "numpy_seed": 2, "pytorch_seed": 2
    }
    assert (runs[-1].fusion_layer, runs[-1].seed) == (None, 2)


def test_run_state(tmp_path):
    assert run_state(str(tmp_path / "missing")) == NEW
    run = tmp_path / "run"
    run.mkdir()
    assert run_state(str(run)) == NEW
    (run / "config.json").write_text("{}")
    # started over (deleted) only when the sweep started it and it holds only training files
    assert run_state(str(run)) == UNKNOWN
    assert run_state(str(run), started_by_sweep=True) == INCOMPLETE
    (run / "notes.txt").write_text("mine")
    assert run_state(str(run), started_by_sweep=True) == UNKNOWN
    (run / "notes.txt").unlink()
    (run / "training_state_e1_b0.th").write_text("")
    assert run_state(str(run)) == INTERRUPTED
    (run / "model.tar.gz").write_text("")
    (run / "metrics.json").write_text("{}")
    assert run_state(str(run)) == FINISHED


def test_sweep_skips_finished_runs_and_recovers_interrupted_ones(tiny_model_dir, tmp_path):
    sweep_dir = str(tmp_path / "sweep")
    first = tiny_sweep(tiny_model_dir, sweep_dir, layers=(2,), include=("baseline",))
    assert [(e["name"], e["status"]) for e in first] == [
        ("dlfa_L2_s1", "trained"), ("baseline_s1", "trained")
    ]
    archive = os.path.join(sweep_dir, "dlfa_L2_s1", "model.tar.gz")
    mtime = os.stat(archive).st_mtime_ns
    config = json.load(open(os.path.join(sweep_dir, "dlfa_L2_s1", "config.json")))
    assert config["model"]["text_field_embedder"]["token_embedders"]["tokens"]["layers"] == [2, -1]
    assert config["random_seed"] == config["numpy_seed"] == config["pytorch_seed"] == 1

    second = tiny_sweep(tiny_model_dir, sweep_dir, layers=(2,), include=("baseline",))
    assert [e["status"] for e in second] == ["skipped (finished)"] * 2
    assert os.stat(archive).st_mtime_ns == mtime

    # an interrupted run: checkpoints but no archive yet
    os.remove(archive)
    os.remove(os.path.join(sweep_dir, "dlfa_L2_s1", "metrics.json"))
    third = tiny_sweep(tiny_model_dir, sweep_dir, layers=(2,), include=("baseline",))
    assert [e["status"] for e in third] == ["recovered", "skipped (finished)"]
    assert os.path.isfile(archive)

    summary = json.load(open(os.path.join(sweep_dir, "sweep.json")))
    assert sorted(summary["runs"]) == ["baseline_s1", "dlfa_L2_s1"]
    entry = summary["runs"]["dlfa_L2_s1"]
    assert entry["status"] == "recovered" and entry["fusion_layer"] == 2
    # a recovered run is not bit-identical to an uninterrupted one, and the sweep says so
    assert "not bit-identical" in entry["note"]
    assert 0.0 <= entry["metrics"]["best_validation_accuracy"] <= 1.0


def test_the_sweep_prints_each_runs_own_validation_metric(tmp_path, capsys):
    # NER runs are selected on span F1, the others on accuracy: the summary line says which.
    from allennlp_xfuse.commands.sweep import _print_entries

    entries = []
    for name, metric in [("ner_dlfa_L9_s1", "+f1-measure-overall"), ("pos_baseline_s1", None)]:
        run_dir = tmp_path / name
        run_dir.mkdir()
        if metric:
            (run_dir / "config.json").write_text(
                json.dumps({"trainer": {"validation_metric": metric}}), encoding="utf-8")
        entries.append({"name": name, "status": "trained", "serialization_dir": str(run_dir),
                        "metrics": {"best_validation_accuracy": 0.25,
                                    "best_validation_f1-measure-overall": 0.5}})
    _print_entries(entries)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ner_dlfa_L9_s1", "trained", "best", "validation",
                                "f1-measure-overall", "0.5000"]
    assert lines[1].split()[-3:] == ["validation", "accuracy", "0.2500"]
