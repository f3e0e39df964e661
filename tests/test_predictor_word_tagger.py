"""
The `word_tagger` predictor: `allennlp predict ARCHIVE INPUT --predictor word_tagger` on the NER
(`crf_tagger` / `panx`) and POS (`simple_tagger` / `ud_pos`) archives tags exactly the words it
is given, in any script (no spaCy, nothing downloaded), as the archive's reader makes them
into instances; bad input is one `ConfigurationError` line naming the input line and the key,
and a pair classifier's archive is refused, pointing at `--predictor pawsx`.

Through AllenNLP's real entry point, in this process (`run_allennlp`); the tagger archives
have random weights (nothing here needs a trained model).
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from allennlp_xfuse.data.sample_paths import panx_sample_dir
from tests.helpers import (
    REPO_ROOT,
    build_tagger_archive,
    cached_classifier_archive,
    run_allennlp,
)

NER_TAGS = "O B-PER I-PER B-ORG I-ORG B-LOC I-LOC".split()
POS_TAGS = "ADJ ADP ADV AUX DET NOUN NUM PRON PROPN PUNCT VERB X".split()
# Words a language-specific tokenizer would split or merge: punctuation stays on its word.
SENTENCE = "Er wohnt in São Paulo, Brasilien, seit 2019."
LINES = [
    {"sentence": SENTENCE},
    {"words": ["Paris"]},
    {"words": ["Maria", "arbeitet", "bei", "Siemens", "in", "München", "."], "language": "de"},
]


@pytest.fixture(scope="module")
def archives(tiny_model_dir, tmp_path_factory) -> Dict[str, str]:
    root = tmp_path_factory.mktemp("word_tagger")
    return {
        "ner": build_tagger_archive(root / "ner", tiny_model_dir, "ner_dlfa", NER_TAGS, seed=3),
        "pos": build_tagger_archive(root / "pos", tiny_model_dir, "pos_dlfa", POS_TAGS, seed=3),
    }


def write_lines(path: Path, lines) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines), encoding="utf-8")
    return path


def predict(archive: str, source: Path, *extra: str) -> List[dict]:
    """The outputs of `allennlp predict ... --predictor word_tagger`, one per line."""
    output = source.with_suffix(".out.jsonl")
    code, _, err = run_allennlp("predict", archive, source, "--predictor", "word_tagger",
                                "--output-file", output, "--silent",
                                "--include-package", "allennlp_xfuse", *extra)
    assert code == 0, err[-3000:]
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def reader_tags(archive: str, words: List[str]) -> List[str]:
    """The tags the model gives the reader's own instance of `words` (AllenNLP's Predictor)."""
    loaded = load_archive(archive)
    reader = loaded.validation_dataset_reader
    return Predictor(loaded.model, reader).predict_instance(reader.text_to_instance(words))["tags"]


@pytest.mark.parametrize("task, tags", [("ner", NER_TAGS), ("pos", POS_TAGS)])
def test_every_line_gets_one_tag_per_word_as_the_reader_gives_them(archives, tmp_path, task,
                                                                   tags):
    source = write_lines(tmp_path / "words.jsonl", [LINES[0], "", *LINES[1:]])
    outputs = predict(archives[task], source)
    expected_words = [SENTENCE.split(), *(line["words"] for line in LINES[1:])]
    assert [output["words"] for output in outputs] == expected_words
    for output in outputs:
        assert len(output["tags"]) == len(output["words"])
        assert set(output["tags"]) <= set(tags)
        # no silent re-tokenization: the same tags as the reader's instance of the same words
        assert output["tags"] == reader_tags(archives[task], output["words"])
    assert [output.get("language") for output in outputs] == [None, None, "de"]
    # a batch pads the shorter sentences; their tags still stop at their last word
    batched = predict(archives[task], source, "--batch-size", "3")
    assert [len(output["tags"]) for output in batched] == [len(w) for w in expected_words]
    if task == "ner":
        for output in outputs:
            for label, start, end in output["spans"]:
                assert output["tags"][start:end + 1] == [f"B-{label}"] + [f"I-{label}"] * (
                    end - start)
            inside = sum(end - start + 1 for _, start, end in output["spans"])
            assert inside == sum(tag != "O" for tag in output["tags"])
    else:
        assert all("spans" not in output for output in outputs)


def test_words_and_the_same_sentence_give_the_same_tags(archives, tmp_path):
    source = write_lines(tmp_path / "words.jsonl",
                         [{"sentence": "  Maria arbeitet\tbei Siemens . "},
                          {"words": ["Maria", "arbeitet", "bei", "Siemens", "."]}])
    for archive in archives.values():
        from_sentence, from_words = predict(archive, source)
        assert from_sentence == from_words


def test_words_without_spaces_are_kept_whole(archives, tmp_path):
    words = ["北京", "是", "中华人民共和国", "的", "首都", "。"]
    source = write_lines(tmp_path / "zh.jsonl", [{"words": words, "language": "zh"}])
    for archive in archives.values():
        [output] = predict(archive, source)
        assert output["words"] == words and output["language"] == "zh"
        assert len(output["tags"]) == len(words)


def test_dataset_reader_input_is_tagged_with_the_files_ids(archives, tmp_path):
    source = panx_sample_dir() / "de-test"
    output = tmp_path / "out.jsonl"
    code, _, err = run_allennlp("predict", archives["ner"], source, "--predictor", "word_tagger",
                                "--use-dataset-reader", "--output-file", output, "--silent",
                                "--include-package", "allennlp_xfuse")
    assert code == 0, err[-3000:]
    outputs = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    sentences = load_archive(archives["ner"]).validation_dataset_reader.read_sentences(
        str(source))
    assert [(o["id"], o["words"], o["language"]) for o in outputs] == [
        (s.id, s.words, "de") for s in sentences]
    assert all(len(o["tags"]) == len(o["words"]) for o in outputs)


GOOD = '{"words": ["Paris"]}'


@pytest.mark.parametrize(
    "line, message",
    [
        ("Paris is nice", r"is not JSON \(Expecting value at column 1\): 'Paris is nice'\. "
                          r"Write one JSON object per line: \{\"words\""),
        ('["Paris", "is"]', r"is a JSON array, not an object"),
        ('{"text": "Paris is nice"}', r"has neither 'words' nor 'sentence'"),
        ('{"words": null, "sentence": null}', r"has neither 'words' nor 'sentence'"),
        ('{"words": ["Paris"], "sentence": "Paris"}', r"has both 'words' and 'sentence'"),
        ('{"words": "Paris is nice"}', r"has a JSON string for 'words', not a list"),
        ('{"words": []}', r"has an empty 'words' list"),
        ('{"words": ["Paris", 3]}', r"has a JSON number as word 2 of 'words', not a string"),
        ('{"words": ["Paris", " "]}', r"has an empty word 2 in 'words'"),
        ('{"words": ["New York", "is"]}', r"has whitespace in word 1 of 'words' \('New York'\)"),
        ('{"sentence": " \\t "}', r"has an empty 'sentence'"),
        ('{"sentence": ["Paris"]}', r"has a JSON array for 'sentence', not a string"),
        ('{"words": ["Paris"], "language": 7}', r"has a JSON number for 'language'"),
    ],
)
def test_bad_input_is_one_line_naming_the_input_line_and_the_key(archives, tmp_path, line,
                                                                 message):
    source = write_lines(tmp_path / "bad.jsonl", [GOOD, "", line, GOOD])
    with pytest.raises(ConfigurationError,
                       match=r"^input line 2 \(blank lines not counted\) " + message) as error:
        predict(archives["pos"], source)
    assert "\n" not in str(error.value)


def test_a_pair_classifiers_archive_is_refused(tiny_model_dir, sample_dir, tmp_path):
    archive = cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))
    source = write_lines(tmp_path / "words.jsonl", [GOOD])
    with pytest.raises(ConfigurationError) as error:
        predict(archive, source)
    assert str(error.value).startswith(
        "the word_tagger predictor tags words, but this archive's dataset reader is 'pawsx', "
        "which reads sentence pairs")
    assert "Use --predictor pawsx" in str(error.value) and "\n" not in str(error.value)


def test_the_command_exits_non_zero_with_the_message_last(archives, tmp_path):
    source = write_lines(tmp_path / "bad.jsonl", [GOOD, '{"words": "Paris"}'])
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "allennlp"), "predict", archives["pos"], str(source),
         "--predictor", "word_tagger", "--silent", "--output-file", str(tmp_path / "out.jsonl"),
         "--include-package", "allennlp_xfuse"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith(
        "allennlp.common.checks.ConfigurationError: input line 2 (blank lines not counted) has a "
        "JSON string for 'words', not a list"), result.stderr[-3000:]
