"""
How `xfuse-report`/`xfuse-inspect` read a split they evaluate: streamed (`one_pass_loading`),
with the results of the whole split in memory, and a reader's own message for a bad file read
by a data-loader worker (a config with `num_workers`).
"""
import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data.data_loaders.multiprocess_data_loader import WorkerError

from allennlp_xfuse.report.evaluation import (
    STREAMED_BATCHES,
    ArchiveEvaluation,
    one_pass_loading,
)
from allennlp_xfuse.stock_command_errors import user_error_from_worker


def test_one_pass_loading_fills_in_what_the_config_leaves_open():
    params = Params({"batch_size": 64, "shuffle": False})
    one_pass_loading(params)
    assert params.as_dict() == {"batch_size": 64, "shuffle": False,
                                "max_instances_in_memory": STREAMED_BATCHES * 64}

    chosen = {"batch_size": 8, "num_workers": 0, "max_instances_in_memory": 100}
    configured = Params(dict(chosen))
    one_pass_loading(configured)
    assert configured.as_dict() == chosen  # the config's own choices win

    # with a batch sampler chunks could change the batches: not streamed
    sampled = Params({"batch_sampler": {"type": "bucket", "batch_size": 8}})
    one_pass_loading(sampled)
    assert "max_instances_in_memory" not in sampled


def test_streamed_evaluation_gives_the_results_of_the_whole_split(trained_archive, sample_dir):
    # batch size 1: chunks of 32 instances, so the 60 pairs stream in two chunks; batch size 64:
    # one chunk holding the whole split
    split = str(sample_dir / "de" / "test_2k.tsv")
    results = []
    for batch_size in (1, 64):
        evaluation = ArchiveEvaluation(trained_archive, batch_size=batch_size)
        try:
            results.append(evaluation.evaluate(split))
        finally:
            evaluation.close()
    streamed, whole = results
    assert streamed.num_examples == whole.num_examples == 60
    assert streamed.metrics["accuracy"] == whole.metrics["accuracy"]
    assert streamed.predictions == whole.predictions
    with open(split, encoding="utf-8") as lines:
        ids = [line.split("\t")[0] for line in list(lines)[1:]]
    assert [prediction.id for prediction in streamed.predictions] == ids  # the file's order


def _worker_error(kind: str, message: str) -> WorkerError:
    # what MultiProcessDataLoader raises in the main process: the error's repr and the worker's
    # formatted traceback
    return WorkerError(f"{kind.rsplit('.', 1)[-1]}({message!r})", [
        "Traceback (most recent call last):\n",
        '  File "pawsx.py", line 1, in _read\n',
        f"{kind}: {message}\n",
    ])


def test_a_readers_error_in_a_worker_becomes_its_own_line():
    message = "/data/test-fr.tsv:7: the file has no labels; evaluation needs a label 0 or 1"
    error = user_error_from_worker(
        _worker_error("allennlp.common.checks.ConfigurationError", message))
    assert isinstance(error, ConfigurationError) and str(error) == message
    missing = user_error_from_worker(_worker_error("FileNotFoundError", "no such file: x.tsv"))
    assert str(missing) == "FileNotFoundError: no such file: x.tsv"
    # a bug keeps its WorkerError and traceback
    assert user_error_from_worker(_worker_error("TypeError", "unsupported operand")) is None


def test_a_bad_file_is_reported_with_the_readers_message(trained_archive, tmp_path):
    unlabeled = tmp_path / "test-fr.tsv"
    unlabeled.write_text("Le chat dort.\tLe chat est endormi.\n" * 3, encoding="utf-8")
    evaluation = ArchiveEvaluation(trained_archive)
    try:
        with pytest.raises(ConfigurationError) as raised:
            evaluation.evaluate(str(unlabeled))
    finally:
        evaluation.close()
    assert str(raised.value).startswith(f"{unlabeled}: the file has no labels"), raised.value
