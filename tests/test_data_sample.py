"""The bundled multilingual sample: layout, balance, alignment, generator, and helper paths."""
import importlib.util
import re
from collections import Counter

import pytest
from allennlp.common import Params

from allennlp_xfuse.data import sample_paths
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.data.pair_files import read_pair_files
from allennlp_xfuse.training.overrides import tiny_overrides
from tests.helpers import CONFIG_DIR, REPO_ROOT, sample_file

SIZES = {("en", "train"): 720, ("en", "dev_2k"): 60, ("en", "test_2k"): 60}
SIZES.update({(language, "dev_2k"): 30 for language in PAWSX_LANGUAGES[1:]})
SIZES.update({(language, "test_2k"): 60 for language in PAWSX_LANGUAGES[1:]})


def load_make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", REPO_ROOT / "scripts" /
                                                  "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_dir_is_the_bundled_one(sample_dir):
    assert sample_paths.sample_dir() == sample_dir.resolve()
    assert sample_file("de", "test_2k") == sample_dir.resolve() / "de" / "test_2k.tsv"


def test_files_and_sizes():
    files = {(path.parent.name, path.stem) for path in sample_paths.sample_dir().glob("*/*.tsv")}
    assert files == set(SIZES)
    for (language, split), size in SIZES.items():
        path = sample_file(language, split)
        assert path.read_text(encoding="utf-8").startswith("id\tsentence1\tsentence2\tlabel\n")
        rows = list(read_pair_files(str(path), strict=True))
        assert len(rows) == size
        assert [row.id for row in rows] == [str(number) for number in range(1, size + 1)]
        assert Counter(row.label for row in rows) == {"0": size // 2, "1": size // 2}
        assert {row.language for row in rows} == {language}
        assert not any(row.untranslated for row in rows)


def test_languages_are_translations_of_english():
    # As in PAWS-X, a pair id is the same example (same label) in every language.
    for split in ("dev_2k", "test_2k"):
        english = {row.id: row.label for row in read_pair_files(str(sample_file("en", split)))}
        for language in PAWSX_LANGUAGES[1:]:
            rows = read_pair_files(str(sample_file(language, split)))
            assert all(english[row.id] == row.label for row in rows)


def test_splits_share_no_sentence():
    def first_sentences(split):
        return {row.sentence1 for row in read_pair_files(str(sample_file("en", split)))}

    train, dev, test = (first_sentences(split) for split in ("train", "dev_2k", "test_2k"))
    assert not train & dev and not train & test and not dev & test


def test_non_paraphrases_are_word_swaps_and_some_share_the_construction():
    rows = list(read_pair_files(str(sample_file("en", "train"))))
    negatives = [row for row in rows if row.label == "0"]
    same_words = [row for row in negatives
                  if sorted(re.findall(r"\w+", row.sentence1))
                  == sorted(re.findall(r"\w+", row.sentence2))]
    # Neither bag of words nor construction decides the label on its own.
    assert 0.25 * len(negatives) < len(same_words) < 0.9 * len(negatives)


def test_unknown_split_is_a_clear_error():
    with pytest.raises(ValueError, match="no 'train' split in 'de'"):
        sample_file("de", "train")


def test_generator_reproduces_the_bundled_sample(tmp_path):
    make_sample = load_make_sample()
    written = make_sample.make_sample(tmp_path, seed=13)
    assert len(written) == len(SIZES)
    for path in written:
        bundled = sample_paths.sample_dir() / path.relative_to(tmp_path / "pawsx")
        assert path.read_bytes() == bundled.read_bytes(), f"{bundled} is stale: rerun the script"


def test_korean_particles():
    formatter = load_make_sample().JosaFormatter()
    text = formatter.format("{x:은/는} {y:으로/로} {z:으로/로}", x="이준혁", y="서울", z="부산")
    assert text == "이준혁은 서울로 부산으로"
    assert formatter.format("{x:이/가} {y:을/를}", x="김민수", y="대전") == "김민수가 대전을"


def test_tiny_overrides_apply_to_the_shipped_configs(tmp_path):
    overrides = tiny_overrides(tmp_path)
    assert set(overrides) == {
        "dataset_reader.tokenizer.model_name",
        "dataset_reader.token_indexers.tokens.model_name",
        "model.text_field_embedder.token_embedders.tokens.model_name",
        "train_data_path",
        "validation_data_path",
        # the sample is a few batches per pass: one validation per pass, not 193-batch epochs
        "data_loader.batches_per_epoch",
        "trainer.num_epochs",
    }
    assert overrides["data_loader.batches_per_epoch"] is None
    for config in ("pawsx_baseline", "pawsx_dlfa", "pawsx_aif"):
        params = Params.from_file(str(CONFIG_DIR / f"{config}.jsonnet"), overrides)
        assert params["dataset_reader"]["tokenizer"]["model_name"] == str(tmp_path.resolve())
        embedder = params["model"]["text_field_embedder"]["token_embedders"]["tokens"]
        assert embedder["model_name"] == str(tmp_path.resolve())
        assert params["train_data_path"] == str(sample_file("en", "train"))
        assert params["validation_data_path"] == str(sample_file("en", "dev_2k"))
