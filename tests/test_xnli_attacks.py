"""
XNLI pairs under the attack and perturbation machinery: examples read in every XNLI layout with
the dataset label index (entailment 0, neutral 1, contradiction 2), the model wrapper's label
order for an XNLI vocabulary, per-language resources of the XNLI languages, `xfuse-perturb
--task xnli` and `xfuse-attack` on an XNLI archive through AllenNLP's command line, and
`allennlp evaluate` of that archive on the splits they write.
"""
import copy
import csv
import json
import logging
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.models.archival import archive_model, load_archive

from allennlp_xfuse.attacks.examples import load_examples
from allennlp_xfuse.attacks.recipes import AttackRecipe
from allennlp_xfuse.attacks.resources import check_language, letters_to_insert, stopwords
from allennlp_xfuse.attacks.segmentation import marked_words_from_text, script_of, words
from allennlp_xfuse.data.languages import XNLI_LANGUAGES
from allennlp_xfuse.data.sample_paths import xnli_sample_dir
from allennlp_xfuse.data.xnli_files import XNLI_LABELS
from tests.helpers import REPO_ROOT, classifier_config, fit_classification_layer
from tests.helpers import run_allennlp as allennlp

OFFICIAL = REPO_ROOT / "tests" / "fixtures" / "xnli" / "xnli.dev.tsv"
# A vocabulary order unlike the dataset's: the wrapper and the splits must not depend on it.
VOCABULARY_ORDER = ("neutral", "contradiction", "entailment")


def records(path) -> list:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def file_labels(path) -> list:
    """The label column of an XTREME-layout sample file, as dataset label indices."""
    with open(path, encoding="utf-8") as tsv:
        return [XNLI_LABELS.index(row[2]) for row in csv.reader(tsv, delimiter="\t")]


@pytest.fixture(scope="module")
def xnli_archive(tiny_model_dir, tmp_path_factory) -> str:
    """
    A `basic_classifier` on the `xnli` reader (English rows only, as the shipped XNLI configs)
    over the tiny model, its classification layer fitted to the English XNLI sample, with a
    label vocabulary in another order than the dataset's.
    """
    import allennlp_xfuse  # noqa: F401  (registers the xnli reader)

    directory = tmp_path_factory.mktemp("xnli_archive")
    config = classifier_config(tiny_model_dir)
    config["dataset_reader"].update({"type": "xnli", "languages": ["en"]})
    vocab = Vocabulary(non_padded_namespaces=["*labels", "*tags"])
    vocab.add_tokens_to_namespace(list(VOCABULARY_ORDER), namespace="labels")
    torch.manual_seed(3)
    model = Model.from_params(vocab=vocab, params=Params(copy.deepcopy(config["model"])))
    fit_classification_layer(model, config, str(xnli_sample_dir() / "train-en.tsv"))
    Params(config).to_file(str(directory / "config.json"))
    vocab.save_to_files(str(directory / "vocabulary"))
    torch.save(model.state_dict(), str(directory / "best.th"))
    return archive_model(str(directory), weights="best.th")


# -- examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "th"])
def test_examples_of_the_sample_carry_the_dataset_label_index(language):
    path = xnli_sample_dir() / f"test-{language}.tsv"
    examples = load_examples(str(path), task="xnli")
    assert {example.language for example in examples} == {language}
    assert [example.label for example in examples] == file_labels(path)
    assert len({example.id for example in examples}) == len(examples)
    assert load_examples(str(path), num_examples=3, task="xnli") == examples[:3]


def test_official_layout_languages_per_row_and_the_language_option():
    examples = load_examples(str(OFFICIAL), task="xnli")
    with open(OFFICIAL, encoding="utf-8") as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [(e.language, e.id, e.label) for e in examples] == [
        (row["language"], row["pairID"], XNLI_LABELS.index(row["gold_label"])) for row in rows
    ]
    german = load_examples(str(OFFICIAL), language="de", task="xnli")
    assert german == [example for example in examples if example.language == "de"]


def test_an_xnli_split_is_read_back_with_its_label_indices(tmp_path):
    # a split made from the official file: several languages, labels as dataset indices
    split = tmp_path / "all.charnoise.jsonl"
    originals = load_examples(str(OFFICIAL), task="xnli")
    split.write_text("".join(
        json.dumps({"id": e.id, "language": e.language, "sentence1": e.sentence1 + "x",
                    "sentence2": e.sentence2, "label": e.label, "recipe": "charnoise",
                    "status": "perturbed"}, ensure_ascii=False) + "\n"
        for e in originals), encoding="utf-8")
    again = load_examples(str(split), task="xnli")
    assert [(e.id, e.language, e.label) for e in again] == [
        (e.id, e.language, e.label) for e in originals]
    german = load_examples(str(split), language="de", task="xnli")
    assert [(e.id, e.language) for e in german] == [
        (e.id, e.language) for e in originals if e.language == "de"]


def test_languages_and_tasks_outside_the_pair_tasks_are_clear_errors(tmp_path):
    path = str(xnli_sample_dir() / "test-de.tsv")
    with pytest.raises(ConfigurationError, match="Unknown language 'ja': XNLI has en, fr"):
        load_examples(path, language="ja", task="xnli")
    with pytest.raises(ConfigurationError, match="xfuse-perturb --task ner"):
        load_examples(path, task="ner")
    unnamed = tmp_path / "pairs.tsv"
    unnamed.write_text("A man sleeps.\tA man is asleep.\tentailment\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="Cannot tell the language.*--language"):
        load_examples(str(unnamed), task="xnli")
    assert load_examples(str(unnamed), language="sw", task="xnli")[0].language == "sw"
    # an XNLI file read as PAWS-X is not silently three-class PAWS-X data
    with pytest.raises(ConfigurationError):
        load_examples(path)


# -- the model wrapper -------------------------------------------------------------------------


def test_wrapper_columns_are_the_xnli_labels_in_dataset_order(xnli_archive):
    from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper, dataset_label_order

    wrapper = AllenNlpModelWrapper.from_archive(xnli_archive)
    vocab = wrapper.model.vocab
    assert dataset_label_order(vocab) == [VOCABULARY_ORDER.index(name) for name in XNLI_LABELS]
    examples = load_examples(str(xnli_sample_dir() / "test-en.tsv"), task="xnli")
    pairs = [(example.sentence1, example.sentence2) for example in examples]
    probabilities = wrapper(pairs)
    assert probabilities.shape == (len(pairs), 3)
    instances = []
    for sentence1, sentence2 in pairs:
        instance = wrapper.dataset_reader.text_to_instance(sentence1, sentence2)
        wrapper.dataset_reader.apply_token_indexers(instance)
        instances.append(instance)
    for row, output in zip(probabilities, wrapper.model.forward_on_instances(instances)):
        for index, name in enumerate(XNLI_LABELS):
            expected = float(output["probs"][vocab.get_token_index(name, "labels")])
            assert row[index] == pytest.approx(expected, abs=1e-6)
        assert XNLI_LABELS[int(np.argmax(row))] == output["label"]
    # the fitted classifier does not predict one class for everything
    assert len(set(np.argmax(probabilities, axis=1))) > 1


# -- per-language resources --------------------------------------------------------------------


def test_every_xnli_language_has_its_resources(caplog):
    stopwords.cache_clear()
    with caplog.at_level(logging.WARNING):
        lists = {language: stopwords(check_language(language)) for language in XNLI_LANGUAGES}
    without = {language for language, words_ in lists.items() if not words_}
    # the stop-words package has no list for th, sw, ur; its Greek one is Ancient Greek
    assert without == {"th", "sw", "ur", "el"}
    for language in without:
        assert f"No stopword list for {language}" in caplog.text
    # words of the sample are stopwords in their own language (Turkish as it is written)
    assert {"на", "в"} <= lists["ru"] and {"und", "die"} <= lists["de"]
    assert {"şey", "bir"} <= lists["tr"] and "altmýþ" not in lists["tr"]


@pytest.mark.parametrize("language", ["de", "ru", "ar", "hi", "th", "sw"])
def test_noise_uses_the_script_of_the_language_and_keeps_words_whole(language):
    examples = load_examples(str(xnli_sample_dir() / f"test-{language}.tsv"), task="xnli")
    recipe = AttackRecipe.from_spec("charnoise", rate=0.3)
    allowed = set(letters_to_insert(language))
    changed = 0
    for example in examples:
        for text in (example.sentence1, example.sentence2):
            # a word is what spaces and punctuation delimit, vowel signs included
            expected = [word for word in (chunk.strip(".,!?।") for chunk in text.split()) if word]
            assert words(text, language) == expected
            # what TextAttack is to use for these languages (see textattack_shims)
            assert marked_words_from_text(text) == expected
        pair = recipe.perturb_pair(
            example.sentence1, example.sentence2, language, example.id, seed=7
        )
        for original, perturbed in ((example.sentence1, pair.sentence1),
                                    (example.sentence2, pair.sentence2)):
            changed += original != perturbed
            new = set(perturbed) - set(original)
            letters = {char.lower() for char in new if script_of(char)}
            assert letters <= {char.lower() for char in allowed}, (language, new)
    assert changed >= len(examples)


def test_code_mixing_a_language_without_dictionaries_names_the_language():
    recipe = AttackRecipe.from_spec("code_mix_random")
    sample = xnli_sample_dir()
    example = load_examples(str(sample / "test-ru.tsv"), num_examples=1, task="xnli")[0]
    with pytest.raises(ConfigurationError, match="Cannot code-mix ru text.*ru-en.txt"):
        recipe.perturb_pair(example.sentence1, example.sentence2, "ru", example.id, 13)
    # a language with dictionaries is code-mixed as for PAWS-X
    example = load_examples(str(sample / "test-de.tsv"), num_examples=1, task="xnli")[0]
    pair = recipe.perturb_pair(example.sentence1, example.sentence2, "de", example.id, 13)
    assert pair.num_perturbed_words >= 1


# -- the commands ------------------------------------------------------------------------------


def test_perturb_xnli_writes_a_split_that_resumes_and_evaluates(tmp_path, xnli_archive):
    source = xnli_sample_dir() / "test-de.tsv"
    arguments = ["xfuse-perturb", source, "--task", "xnli", "--recipe", "charnoise",
                 "--rate", "0.2", "--seed", "5", "--num-examples", "9"]
    full = tmp_path / "de.charnoise.jsonl"
    code, out, err = allennlp(*arguments, "--output", full)
    assert code == 0, err
    split = records(full)
    assert [r["label"] for r in split] == file_labels(source)[:9]
    assert all(r["language"] == "de" and r["status"] == "perturbed" for r in split)
    assert sum(r["sentence1"] != r["original_sentence1"] for r in split) == 9
    assert json.loads(Path(f"{full}.summary.json").read_text())["all"]["examples"] == 9

    partial = tmp_path / "partial.jsonl"
    text = full.read_text(encoding="utf-8").splitlines(keepends=True)
    partial.write_text("".join(text[:4]) + text[4][:30], encoding="utf-8")
    code, _, err = allennlp(*arguments, "--output", partial, "--resume")
    assert code == 0, err
    assert partial.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")

    # the archive's reader keeps English rows of multilingual files, not of a German split
    instances = list(load_archive(xnli_archive).validation_dataset_reader.read(str(full)))
    assert [i["label"].label for i in instances] == [XNLI_LABELS[r["label"]] for r in split]
    assert [(i["metadata"]["id"], i["metadata"]["language"]) for i in instances] == [
        (r["id"], r["language"]) for r in split]
    metrics = tmp_path / "metrics.json"
    code, _, err = allennlp("evaluate", xnli_archive, full, "--output-file", metrics,
                            "--include-package", "allennlp_xfuse")
    assert code == 0, err
    assert 0.0 <= json.loads(metrics.read_text())["accuracy"] <= 1.0


def test_attack_an_xnli_archive_then_evaluate_it_on_the_split(tmp_path, xnli_archive):
    source = xnli_sample_dir() / "test-de.tsv"
    output = tmp_path / "de.deepwordbug.jsonl"
    code, out, err = allennlp(
        "xfuse-attack", xnli_archive, source, "--recipe", "deepwordbug", "--num-examples", "4",
        "--query-budget", "25", "--seed", "3", "--output", output,
    )
    assert code == 0, err
    split = records(output)
    assert [r["label"] for r in split] == file_labels(source)[:4]
    assert all(r["language"] == "de" for r in split)
    for record in split:
        # skipped = the model was already wrong, in dataset label indices on both sides
        assert (record["status"] == "skipped") == (record["original_prediction"] != record["label"])
        if record["status"] == "succeeded":
            assert record["perturbed_prediction"] != record["label"]
    summary = json.loads(Path(f"{output}.summary.json").read_text())
    assert summary["task"] == "xnli" and summary["languages"]["de"]["examples"] == 4
    assert "attacked acc %" in out

    metrics = tmp_path / "metrics.json"
    code, _, err = allennlp("evaluate", xnli_archive, output, "--output-file", metrics,
                            "--include-package", "allennlp_xfuse")
    assert code == 0, err
    accuracy = json.loads(metrics.read_text())["accuracy"]
    correct = sum(r["perturbed_prediction"] == r["label"] for r in split) / len(split)
    assert accuracy == pytest.approx(correct, abs=1 / len(split) + 1e-9)


@pytest.mark.parametrize("reader_type", ["panx", "ud_pos"])
def test_a_tagging_archive_is_refused_with_what_to_do(tmp_path, reader_type):
    archive = tmp_path / "model.tar.gz"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"dataset_reader": {"type": reader_type}, "model": {}}))
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(config, arcname="config.json")
    code, _, err = allennlp(
        "xfuse-attack", archive, xnli_sample_dir() / "test-de.tsv", "--recipe", "deepwordbug",
        "--output", tmp_path / "out.jsonl",
    )
    assert code == 2 and "Traceback" not in err
    assert "classification tasks (PAWS-X, XNLI)" in err and "--task ner|pos" in err
    assert not os.path.exists(tmp_path / "out.jsonl")


@pytest.mark.parametrize(
    "language, text, expected",
    [("hi", "शहर जाने वाली ट्रेन", ["शहर", "जाने", "वाली", "ट्रेन"]),
     ("ar", "ذَهَبَ الوَلَدُ", ["ذَهَبَ", "الوَلَدُ"])],
)
def test_textattack_keeps_words_with_combining_marks_whole_inside_an_attack(
    language, text, expected
):
    from textattack.shared import AttackedText

    from allennlp_xfuse.attacks.textattack_shims import use_segmentation

    with use_segmentation(language):
        assert AttackedText(text).words == expected
    # TextAttack's own pattern cuts at the vowel signs: what the swap is for
    assert AttackedText(text).words != expected
