"""Where the bundled multilingual sample is: the package data tests, the demo and the tiny model
read (the overrides that train a config on it are `allennlp_xfuse.training.overrides`)."""
from pathlib import Path

BUNDLED_SAMPLE_DIR = Path(__file__).resolve().parent / "sample" / "pawsx"


def sample_dir() -> Path:
    """
    The bundled PAWS-X-style sample (package data, written for this project by
    `scripts/make_sample.py`): `<sample_dir>/<lang>/{train,dev_2k,test_2k}.tsv`, official
    layout; `train.tsv` for English only.
    """
    return BUNDLED_SAMPLE_DIR


def xnli_sample_dir() -> Path:
    """
    The bundled XNLI-style sample (package data, premise/hypothesis pairs written for this
    project), XTREME's layout: `train-en.tsv` (60 pairs), `dev-en.tsv` (21) and
    `test-<lang>.tsv` (21 each, labeled, in en de ru ar zh hi th sw).
    """
    return BUNDLED_SAMPLE_DIR.parent / "xnli"
