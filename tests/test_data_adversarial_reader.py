"""The `adversarial_pawsx` reader and the adversarial split format it reads."""
import json
import logging

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.data.tokenizers import PretrainedTransformerTokenizer

from allennlp_xfuse.data.adversarial_split import SPLIT_FIELDS
from allennlp_xfuse.data.dataset_readers import AdversarialPawsxDatasetReader


def record(pair_id, sentence1, sentence2, original1=None, original2=None, status="failed",
           label=1):
    return {
        "id": pair_id, "language": "de", "sentence1": sentence1, "sentence2": sentence2,
        "label": label, "original_sentence1": original1 or sentence1,
        "original_sentence2": original2 or sentence2, "recipe": "deepwordbug", "status": status,
        "num_queries": 12, "perturbed_word_ratio": 0.1, "original_prediction": "1",
        "perturbed_prediction": "0",
    }


SPLIT = [
    record(1, "Der Hnud bellt.", "Der Hund bellt laut.", original1="Der Hund bellt.",
           status="succeeded"),
    record(2, "Es regnet.", "Es regnet heute.", status="failed"),
    record(3, "Sie singt.", "Sie tanzt.", status="skipped", label=0),
    record(4, "Er liest.", "Er lisst ein Buch.", original2="Er liest ein Buch.",
           status="failed"),
]


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)


def write_split(path, records, extra_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_split_records_have_the_documented_fields():
    assert set(SPLIT[0]) == set(SPLIT_FIELDS)


def test_metadata_keeps_original_sentences_and_attack_outcome(tokenizer, tmp_path):
    path = write_split(tmp_path / "de.deepwordbug.jsonl", SPLIT)
    instances = list(AdversarialPawsxDatasetReader(tokenizer=tokenizer).read(path))
    assert [i["metadata"]["id"] for i in instances] == ["1", "2", "3", "4"]
    first = instances[0]["metadata"].metadata
    assert first["sentence1"] == "Der Hnud bellt."
    assert first["original_sentence1"] == "Der Hund bellt."
    assert first["status"] == "succeeded" and first["recipe"] == "deepwordbug"
    assert first["num_queries"] == 12 and first["perturbed_prediction"] == "0"
    assert [i["label"].label for i in instances] == ["1", "1", "0", "1"]


def test_only_attacked_keeps_examples_whose_text_changed(tokenizer, tmp_path):
    path = write_split(tmp_path / "de.jsonl", SPLIT)
    reader = AdversarialPawsxDatasetReader(tokenizer=tokenizer, only_attacked=True)
    assert [i["metadata"]["id"] for i in reader.read(path)] == ["1", "4"]


def test_plain_pawsx_files_get_clean_attack_fields(tokenizer, sample_dir):
    path = str(sample_dir / "ko" / "test_2k.tsv")
    instance = next(iter(AdversarialPawsxDatasetReader(tokenizer=tokenizer).read(path)))
    metadata = instance["metadata"].metadata
    assert metadata["original_sentence1"] == metadata["sentence1"]
    assert metadata["status"] == "clean" and metadata["recipe"] is None
    # nothing attacked is nothing to evaluate: an error naming the file, not an empty read
    reader = AdversarialPawsxDatasetReader(tokenizer=tokenizer, only_attacked=True)
    with pytest.raises(ConfigurationError, match=rf"{path}: no sentence pair left: the "
                                                 r"reader's only_attacked .* all 60 valid"):
        list(reader.read(path))


def test_bad_json_lines_skipped_or_strict(tokenizer, tmp_path, caplog):
    path = write_split(tmp_path / "de.jsonl", SPLIT[:1],
                       ['{"sentence1": "Nur einer."', '["a list"]',
                        json.dumps({"sentence1": "A.", "sentence2": "", "label": 1}),
                        json.dumps({"sentence1": "A.", "sentence2": "B.", "label": "x"})])
    with caplog.at_level(logging.WARNING):
        instances = list(AdversarialPawsxDatasetReader(tokenizer=tokenizer).read(path))
    assert len(instances) == 1
    for line, reason in ((2, "not valid JSON"), (3, "a JSON list, not an object"),
                         (4, "sentence2 is empty"), (5, "label is 'x'")):
        assert f"{path}:{line}: skipping bad row: {reason}" in caplog.text
    with pytest.raises(ConfigurationError, match=rf"{path}:2: not valid JSON"):
        list(AdversarialPawsxDatasetReader(tokenizer=tokenizer, strict=True).read(path))


def test_unlabeled_split_and_missing_ids(tokenizer, tmp_path):
    pair = {"sentence1": "他走了。", "sentence2": "他离开了。"}
    path = write_split(tmp_path / "zh.jsonl", [pair, pair])
    with pytest.raises(ConfigurationError, match=rf"{path}: no sentence pair: all 2 row\(s\) "
                                                 r"are bad, the first at line 1: the record has "
                                                 r"no label"):
        list(AdversarialPawsxDatasetReader(tokenizer=tokenizer).read(path))
    reader = AdversarialPawsxDatasetReader(tokenizer=tokenizer, require_labels=False)
    instances = list(reader.read(path))
    assert ["label" in i.fields for i in instances] == [False, False]
    assert [i["metadata"]["id"] for i in instances] == ["1", "2"]
    assert instances[0]["metadata"]["language"] == "zh"


def test_from_params(tiny_model_dir, tmp_path):
    reader = DatasetReader.from_params(Params({
        "type": "adversarial_pawsx",
        "tokenizer": {"type": "pretrained_transformer", "model_name": tiny_model_dir,
                      "add_special_tokens": False},
        "only_attacked": True,
        "max_length": 16,
    }))
    assert isinstance(reader, AdversarialPawsxDatasetReader)
    path = write_split(tmp_path / "de.jsonl", SPLIT)
    assert len(list(reader.read(path))) == 2
