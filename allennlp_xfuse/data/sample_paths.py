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


def panx_sample_dir() -> Path:
    """
    The bundled PAN-X-style NER sample (package data, see its README.md): the raw release's
    layout, `<panx_sample_dir>/<lang>-{train,dev,test}` with `lang:`-prefixed words; `train`
    for English only.
    """
    return BUNDLED_SAMPLE_DIR.parent / "panx"


def udpos_sample_dir() -> Path:
    """
    The bundled Universal Dependencies-style POS sample (package data, see its README.md):
    `<udpos_sample_dir>/UD_<Language>-Sample/<lang>_sample-ud-{train,dev,test}.conllu`;
    `train` and `dev` for English only.
    """
    return BUNDLED_SAMPLE_DIR.parent / "udpos"


def xnli_sample_dir() -> Path:
    """
    The bundled XNLI-style sample (package data, premise/hypothesis pairs written for this
    project), XTREME's layout: `train-en.tsv` (60 pairs), `dev-en.tsv` (21) and
    `test-<lang>.tsv` (21 each, labeled, in en de ru ar zh hi th sw).
    """
    return BUNDLED_SAMPLE_DIR.parent / "xnli"
