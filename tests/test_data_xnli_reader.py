"""The `xnli` DatasetReader on every real layout (hand-written fixtures), its errors, its
instances (truncation, type ids, metadata), sharding, and the bundled sample (tiny model)."""
import json
import logging
import zipfile
from collections import Counter

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.data.dataset_readers.dataset_reader import WorkerInfo
from allennlp.data.tokenizers import PretrainedTransformerTokenizer
from transformers import AutoTokenizer

from allennlp_xfuse.data.dataset_readers import XnliDatasetReader
from allennlp_xfuse.data.sample_paths import xnli_sample_dir
from allennlp_xfuse.data.xnli_files import XNLI_LABELS
from tests.helpers import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "xnli"
SAMPLE_LANGUAGES = ("en", "de", "ru", "ar", "zh", "hi", "th", "sw")


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return PretrainedTransformerTokenizer(tiny_model_dir, add_special_tokens=False)


@pytest.fixture(scope="module")
def reader(tokenizer):
    return XnliDatasetReader(tokenizer)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def read(reader, path):
    return [(i["metadata"]["id"], i["metadata"]["language"], i["label"].label)
            for i in reader.read(str(path))]


@pytest.mark.parametrize("name, expected", [
    # MultiNLI 1.0 JSON lines: pairID as id, English; the "-" pair (line 3) is skipped
    ("multinli_1.0_dev_matched.jsonl",
     [("1001e", "en", "entailment"), ("1002c", "en", "contradiction"),
      ("1004n", "en", "neutral")]),
    # XTREME dev-<lang>.tsv: no header, row numbers as ids, language from the name
    ("dev-de.tsv",
     [("1", "de", "entailment"), ("2", "de", "contradiction"), ("3", "de", "neutral")]),
    # XNLI-MT's multinli.train.en.tsv: header premise/hypo/label, "contradictory"
    ("multinli.train.en.tsv",
     [("1", "en", "entailment"), ("2", "en", "contradiction"), ("3", "en", "neutral")]),
    # Hugging Face to_json: class indices 0/1/2
    ("xnli-fr-validation.jsonl",
     [("1", "fr", "entailment"), ("2", "fr", "neutral"), ("3", "fr", "contradiction")]),
    # Hugging Face to_csv: comma-separated, a quoted premise holding a comma
    ("xnli-sw-test.csv", [("1", "sw", "entailment"), ("2", "sw", "contradiction")]),
])
def test_each_real_layout(reader, name, expected):
    assert read(reader, FIXTURES / name) == expected


def test_xtreme_quoting_and_raw_quotes_of_the_official_file(reader):
    # XTREME's files are CSV-quoted by csv.writer; the official file is raw: both give the text.
    xtreme = list(reader.read(str(FIXTURES / "dev-de.tsv")))[1]["metadata"]
    official = list(XnliDatasetReader(reader._tokenizer, languages=["de"]).read(
        str(FIXTURES / "xnli.dev.tsv")))[1]["metadata"]
    assert xtreme["sentence1"] == official["sentence1"] == (
        '"Wir haben geschlossen", sagte der Wächter.')
    assert xtreme["sentence2"] == "Der Wächter sagte, sie hätten geöffnet."


def test_official_file_languages_per_row_and_the_language_filter(tokenizer, caplog):
    path = FIXTURES / "xnli.dev.tsv"
    everything = read(XnliDatasetReader(tokenizer), path)
    assert Counter(language for _, language, _ in everything) == {
        "en": 2, "de": 2, "zh": 2, "ar": 1}
    # the official file's pairID is shared by the translations of a pair
    assert [pair for pair in everything if pair[0] == "1e"] == [
        ("1e", "en", "entailment"), ("1e", "de", "entailment"), ("1e", "zh", "entailment")]
    with caplog.at_level(logging.INFO):
        selected = read(XnliDatasetReader(tokenizer, languages=["zh", "ar"]), path)
    assert selected == [("1e", "zh", "entailment"), ("3n", "zh", "neutral"),
                        ("3n", "ar", "neutral")]
    assert "left out 4 in other languages" in caplog.text
    # one-language files are read whole: their path chose the language
    assert len(read(XnliDatasetReader(tokenizer, languages=["en"]), FIXTURES / "dev-de.tsv")) == 3


def test_a_language_filter_that_keeps_nothing_names_what_the_file_has(tokenizer):
    path = str(FIXTURES / "xnli.dev.tsv")
    with pytest.raises(ConfigurationError, match=(
            rf"{path}: no sentence pair in the reader's languages \(sw\); the file has "
            r"ar \(1\), de \(2\), en \(2\), zh \(2\)")):
        list(XnliDatasetReader(tokenizer, languages=["sw"]).read(path))


def test_no_consensus_pairs_are_skipped_with_a_count(reader, caplog):
    with caplog.at_level(logging.WARNING):
        ids = [i["metadata"]["id"] for i in reader.read(str(FIXTURES /
                                                             "multinli_1.0_dev_matched.jsonl"))]
    assert "1003n" not in ids and len(ids) == 3
    assert "skipped 1 pair(s) without a consensus label (gold_label '-')" in caplog.text


def test_a_file_of_no_consensus_pairs_is_an_error(reader, tmp_path):
    record = {"gold_label": "-", "sentence1": "A.", "sentence2": "B.", "pairID": "7n"}
    path = write(tmp_path / "multinli_1.0_dev_mismatched.jsonl", json.dumps(record) + "\n")
    with pytest.raises(ConfigurationError, match=rf"{path}: no sentence pair: all 1 pair\(s\) "
                                                 r"have the gold label '-'"):
        list(reader.read(path))


def test_bad_rows_are_skipped_with_file_and_line_or_raise_with_strict(tokenizer, tmp_path,
                                                                    caplog):
    path = write(tmp_path / "dev-ru.tsv",
                 "Он пришёл.\tОн здесь.\tentailment\n"
                 "Она ушла.\tОна здесь.\tmaybe\n"
                 "Только одна колонка\n"
                 "Дождь.\t\tneutral\n"
                 "Снег.\tХолодно.\tcontradictory\n")
    with caplog.at_level(logging.WARNING):
        instances = list(XnliDatasetReader(tokenizer).read(path))
    assert [(i["metadata"]["id"], i["label"].label) for i in instances] == [
        ("1", "entailment"), ("5", "contradiction")]
    assert f"{path}:2: skipping bad row: label is 'maybe', not an NLI label" in caplog.text
    assert f"{path}:3: skipping bad row: 1 column(s) instead of 3" in caplog.text
    assert f"{path}:4: skipping bad row: hypothesis is empty" in caplog.text
    assert "skipped 3 bad row(s) of 5 (lines 2, 3, 4)" in caplog.text
    with pytest.raises(ConfigurationError, match=rf"{path}:2: label is 'maybe', not an NLI label"
                                                 r"\. Labels are entailment, neutral, "
                                                 r"contradiction"):
        list(XnliDatasetReader(tokenizer, strict=True).read(path))


def test_class_indices_only_where_the_layout_is_hugging_faces(reader, tmp_path):
    # A PAWS-X file read by mistake (labels 0/1, XTREME layout) must not become NLI labels.
    path = write(tmp_path / "dev-fr.tsv", "Il pleut.\tIl fait beau.\t0\n")
    with pytest.raises(ConfigurationError, match=r"all 1 row\(s\) are bad, the first at line 1: "
                                                 r"label is '0', not an NLI label"):
        list(reader.read(path))


@pytest.mark.parametrize("content, why", [
    ("", "the file is empty"),
    ("\n\n", "the file is empty"),
    ("language\tgold_label\tsentence1\tsentence2\tpairID\n",
     "line 1 is a header and no row follows it"),
])
def test_a_file_without_pairs_is_an_error(reader, tmp_path, content, why):
    path = write(tmp_path / "xnli.test.tsv", content)
    with pytest.raises(ConfigurationError, match=rf"{path}: no sentence pair: {why}"):
        list(reader.read(path))


def test_a_file_without_labels_is_an_error_unless_labels_are_optional(tokenizer):
    path = str(FIXTURES / "test-de.tsv")  # XTREME's test files have no label column
    with pytest.raises(ConfigurationError, match=rf"{path}: the file has no labels .*XTREME's "
                                                 r"test-<lang>.tsv have none"):
        list(XnliDatasetReader(tokenizer).read(path))
    instances = list(XnliDatasetReader(tokenizer, require_labels=False).read(path))
    assert len(instances) == 2 and "label" not in instances[0].fields
    assert instances[0]["metadata"]["language"] == "de"


def test_reads_a_member_of_a_zip_as_the_configs_name_the_release(reader, tmp_path):
    archive = tmp_path / "XNLI-1.0.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(FIXTURES / "xnli.dev.tsv", "XNLI-1.0/xnli.dev.tsv")
    pairs = read(reader, f"{archive}!XNLI-1.0/xnli.dev.tsv")
    assert pairs == read(reader, FIXTURES / "xnli.dev.tsv")
    with pytest.raises(ConfigurationError, match="a zip file, not a text file"):
        list(reader.read(str(archive)))


def test_reads_an_adversarial_split_of_xnli_pairs(reader, tmp_path):
    # What an attack on XNLI pairs writes (the adversarial split's fields, label by name): the
    # attack's fields reach the metadata, as with the pawsx reader.
    record = {"id": "3n", "language": "ar", "sentence1": "قال الحارس.", "sentence2": "وقف.",
              "label": "neutral", "original_sentence1": "قال الحارس إننا مغلقون.",
              "original_sentence2": "وقف.", "recipe": "charnoise", "status": "perturbed"}
    path = write(tmp_path / "ar.charnoise.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    instance = next(iter(reader.read(path)))
    assert instance["label"].label == "neutral"
    metadata = instance["metadata"].metadata
    assert (metadata["id"], metadata["language"], metadata["status"]) == ("3n", "ar", "perturbed")
    assert metadata["original_sentence1"] == "قال الحارس إننا مغلقون."


def test_several_files_at_once(reader):
    paths = f"{FIXTURES / 'dev-de.tsv'},{FIXTURES / 'xnli-*.jsonl'}"
    assert Counter(language for _, language, _ in read(reader, paths)) == {"de": 3, "fr": 3}


def test_instance_contract_as_the_pawsx_reader(reader):
    instance = next(iter(reader.read(str(FIXTURES / "multinli.train.en.tsv"))))
    assert set(instance.fields) == {"tokens", "label", "metadata"}
    assert instance["label"]._label_namespace == "labels"
    assert set(instance["metadata"].metadata) == {"id", "language", "sentence1", "sentence2"}
    tokens = instance["tokens"].tokens
    assert tokens[0].text == "[CLS]" and tokens[-1].text == "[SEP]"
    separator = [t.text for t in tokens].index("[SEP]")
    assert {t.type_id for t in tokens[1:separator]} == {0}
    assert {t.type_id for t in tokens[separator + 1:]} == {1}


def test_pair_encoding_equals_huggingface_longest_first(tokenizer, tiny_model_dir):
    hf_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    premise = "The ferry to the island runs twice a day in summer and once a day in winter."
    hypothesis = "In summer you can take a ferry."
    for max_length in (8, 13, 20, 64):
        instance = XnliDatasetReader(tokenizer, max_length=max_length).text_to_instance(
            premise, hypothesis, "neutral")
        expected = hf_tokenizer(premise, hypothesis, truncation="longest_first",
                                max_length=max_length)
        assert [t.text_id for t in instance["tokens"].tokens] == expected["input_ids"]
        assert [t.type_id for t in instance["tokens"].tokens] == expected["token_type_ids"]
        # the metadata keeps the raw pair, not the truncated one
        assert instance["metadata"]["sentence1"] == premise


def test_sharding_across_two_workers_covers_every_row_once(tokenizer):
    path = str(xnli_sample_dir() / "test-*.tsv")
    everything = [(i["metadata"]["language"], i["metadata"]["id"])
                  for i in XnliDatasetReader(tokenizer).read(path)]
    shards = []
    for worker_id in range(2):
        reader = XnliDatasetReader(tokenizer)
        reader._set_worker_info(WorkerInfo(num_workers=2, id=worker_id))
        shards.append([(i["metadata"]["language"], i["metadata"]["id"])
                       for i in reader.read(path)])
    assert len(everything) == len(SAMPLE_LANGUAGES) * 21
    assert sorted(shards[0] + shards[1]) == sorted(everything)
    assert not set(shards[0]) & set(shards[1])


def test_from_params_as_in_the_shipped_configs(tiny_model_dir):
    reader = DatasetReader.from_params(Params({
        "type": "xnli",
        "tokenizer": {"type": "pretrained_transformer", "model_name": tiny_model_dir,
                      "add_special_tokens": False},
        "token_indexers": {"tokens": {"type": "pretrained_transformer",
                                      "model_name": tiny_model_dir}},
        "max_length": 16,
        "languages": ["en"],
        "max_instances": 1,
    }))
    assert isinstance(reader, XnliDatasetReader)
    instances = list(reader.read(str(FIXTURES / "xnli.dev.tsv")))
    assert [i["metadata"]["language"] for i in instances] == ["en"]
    assert len(instances[0]["tokens"]) <= 16


def test_pawsx_only_options_are_refused(tokenizer):
    with pytest.raises(ConfigurationError, match="no `drop_untranslated`"):
        XnliDatasetReader(tokenizer, drop_untranslated=True)


def test_bundled_sample_is_balanced_and_parallel_across_languages(reader):
    sample = xnli_sample_dir()
    train = read(reader, sample / "train-en.tsv")
    assert len(train) == 60 and Counter(label for *_, label in train) == {
        label: 20 for label in XNLI_LABELS}
    assert len(read(reader, sample / "dev-en.tsv")) == 21
    labels = {language: [label for *_, label in read(reader, sample / f"test-{language}.tsv")]
              for language in SAMPLE_LANGUAGES}
    assert all(len(column) == 21 for column in labels.values())
    assert all(column == labels["en"] for column in labels.values())
    languages = {i["metadata"]["language"]
                 for i in reader.read(str(sample / "test-*.tsv"))}
    assert languages == set(SAMPLE_LANGUAGES)
