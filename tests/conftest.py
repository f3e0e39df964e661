"""Shared fixtures: a tiny local BERT, the bundled sample, the real dev sets, trained archives.

Everything runs offline: the tiny model is built from the bundled sample in a temporary
directory once per session, and the archives are trained on it once per session.
"""

import json
import os
from pathlib import Path
from typing import Callable, Dict

import pytest

# Set before the helpers import transformers, which reads them at import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.helpers import (  # noqa: E402
    CONFIG_DIR,
    SAMPLE_DIR,
    SHARED_PAWSX_DIR,
    tiny_training_overrides,
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> str:
    from allennlp_xfuse.training.tiny_model import build_tiny_model

    model_dir = tmp_path_factory.mktemp("tiny_model")
    build_tiny_model(str(model_dir), seed=13)
    return str(model_dir)


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def shared_pawsx_dir() -> Path:
    if not SHARED_PAWSX_DIR.is_dir():
        pytest.skip(f"real PAWS-X dev sets not found at {SHARED_PAWSX_DIR}")
    return SHARED_PAWSX_DIR


@pytest.fixture(scope="session")
def train_tiny(tmp_path_factory, tiny_model_dir) -> Callable[[str], str]:
    """`train_tiny("pawsx_aif")` -> path of a model.tar.gz trained in-process, once per session."""
    from allennlp.commands.train import train_model_from_file

    archives: Dict[str, str] = {}

    def train(config_name: str) -> str:
        if config_name not in archives:
            serialization_dir = tmp_path_factory.mktemp(f"run_{config_name}")
            train_model_from_file(
                str(CONFIG_DIR / f"{config_name}.jsonnet"),
                str(serialization_dir),
                overrides=json.dumps(tiny_training_overrides(config_name, tiny_model_dir)),
                force=True,
            )
            archives[config_name] = str(serialization_dir / "model.tar.gz")
        return archives[config_name]

    return train


@pytest.fixture(scope="session")
def trained_archive(train_tiny) -> str:
    """A `model.tar.gz` of the AIF config trained on the bundled sample with the tiny model."""
    return train_tiny("pawsx_aif")
