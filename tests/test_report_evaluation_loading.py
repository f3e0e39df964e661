"""
How `xfuse-report`/`xfuse-inspect` read a split they evaluate: streamed, in a data-loader worker
on a GPU (`one_pass_loading`), with the same results as in the main process and the reader's
own message for a bad file.
"""
import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.report.evaluation import (
    STREAMED_BATCHES,
    ArchiveEvaluation,
    default_num_workers,
    one_pass_loading,
)


def test_one_pass_loading_fills_in_what_the_config_leaves_open():
    params = Params({"batch_size": 64, "shuffle": False})
    one_pass_loading(params, num_workers=1)
    assert params.as_dict() == {"batch_size": 64, "shuffle": False, "num_workers": 1,
                                "max_instances_in_memory": STREAMED_BATCHES * 64}

    in_process = Params({"batch_size": 8})
    one_pass_loading(in_process, num_workers=0)
    assert in_process.as_dict() == {"batch_size": 8, "max_instances_in_memory": 8 * 32}

    chosen = {"batch_size": 8, "num_workers": 0, "max_instances_in_memory": 100}
    configured = Params(dict(chosen))
    one_pass_loading(configured, num_workers=2)
    assert configured.as_dict() == chosen  # the config's own choices win

    # with a batch sampler chunks could change the batches: not streamed
    sampled = Params({"batch_sampler": {"type": "bucket", "batch_size": 8}})
    one_pass_loading(sampled, num_workers=0)
    assert "max_instances_in_memory" not in sampled


def test_gpu_evaluations_read_in_a_worker_cpu_ones_in_process():
    assert default_num_workers(-1) == 0
    assert default_num_workers(0) == default_num_workers(3) == 1


def evaluate(archive: str, split: str, num_workers: int, batch_size: int = 1):
    evaluation = ArchiveEvaluation(archive, batch_size=batch_size, num_workers=num_workers)
    try:
        return evaluation.evaluate(split)
    finally:
        evaluation.close()


def test_a_worker_and_the_main_process_give_the_same_results(trained_archive, sample_dir):
    # batch size 1: chunks of 32 instances, so the 60 pairs stream in two chunks
    split = str(sample_dir / "de" / "test_2k.tsv")
    in_process = evaluate(trained_archive, split, num_workers=0)
    in_a_worker = evaluate(trained_archive, split, num_workers=1)
    assert in_a_worker.num_examples == in_process.num_examples == 60
    assert in_a_worker.metrics == in_process.metrics
    assert in_a_worker.predictions == in_process.predictions
    # in the file's order
    with open(split, encoding="utf-8") as lines:
        ids = [line.split("\t")[0] for line in list(lines)[1:]]
    assert [prediction.id for prediction in in_a_worker.predictions] == ids


def test_a_bad_file_read_in_a_worker_is_reported_with_the_readers_message(trained_archive,
                                                                          tmp_path):
    unlabeled = tmp_path / "test-fr.tsv"
    unlabeled.write_text("Le chat dort.\tLe chat est endormi.\n" * 3, encoding="utf-8")
    for num_workers in (0, 1):
        with pytest.raises(ConfigurationError) as raised:
            evaluate(trained_archive, str(unlabeled), num_workers=num_workers)
        # the reader's own line, not the worker's traceback
        assert str(raised.value).startswith(f"{unlabeled}: the file has no labels"), raised.value
        assert "Traceback" not in str(raised.value)
