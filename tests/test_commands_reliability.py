"""
The `xfuse-*` commands against hostile input, interruptions and re-runs (issue #12): one line
that says what, where and how to fix, a non-zero exit, and no existing file touched. In-process
wherever possible; one subprocess for Ctrl-C.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Tuple

import pytest

from allennlp_xfuse.data.adversarial_split import summary_path
from allennlp_xfuse.report.build import build_report
from allennlp_xfuse.report.discovery import find_runs
from allennlp_xfuse.training.sweep_plan import plan_sweep
from allennlp_xfuse.training.sweep_runner import SweepError, run_sweep
from tests.helpers import (
    CONFIG_DIR,
    cached_classifier_archive,
    one_line_error,
    run_subcommand,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, name: str, *argv) -> Tuple[int, str, str]:
    """Runs `allennlp <name> ARGV` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    code = 0
    try:
        run_subcommand(name, *map(str, argv))
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(directory: Path):
    """Every file under `directory` with its bytes: to check nothing was touched."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*")) if path.is_file()
    }


# -- xfuse-perturb / xfuse-attack: --resume, settings, paths ----------------------------------


def perturb(capsys, source, output, *extra):
    return cli(capsys, "xfuse-perturb", source, "--output", output, "--num-examples", "4", *extra)


@pytest.mark.parametrize(
    "content",
    [
        "id\tsentence1\tsentence2\tlabel\n1\tA cat.\tA dog.\t0",  # a TSV without a final newline
        '{\n  "dataset_reader": {"type": "pawsx"}\n}',  # a config.json
        '{"id": "1", "sentence1": "a", "sentence2": "b"}\n{"id": "2", "sent',  # other JSON lines
    ],
)
def test_resume_touches_nothing_that_is_not_a_split(tmp_path, capsys, sample_dir, content):
    output = tmp_path / "not_a_split.jsonl"
    output.write_text(content, encoding="utf-8")
    code, _, err = perturb(capsys, sample_dir / "de" / "test_2k.tsv", output, "--resume")
    assert code == 2
    assert "is not an adversarial split" in one_line_error(err, "xfuse-perturb")
    assert output.read_text(encoding="utf-8") == content
    assert sorted(os.listdir(tmp_path)) == [output.name]


def test_perturb_resume_refuses_other_settings(tmp_path, capsys, sample_dir):
    source = sample_dir / "fr" / "test_2k.tsv"
    output = tmp_path / "fr.charnoise.jsonl"
    code, _, err = perturb(capsys, source, output, "--seed", "5", "--rate", "0.2")
    assert code == 0, err
    before = snapshot(tmp_path)
    for changed, shown in [
        (["--seed", "6", "--rate", "0.2"], "seed 5 (now 6)"),
        (["--seed", "5", "--rate", "0.3"], "rate 0.2 (now 0.3)"),
        (["--seed", "5", "--rate", "0.2", "--perturb", "sentence1"],
         'perturb "both" (now "sentence1")'),
        (["--seed", "5", "--rate", "0.2", "--recipe-params", '{"edits": ["delete"]}'],
         'recipe_params {} (now {"edits": ["delete"]})'),
    ]:
        code, _, err = perturb(capsys, source, output, "--resume", *changed)
        assert code == 2, changed
        message = one_line_error(err, "xfuse-perturb")
        assert shown in message and "resuming would mix" in message, message
        assert snapshot(tmp_path) == before
    # the same settings continue it (here: nothing left to do)
    code, _, err = perturb(capsys, source, output, "--resume", "--seed", "5", "--rate", "0.2")
    assert code == 0, err
    assert output.read_bytes() == before[output.name]


def test_attack_resume_refuses_another_archive_or_seed(tmp_path, capsys, sample_dir):
    # refused before the model is loaded: any file stands for the archive
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(b"an archive")
    digest = hashlib.sha256(b"an archive").hexdigest()
    output = tmp_path / "en.deepwordbug.jsonl"
    record = {"id": "1", "language": "en", "sentence1": "a", "sentence2": "b", "label": 1,
              "original_sentence1": "a", "original_sentence2": "b", "recipe": "deepwordbug",
              "status": "failed", "num_queries": 3, "perturbed_word_ratio": 0.0,
              "original_prediction": 1, "perturbed_prediction": 1}
    output.write_text(json.dumps(record) + "\n", encoding="utf-8")
    settings = {"archive_sha256": digest, "seed": 13, "perturb": "both", "query_budget": None,
                "recipe_params": {}}
    Path(summary_path(str(output))).write_text(json.dumps({"settings": settings}))
    before = snapshot(tmp_path)
    source = sample_dir / "en" / "test_2k.tsv"
    for changed, shown in [
        (["--seed", "14"], "seed 13 (now 14)"),
        (["--query-budget", "50"], "query_budget null (now 50)"),
    ]:
        code, _, err = cli(capsys, "xfuse-attack", archive, source, "--recipe", "deepwordbug",
                           "--output", output, "--resume", *changed)
        assert code == 2 and shown in one_line_error(err, "xfuse-attack"), err
        assert snapshot(tmp_path) == before
    other = tmp_path / "other.tar.gz"
    other.write_bytes(b"another archive")
    code, _, err = cli(capsys, "xfuse-attack", other, source, "--recipe", "deepwordbug",
                       "--output", output, "--resume")
    assert code == 2 and f"archive_sha256 {digest[:12]}" in one_line_error(err, "xfuse-attack")
    assert snapshot(tmp_path) == {**before, "other.tar.gz": b"another archive"}


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--recipe-params", '{"rate": 0.3}'], "sets 'rate', which --rate already sets"),
        (["--recipe-params", '{"perturb": "sentence1"}'], "which --perturb already sets"),
        (["--recipe-params", '{"type": "pruthi"}'], "cannot set 'type'"),
        (["--recipe-params", '{"rate": '], "--recipe-params is not valid JSON"),
        (["--recipe-params", "[1]"], "must be a JSON object"),
        (["--recipe-params", '{"keep_numbers": false}'],
         "--recipe-params: Extra parameters passed to CharNoise"),
        (["--output", "{tmp}"], "is a directory: name a file"),
        (["--output", "{file}/split.jsonl"], "is a file, so nothing can be written under it"),
    ],
)
def test_perturb_bad_arguments_are_one_line(tmp_path, capsys, sample_dir, arguments, message):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    arguments = [a.replace("{tmp}", str(tmp_path)).replace("{file}", str(blocker))
                 for a in arguments]
    if "--output" not in arguments:
        arguments += ["--output", str(tmp_path / "out.jsonl")]
    code, _, err = cli(capsys, "xfuse-perturb", sample_dir / "es" / "test_2k.tsv", *arguments)
    assert code == 2 and message in one_line_error(err, "xfuse-perturb"), err
    assert sorted(os.listdir(tmp_path)) == ["blocker"]


def truncated_archive(path: Path) -> Path:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("config.json", b"{}"), ("weights.th", os.urandom(100_000))):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    path.write_bytes(path.read_bytes()[:30_000])
    return path


def test_attack_on_a_truncated_archive_names_it(tmp_path, capsys, sample_dir):
    archive = truncated_archive(tmp_path / "model.tar.gz")
    output = tmp_path / "adv" / "en.deepwordbug.jsonl"
    code, _, err = cli(capsys, "xfuse-attack", archive, sample_dir / "en" / "test_2k.tsv",
                       "--recipe", "deepwordbug", "--num-examples", "2", "--output", output)
    message = one_line_error(err, "xfuse-attack")
    assert code == 2 and f"{archive} (30,000 bytes) is not a complete model archive" in message
    assert "Compressed file ended" in message and "Copy it again" in message
    assert not output.exists() and not Path(summary_path(str(output))).exists()


def test_ctrl_c_during_an_attack_exits_130_with_how_to_resume(
    tmp_path, tiny_model_dir, sample_dir
):
    archive = cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))
    output = tmp_path / "en.deepwordbug.jsonl"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "allennlp", "xfuse-attack", archive,
         str(sample_dir / "en" / "test_2k.tsv"), "--recipe", "deepwordbug", "--batch-size", "1",
         "--output", str(output)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 300
    while process.poll() is None and time.time() < deadline:
        if output.exists() and output.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last == (
        f"allennlp xfuse-attack: interrupted; the finished examples are saved in {output}; run "
        "the same command with --resume to continue."
    )
    assert "Traceback" not in err and "Split:" not in out  # no summary of a partial run
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines and all(json.loads(line)["recipe"] == "deepwordbug" for line in lines[:-1])


# -- xfuse-sweep ------------------------------------------------------------------------------


def dlfa_runs(sweep_dir: Path, layers=(3,)):
    return plan_sweep(str(CONFIG_DIR / "pawsx_dlfa.jsonnet"), list(layers), [1], str(sweep_dir))


def test_sweep_never_deletes_what_it_did_not_write(tmp_path):
    sweep_dir = tmp_path / "sweep"
    notes = sweep_dir / "dlfa_L3_s1"
    notes.mkdir(parents=True)
    (notes / "notes.txt").write_text("my notes")
    (notes / "config.json").write_text("{}")
    elsewhere = sweep_dir / "dlfa_L4_s1"
    elsewhere.mkdir()
    (elsewhere / "model.tar.gz").write_bytes(b"an archive from elsewhere")
    before = snapshot(sweep_dir)
    with pytest.raises(SweepError) as error:
        run_sweep(dlfa_runs(sweep_dir, layers=(3, 4)), str(sweep_dir))
    message = str(error.value)
    assert message.startswith("2 sweep run(s) not done: dlfa_L3_s1 (")
    assert "files that allennlp train does not write (notes.txt)" in message
    assert f"dlfa_L4_s1 ({elsewhere}): not trained, the sweep did not start it" in message
    assert "never deletes" in message and "Move those files away" in message
    assert [entry["status"] for entry in error.value.entries] == ["skipped (not the sweep's)"] * 2
    # nothing deleted, and nothing recorded that would make the directories look started
    assert snapshot(sweep_dir) == before


def test_a_failed_sweep_run_is_named_with_its_message(tmp_path):
    sweep_dir = tmp_path / "sweep"
    run_dir = sweep_dir / "dlfa_L3_s1"
    run_dir.mkdir(parents=True)
    # a run the sweep started, whose recorded config no longer fits (one value changed)
    from allennlp.common import Params

    (run,) = dlfa_runs(sweep_dir)
    config = Params.from_file(run.config_file, json.dumps(run.overrides)).as_dict()
    config["trainer"]["num_epochs"] += 1
    (run_dir / "config.json").write_text(json.dumps(config))
    (run_dir / "training_state_e0_b0.th").write_bytes(b"torn")
    (sweep_dir / "sweep.json").write_text(json.dumps(
        {"runs": {"dlfa_L3_s1": {"serialization_dir": str(run_dir), "status": "started"}}}
    ))
    with pytest.raises(SweepError) as error:
        run_sweep(dlfa_runs(sweep_dir), str(sweep_dir))
    message = str(error.value)
    assert f"dlfa_L3_s1 ({run_dir}): ConfigurationError: Training configuration does not " \
           "match" in message
    assert "delete the newest model_state_*.th and training_state_*.th" in message
    recorded = json.loads((sweep_dir / "sweep.json").read_text())["runs"]["dlfa_L3_s1"]
    assert recorded["status"] == "failed" and "Training configuration" in recorded["error"]
    assert (run_dir / "training_state_e0_b0.th").read_bytes() == b"torn"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--overrides", '{"trainer": '],
         "--overrides is not valid JSON/Jsonnet (STATIC ERROR: 1:13: unexpected end of file.)"),
        (["--overrides", "[1]"], "--overrides must be a JSON object"),
        (["--overrides-for", "aif", "{x"], "--overrides-for aif is not valid JSON/Jsonnet"),
        (["-s", "{file}"], "--serialization-dir {file} is a file, not a directory"),
    ],
)
def test_sweep_bad_arguments_are_one_line(tmp_path, capsys, arguments, message):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    arguments = [argument.replace("{file}", str(blocker)) for argument in arguments]
    if "-s" not in arguments:
        arguments += ["-s", str(tmp_path / "sweep")]
    code, _, err = cli(capsys, "xfuse-sweep", CONFIG_DIR / "pawsx_dlfa.jsonnet", "--dry-run",
                       *arguments)
    message = message.replace("{file}", str(blocker))
    assert code == 2 and message in one_line_error(err, "xfuse-sweep"), err
    assert sorted(os.listdir(tmp_path)) == ["blocker"]


# -- xfuse-report ------------------------------------------------------------------------------


def test_report_says_which_runs_it_left_out_and_why(tmp_path, capsys):
    runs = tmp_path / "runs"
    finished = runs / "baseline_s1"
    training = runs / "dlfa_L3_s1"
    archiving = runs / "aif_s1"
    for run in (finished, training, archiving):
        run.mkdir(parents=True)
        (run / "config.json").write_text('{"random_seed": 1}')
    (finished / "model.tar.gz").write_bytes(b"")
    (finished / "metrics.json").write_text("{}")
    (training / "out.log").write_text("")
    (training / "model_state_e0_b0.th").write_bytes(b"")
    (archiving / "model.tar.gz").write_bytes(b"half written")
    (archiving / "training_state_e1_b0.th").write_bytes(b"")

    left_out = []
    assert [run.name for run in find_runs([str(runs)], left_out=left_out)] == ["baseline_s1"]
    reasons = {item.path: item.reason for item in left_out}
    assert reasons[str(training)].startswith("no model.tar.gz: training has not finished")
    assert reasons[str(archiving)].startswith("training has not finished: checkpoints but no")

    output = build_report([str(runs)], str(tmp_path / "report"), plots=False)
    assert output.left_out == left_out
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Left out" in report and f"| `{training}` | no model.tar.gz" in report
    saved = json.loads((tmp_path / "report" / "results.json").read_text())["left_out"]
    assert {item["path"] for item in saved} == {str(training), str(archiving)}

    code, out, err = cli(capsys, "xfuse-report", runs, "--no-plots", "-o", tmp_path / "again")
    assert code == 0, err
    assert "Left out 2 (listed in report.md):" in out and f"  {archiving}: training has" in out

    # nothing finished at all: the error says what was found
    code, _, err = cli(capsys, "xfuse-report", training, "-o", tmp_path / "none")
    assert code == 2 and "no model.tar.gz: training has not finished" in one_line_error(
        err, "xfuse-report"
    )


def test_report_names_a_truncated_archive_before_evaluating(tmp_path, capsys, sample_dir):
    run = tmp_path / "runs" / "baseline_s1"
    run.mkdir(parents=True)
    (run / "config.json").write_text('{"random_seed": 1}')
    (run / "metrics.json").write_text("{}")
    truncated_archive(run / "model.tar.gz")
    output = tmp_path / "report"
    code, _, err = cli(capsys, "xfuse-report", run, "--clean", sample_dir, "-o", output)
    message = one_line_error(err, "xfuse-report")
    assert code == 2 and f"{run / 'model.tar.gz'} (30,000 bytes) is not a complete" in message
    assert not output.exists()

    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    code, _, err = cli(capsys, "xfuse-report", run, "-o", blocker)
    assert code == 2 and "is a file, not a directory" in one_line_error(err, "xfuse-report")
