"""Where the bundled multilingual samples are (PAWS-X, XNLI, PAN-X, UD POS): the package data
tests, the demo and the tiny model read, and each task's English training and dev files (the
overrides that train a config on them are `allennlp_xfuse.training.overrides`)."""
from pathlib import Path
from typing import Tuple

from allennlp.common.checks import ConfigurationError

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


def sample_training_files(reader_type: str) -> Tuple[str, str]:
    """
    The English training and dev files of the bundled sample a reader reads, for running its
    task's configs offline: `pawsx` (and `adversarial_pawsx`), `xnli`, `panx`, `ud_pos`.

    # Parameters

    reader_type : `str`
        A config's `dataset_reader.type`.
    """
    files = {
        "pawsx": (sample_dir() / "en" / "train.tsv", sample_dir() / "en" / "dev_2k.tsv"),
        "xnli": (xnli_sample_dir() / "train-en.tsv", xnli_sample_dir() / "dev-en.tsv"),
        "panx": (panx_sample_dir() / "en-train", panx_sample_dir() / "en-dev"),
        "ud_pos": tuple(
            udpos_sample_dir() / "UD_English-Sample" / f"en_sample-ud-{split}.conllu"
            for split in ("train", "dev")
        ),
    }
    files["adversarial_pawsx"] = files["pawsx"]
    if reader_type not in files:
        raise ConfigurationError(
            f"No bundled sample for dataset reader {reader_type!r}: the samples are for "
            f"{', '.join(sorted(files))}. Give the training and dev files yourself."
        )
    train, dev = files[reader_type]
    return str(train), str(dev)
