"""Where the bundled multilingual sample is, and the overrides that run a config on it."""
from pathlib import Path
from typing import Any, Dict, Optional, Union

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.model_overrides import MODEL_NAME_KEYS, model_and_data_overrides

SPLITS = ("train", "dev_2k", "test_2k")
BUNDLED_SAMPLE_DIR = Path(__file__).resolve().parent / "sample" / "pawsx"


def sample_dir() -> Path:
    """
    The bundled PAWS-X-style sample (package data, written for this project by
    `scripts/make_sample.py`): `<sample_dir>/<lang>/{train,dev_2k,test_2k}.tsv`, official
    layout; `train.tsv` for English only.
    """
    return BUNDLED_SAMPLE_DIR


def sample_file(language: str, split: str) -> Path:
    """The bundled sample's `split` ("train", "dev_2k", "test_2k") in `language`."""
    path = sample_dir() / language / f"{split}.tsv"
    if not path.is_file():
        available = sorted(str(file.relative_to(sample_dir())) for file in
                           sample_dir().glob("*/*.tsv"))
        raise ValueError(
            f"The bundled sample has no {split!r} split in {language!r} "
            f"(languages {', '.join(PAWSX_LANGUAGES)}; splits {', '.join(SPLITS)}). "
            f"Available: {', '.join(available)}."
        )
    return path


def tiny_overrides(
    model_dir: Union[str, Path],
    sample_dir: Optional[Union[str, Path]] = None,
    config_file: Optional[str] = None,
) -> Dict[str, Any]:
    """
    The `--overrides` that run a shipped PAWS-X config (`training_configs/pawsx_*.jsonnet`)
    on a local model (e.g. the tiny one of `allennlp xfuse-tiny-model`) and the bundled
    sample: the model name of the tokenizer, the indexer and the embedder, and the English
    train/dev paths. Given `config_file`, they come from
    `allennlp_xfuse.model_overrides.model_and_data_overrides`, which also resizes that config's
    encoder to the model's hidden size. Batch size and epochs are left to the caller.

    # Parameters

    model_dir : `Union[str, Path]`
        A directory written with `save_pretrained` (model and tokenizer).
    sample_dir : `Union[str, Path]`, optional (default = the bundled sample)
        A directory laid out as `<lang>/{train,dev_2k}.tsv`.
    config_file : `str`, optional (default = `None`)
        The config the overrides are for.
    """
    model_name = str(Path(model_dir).resolve())
    data_dir = Path(sample_dir).resolve() if sample_dir is not None else BUNDLED_SAMPLE_DIR
    train_path = str(data_dir / "en" / "train.tsv")
    validation_path = str(data_dir / "en" / "dev_2k.tsv")
    if config_file is not None:
        return model_and_data_overrides(config_file, model_name, train_path, validation_path)
    overrides: Dict[str, Any] = {key: model_name for key in MODEL_NAME_KEYS}
    overrides.update({"train_data_path": train_path, "validation_data_path": validation_path})
    return overrides
