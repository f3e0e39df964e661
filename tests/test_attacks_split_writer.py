"""Writing adversarial splits (append, repair, resume) and their summary figures."""
import json
import os

import pytest
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.commands.command_line import format_summary_table
from allennlp_xfuse.data.adversarial_split import (
    SPLIT_FIELDS,
    SplitWriter,
    read_split,
    repair_truncated_tail,
    split_metrics,
    summarize,
    write_summary,
)


def record(example_id, status, language="de", ratio=0.1, queries=10):
    return {"id": example_id, "language": language, "status": status, "recipe": "r",
            "perturbed_word_ratio": ratio, "num_queries": queries}


def test_writer_appends_flushed_lines_in_field_order(tmp_path):
    path = str(tmp_path / "sub" / "split.jsonl")
    with SplitWriter(path, recipe="r") as writer:
        writer.write({**record("1", "succeeded"), "sentence1": "Grüße", "extra": "dropped"})
        # flushed: readable before the writer is closed
        assert list(json.loads(open(path, encoding="utf-8").readline())) == list(SPLIT_FIELDS)
    line = open(path, encoding="utf-8").read()
    assert "Grüße" in line and "extra" not in line  # UTF-8 as is, only the split's fields


def test_resume_repairs_the_tail_and_knows_what_is_done(tmp_path):
    path = tmp_path / "split.jsonl"
    complete = json.dumps(record("1", "failed")) + "\n"
    path.write_text(complete + '{"id": "2", "stat', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="--resume"):
        SplitWriter(str(path), recipe="r")
    with pytest.raises(ConfigurationError, match="made with recipe"):
        SplitWriter(str(path), resume=True, recipe="other")
    writer = SplitWriter(str(path), resume=True, recipe="r")
    writer.close()
    assert path.read_text(encoding="utf-8") == complete
    assert writer.done == {("de", "1")}

    # a complete last record that only lost its line break keeps the record
    path.write_text(complete.strip(), encoding="utf-8")
    assert repair_truncated_tail(str(path)) and path.read_text(encoding="utf-8") == complete
    assert not repair_truncated_tail(str(path))

    # damage anywhere but the last line is not guessed at
    path.write_text("not json\n" + complete, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="split.jsonl:1"):
        read_split(str(path))


def test_figures_follow_textattack_definitions():
    records = (
        [record(str(i), "succeeded", ratio=0.2, queries=30) for i in range(3)]
        + [record("f", "failed", ratio=0.5, queries=100)]
        + [record(str(i), "skipped", ratio=0.0, queries=1) for i in range(10, 14)]
    )
    figures = split_metrics(records)
    assert figures["examples"] == 8
    assert figures["original_accuracy"] == 50.0  # (8 - 4 skipped) / 8
    assert figures["accuracy_under_attack"] == 12.5  # 1 failed / 8
    assert figures["attack_success_rate"] == 75.0  # 3 / (3 + 1)
    assert figures["avg_perturbed_word_percent"] == 20.0  # successful attacks only
    assert figures["avg_num_queries"] == 47.5  # (3 * 30 + 100) / 4, skipped left out

    perturbed = split_metrics([record("1", "perturbed", ratio=0.1, queries=None)])
    assert perturbed["original_accuracy"] is None and perturbed["avg_perturbed_word_percent"] == 10


def test_summary_per_language_written_atomically(tmp_path):
    records = [record("1", "succeeded", "ja"), record("1", "failed", "ko")]
    summary = summarize(records, recipe="deepwordbug")
    assert list(summary["languages"]) == ["ja", "ko"] and summary["all"]["examples"] == 2
    path = tmp_path / "split.jsonl.summary.json"
    write_summary(str(path), summary)
    assert json.loads(path.read_text())["recipe"] == "deepwordbug"
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind
    table = format_summary_table(summary).splitlines()
    assert table[0].split()[:3] == ["language", "examples", "orig"]
    assert [line.split()[0] for line in table[2:]] == ["ja", "ko", "all"]
