"""
`allennlp xfuse-perturb` and `allennlp xfuse-attack` through AllenNLP's real command-line entry
point: in-process (fast) except for the run that is killed with SIGKILL.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import cached_classifier_archive
from tests.helpers import run_allennlp as allennlp

REPO_ROOT = Path(__file__).resolve().parents[1]


def lines(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def archive(tiny_model_dir, sample_dir):
    return cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))


def test_perturb_writes_split_and_summary_and_resumes(tmp_path, sample_dir):
    source = sample_dir / "ko" / "test_2k.tsv"
    full = tmp_path / "full.jsonl"
    code, out, err = allennlp(
        "xfuse-perturb", source, "--rate", "0.2", "--seed", "5", "--output", full,
        "--num-examples", "10",
    )
    assert code == 0, err
    records = lines(full)
    assert [r["id"] for r in records] == [str(i) for i in range(1, 11)]
    assert all(r["status"] == "perturbed" and r["language"] == "ko" for r in records)
    assert all(r["sentence1"] != r["original_sentence1"] for r in records)
    summary = json.loads(Path(f"{full}.summary.json").read_text())
    assert summary["all"]["examples"] == 10 and summary["rate"] == 0.2
    assert "perturbed words %" in out and "ko" in out

    # an interrupted run: 4 lines and half of the fifth
    partial = tmp_path / "partial.jsonl"
    text = full.read_text(encoding="utf-8").splitlines(keepends=True)
    partial.write_text("".join(text[:4]) + text[4][:25], encoding="utf-8")
    code, _, err = allennlp(
        "xfuse-perturb", source, "--rate", "0.2", "--seed", "5", "--output", partial,
        "--num-examples", "10",
    )
    assert code == 2 and "--resume" in err
    code, _, err = allennlp(
        "xfuse-perturb", source, "--rate", "0.2", "--seed", "5", "--output", partial,
        "--num-examples", "10", "--resume",
    )
    assert code == 0, err
    assert partial.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


def test_kill_9_then_resume_writes_every_example_exactly_once(tmp_path, archive, sample_dir):
    source = sample_dir / "en" / "test_2k.tsv"
    output = tmp_path / "en.deepwordbug.jsonl"
    arguments = ["--recipe", "deepwordbug", "--num-examples", "8", "--batch-size", "1"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "OMP_NUM_THREADS": "1"}
    with open(tmp_path / "stderr.txt", "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "allennlp", "xfuse-attack", str(archive), str(source),
             *arguments, "--output", str(output)],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
        deadline = time.time() + 300
        while process.poll() is None and time.time() < deadline:
            if output.exists() and output.read_bytes().count(b"\n") >= 1:
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()[-3000:]
    before_kill = output.read_text(encoding="utf-8").splitlines(keepends=True)
    complete = [line for line in before_kill if line.endswith("\n")]
    assert 1 <= len(complete) < 8
    # as if the kill had landed in the middle of a write
    with open(output, "a", encoding="utf-8") as split:
        split.write('{"id": "99", "language": "en", "sente')

    code, out, err = allennlp(
        "xfuse-attack", archive, source, *arguments, "--output", output, "--resume"
    )
    assert code == 0, err
    resumed = output.read_text(encoding="utf-8").splitlines(keepends=True)
    assert resumed[: len(complete)] == complete  # nothing written before the kill changed
    ids = [json.loads(line)["id"] for line in resumed]
    assert sorted(ids, key=int) == [str(i) for i in range(1, 9)]  # each exactly once

    # the same as a run that was never interrupted
    uninterrupted = tmp_path / "uninterrupted.jsonl"
    code, _, err = allennlp(
        "xfuse-attack", archive, source, *arguments, "--output", uninterrupted
    )
    assert code == 0, err
    by_id = {record["id"]: record for record in lines(uninterrupted)}
    assert {record["id"]: record for record in lines(output)} == by_id

    summary = json.loads(Path(f"{output}.summary.json").read_text())
    figures = summary["languages"]["en"]
    assert figures["examples"] == 8
    assert figures["succeeded"] + figures["failed"] + figures["skipped"] == 8
    assert "attacked acc %" in out and summary["recipe"] == "deepwordbug"

    # `allennlp evaluate` on the split: the victim's accuracy is the accuracy under attack
    metrics = tmp_path / "metrics.json"
    code, _, err = allennlp("evaluate", archive, output, "--output-file", metrics)
    assert code == 0, err
    accuracy = json.loads(metrics.read_text())["accuracy"]
    assert accuracy == pytest.approx(figures["accuracy_under_attack"] / 100, abs=1 / 8 + 1e-9)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["xfuse-perturb", "{tmp}/missing.tsv", "--output", "{tmp}/o.jsonl"], "not found"),
        (["xfuse-perturb", "{de}", "--recipe", "nope", "--output", "{tmp}/o.jsonl"],
         "Unknown recipe 'nope'"),
        (["xfuse-perturb", "{empty}", "--output", "{tmp}/o.jsonl"], "no sentence pair"),
        (["xfuse-perturb", "{de}", "--language", "xx", "--output", "{tmp}/o.jsonl"],
         "Unknown language 'xx'"),
        (["xfuse-perturb", "{nolanguage}", "--output", "{tmp}/o.jsonl"],
         "Cannot tell the language"),
        (["xfuse-perturb", "{de}", "--output", "{existing}"], "already exists"),
        (["xfuse-perturb", "{de}", "--recipe", "pruthi", "--output", "{tmp}/o.jsonl"],
         "use allennlp xfuse-attack"),
        (["xfuse-attack", "{tmp}/missing.tar.gz", "{de}", "--recipe", "deepwordbug",
          "--output", "{tmp}/o.jsonl"], "Model archive not found"),
        (["xfuse-attack", "{archive}", "{tmp}/missing.tsv", "--recipe", "deepwordbug",
          "--output", "{tmp}/o.jsonl"], "not found"),
        (["xfuse-attack", "{archive}", "{de}", "--recipe", "charnoise",
          "--output", "{tmp}/o.jsonl"], "xfuse-perturb"),
        (["xfuse-attack", "{archive}", "{unlabeled}", "--recipe", "deepwordbug",
          "--output", "{tmp}/o.jsonl"], "has no label"),
        (["xfuse-attack", "{archive}", "{de}", "--recipe", "deepwordbug", "--language", "tlh",
          "--output", "{tmp}/o.jsonl"], "Unknown language 'tlh'"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, archive, sample_dir, arguments, message):
    (tmp_path / "empty").mkdir()
    empty = tmp_path / "empty" / "de" / "test_2k.tsv"
    empty.parent.mkdir()
    empty.write_text("id\tsentence1\tsentence2\tlabel\n")
    no_language = tmp_path / "pairs.tsv"
    no_language.write_text((sample_dir / "de" / "test_2k.tsv").read_text(encoding="utf-8"))
    unlabeled = tmp_path / "test-fr.tsv"
    unlabeled.write_text("Le chat dort.\tLe chat est endormi.\n")
    existing = tmp_path / "existing.jsonl"
    existing.write_text('{"id": "1"}\n')
    values = {
        "tmp": tmp_path, "de": sample_dir / "de" / "test_2k.tsv", "empty": empty,
        "nolanguage": no_language, "unlabeled": unlabeled, "existing": existing,
        "archive": archive,
    }
    code, _, err = allennlp(*(argument.format(**values) for argument in arguments))
    assert code == 2
    assert message in err and "error:" in err
    assert "Traceback" not in err


def test_importing_the_plugin_does_not_import_textattack():
    # TextAttack takes seconds to import (and jieba, flair...); only attack runs need it
    code = (
        "import sys, allennlp_xfuse; "
        "loaded = [m for m in ('textattack', 'jieba', 'flair') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
