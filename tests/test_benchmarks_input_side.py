"""
`benchmarks/reader_throughput.py --input-side`: every pipeline it times (the Hugging Face loop's
input side and each of AllenNLP's data loaders: whole, streamed, from a worker) goes through the
same pairs and gives a figure.
"""
import sys

from tests.helpers import REPO_ROOT

BENCHMARK_DIR = REPO_ROOT / "benchmarks"


def test_input_side_times_every_pipeline_on_the_same_pairs(tiny_model_dir, sample_dir):
    sys.path.insert(0, str(BENCHMARK_DIR))
    try:
        import reader_throughput
    finally:
        sys.path.remove(str(BENCHMARK_DIR))
    paths = [str(path) for path in sorted(sample_dir.glob("*/test_2k.tsv"))]
    # each data loader run asserts that its batches hold every pair the HF side reads
    figures = reader_throughput.measure_input_side(tiny_model_dir, paths, rounds=1)
    assert list(figures) == ["hf", *reader_throughput.LOADERS]
    assert all(rate > 0 for rate, _ in figures.values())
