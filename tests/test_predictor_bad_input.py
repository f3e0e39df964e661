"""
The `pawsx` predictor on hostile input (issue #12): a line that is not a JSON object with two
sentences, or a blank sentence, is one `ConfigurationError` naming the input line, the key and
a snippet of the line, never a traceback of ours or a confident prediction made of nothing.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import Archive, load_archive
from allennlp.predictors import Predictor

from allennlp_xfuse.predictors import PawsxPredictor
from tests.helpers import REPO_ROOT, cached_classifier_archive

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
GOOD = '{"sentence1": "Der Hund bellt.", "sentence2": "Der Hund bellt laut."}'


@pytest.fixture(scope="module")
def archive_path(tiny_model_dir, sample_dir) -> str:
    return cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))


@pytest.fixture(scope="module")
def archive(archive_path) -> Archive:
    return load_archive(archive_path)


@pytest.fixture()
def predictor(archive) -> PawsxPredictor:
    # A new predictor per test: it counts the lines it is given.
    return Predictor.by_name("pawsx")(archive.model, archive.validation_dataset_reader)


@pytest.mark.parametrize(
    "line, message",
    [
        ("Der Hund bellt.\tDer Hund bellt laut.",
         r"input line 2 \(blank lines not counted\) is not JSON \(Expecting value at column 1\): "
         r"'Der Hund bellt.\\tDer Hund bellt laut.'\. Write one JSON object per line"),
        ('["Der Hund bellt.", "Er bellt."]',
         r"input line 2 \(blank lines not counted\) is a JSON array, not an object: "
         r"'\[\"Der Hund bellt.\", \"Er bellt.\"\]'"),
        ('{"sentence1": 12, "sentence2": "Zwölf."}',
         r"input line 2 \(blank lines not counted\) has a JSON number for 'sentence1', not a "
         r"string: '\{\"sentence1\": 12"),
        ('{"sentence1": "Eins.", "text": "Zwei."}',
         r"input line 2 \(blank lines not counted\) has no 'sentence2': .*Give both sentences"),
        ('{"sentence1": "Eins.", "sentence2": " \\t "}',
         r"input line 2 \(blank lines not counted\) has an empty 'sentence2'"),
        ('{"sentence1": null, "sentence2": "Zwei."}', r"has no 'sentence1'"),
        ('"' + "x" * 200 + '"', r"is a JSON string, not an object: '\"x+\.\.\.'\."),
    ],
)
def test_load_line_names_the_line_the_key_and_a_snippet(predictor, line, message):
    assert predictor.load_line(GOOD + "\n")["sentence1"] == "Der Hund bellt."
    with pytest.raises(ConfigurationError, match=message) as error:
        predictor.load_line(line + "\n")
    assert "\n" not in str(error.value)


def test_blank_sentences_are_not_predicted(predictor):
    with pytest.raises(ConfigurationError, match=r"predictor input has an empty 'sentence1'"):
        predictor.predict("   ", "Der Hund bellt.")
    with pytest.raises(ConfigurationError, match=r"predictor input is a JSON array"):
        predictor.predict_batch_json([["a", "b"]])  # type: ignore[list-item]
    output = predictor.predict("Der Hund bellt.", "Der Hund bellt laut.")
    assert output["label"] in ("0", "1") and set(output["label_probs"]) == {"0", "1"}


def test_reading_files_for_prediction_does_not_need_labels(predictor, archive, tmp_path):
    path = tmp_path / "test-de.tsv"
    path.write_text("Der Hund bellt.\tDer Hund bellt laut.\n", encoding="utf-8")
    # `allennlp predict --use-dataset-reader` reads with the predictor's reader ...
    assert len(list(predictor._dataset_reader.read(str(path)))) == 1
    # ... a copy: the archive's reader, which evaluations use, still requires labels
    with pytest.raises(ConfigurationError, match="the file has no labels"):
        list(archive.validation_dataset_reader.read(str(path)))


def test_cli_predict_on_a_line_that_is_not_json(archive_path, tmp_path):
    source = tmp_path / "pairs.jsonl"
    source.write_text(f"{GOOD}\n\n{{'sentence1': 'single quotes'}}\n{GOOD}\n", encoding="utf-8")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [ALLENNLP, "predict", archive_path, str(source), "--predictor", "pawsx", "--silent",
         "--output-file", str(tmp_path / "out.jsonl"), "--include-package", "allennlp_xfuse"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "allennlp.common.checks.ConfigurationError: input line 2 (blank lines not counted) is "
        "not JSON (Expecting property name enclosed in double quotes at column 2): "
        "\"{'sentence1': 'single quotes'}\". Write one JSON object per line"
    ), result.stderr[-3000:]
