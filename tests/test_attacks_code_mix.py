"""
The code-mixing recipes (`code_mix`, `code_mix_random`) and their dictionaries: the shipped
MUSE-format files, pivoting through English, missing dictionaries, every language's sample, and
both commands in-process.
"""
from pathlib import Path

import pytest
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks import AttackRecipe
from allennlp_xfuse.attacks.code_mix_dictionaries import (
    DEFAULT_DICTIONARY_DIR,
    DictionarySet,
    match_case,
)
from allennlp_xfuse.attacks.examples import load_examples
from allennlp_xfuse.attacks.recipes.code_mix import CodeMixer
from allennlp_xfuse.attacks.segmentation import code_mixed_words, words
from allennlp_xfuse.data.adversarial_split import SPLIT_FIELDS
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from tests.helpers import cached_classifier_archive
from tests.test_attacks_cli import allennlp, lines

OTHER_LANGUAGES = [language for language in PAWSX_LANGUAGES if language != "en"]


def write_dictionary(directory: Path, pair: str, entries: str) -> None:
    (directory / f"{pair}.txt").write_text(entries, encoding="utf-8")


# -- the shipped dictionaries ------------------------------------------------------------------


def test_shipped_dictionaries_are_muse_files_both_ways_with_english():
    directory = Path(DEFAULT_DICTIONARY_DIR)
    expected = {f"en-{code}.txt" for code in OTHER_LANGUAGES}
    expected |= {f"{code}-en.txt" for code in OTHER_LANGUAGES}
    assert {path.name for path in directory.glob("*.txt")} == expected
    assert (directory / "README.md").is_file()
    for name in expected:
        entries = (directory / name).read_text(encoding="utf-8").splitlines()
        assert 150 <= len(entries) <= 300, name
        for entry in entries:
            source, translation = entry.split(" ")  # exactly two fields, no header or comment
            assert source == source.lower() and translation, (name, entry)


@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_shipped_dictionaries_cover_the_sample(sample_dir, language):
    mixer = CodeMixer()
    examples = load_examples(str(sample_dir / language / "test_2k.tsv"))
    sentences = [e.sentence1 for e in examples] + [e.sentence2 for e in examples]
    with_translation = [
        sentence
        for sentence in sentences
        if any(mixer.replacements(word, language) for word in words(sentence, language))
    ]
    assert len(with_translation) >= 0.9 * len(sentences)


# -- lookups, case, pivoting, missing pairs ------------------------------------------------------


def test_lookup_is_lower_cased_and_keeps_the_capitalization_of_latin_words():
    dictionaries = DictionarySet()
    assert dictionaries.translations("Köln", "de", "en") == ["Cologne"]
    assert dictionaries.replacements("train", "en", "de") == ["Zug"]
    assert dictionaries.replacements("Died", "en", "es")[0] == "Murió"
    assert dictionaries.replacements("died", "en", "es")[0] == "murió"
    assert dictionaries.replacements("Died", "en", "zh") == ["去世", "逝世"]
    assert match_case("LONDON", "londres") == "LONDRES"
    assert match_case("大阪", "osaka") == "osaka"
    assert match_case("Seoul", "서울") == "서울"


def test_korean_words_are_translated_without_their_particle():
    dictionaries = DictionarySet()
    assert dictionaries.replacements("서울에서", "ko", "en") == ["Seoul에서"]
    assert dictionaries.replacements("열차는", "ko", "ja") == ["列車는"]
    assert dictionaries.replacements("태어났다", "ko", "en") == ["born"]


def test_a_pair_without_a_file_is_translated_through_english():
    dictionaries = DictionarySet()
    assert not dictionaries.has_file("de", "fr") and dictionaries.is_pivoted("de", "fr")
    assert dictionaries.translations("starb", "de", "fr") == ["mort", "meurt"]
    assert dictionaries.translations("Zug", "de", "ja") == ["列車"]
    assert dictionaries.translations("서울", "ko", "zh") == ["首尔"]


def test_pivoting_in_a_users_directory_and_a_direct_file_wins(tmp_path):
    write_dictionary(tmp_path, "de-en", "hund dog\nkatze cat\n")
    write_dictionary(tmp_path, "en-fr", "dog chien\ndog clebs\ncat chat\n")
    assert DictionarySet(str(tmp_path)).translations("Hund", "de", "fr") == ["chien", "clebs"]
    write_dictionary(tmp_path, "de-fr", "hund toutou\n")
    assert DictionarySet(str(tmp_path)).translations("Hund", "de", "fr") == ["toutou"]


def test_a_missing_dictionary_is_a_clear_error_naming_the_pair(tmp_path, sample_dir):
    write_dictionary(tmp_path, "de-en", "hund dog\n")
    with pytest.raises(ConfigurationError) as error:
        DictionarySet(str(tmp_path)).translations("Hund", "de", "fr")
    message = str(error.value)
    assert "de-fr" in message and str(tmp_path) in message and "en-fr.txt" in message

    recipe = AttackRecipe.from_spec(
        "code_mix_random", dictionary_dir=str(tmp_path), embedded_languages=["en", "ko"]
    )
    example = load_examples(str(sample_dir / "de" / "test_2k.tsv"), num_examples=1)[0]
    with pytest.raises(ConfigurationError, match="de-ko"):
        recipe.perturb_pair(example.sentence1, example.sentence2, "de", example.id, 13)
    with pytest.raises(ConfigurationError, match="does not exist"):
        AttackRecipe.from_spec("code_mix", dictionary_dir=str(tmp_path / "nowhere"))
    with pytest.raises(ConfigurationError, match="other than de"):
        AttackRecipe.from_spec("code_mix_random", embedded_languages=["de"]).perturb_pair(
            "Der Zug", "Der Zug", "de", "1", 13
        )


# -- segmentation of code-mixed text -----------------------------------------------------------


def test_an_inserted_word_of_another_script_stays_one_word():
    import textattack.shared.utils as textattack_utils

    korean = "열차는 서울에서 大田 까지 운행한다."
    # TextAttack sends any text with a Han character to jieba, which splits Hangul syllables
    assert len(textattack_utils.words_from_text(korean)) > 5
    assert code_mixed_words(korean, "ko") == ["열차는", "서울에서", "大田", "까지", "운행한다"]
    chinese = "陈静从重庆搬到了런던和Universität。"
    assert "런던" in code_mixed_words(chinese, "zh")
    assert "Universität" in code_mixed_words(chinese, "zh")
    assert code_mixed_words("伊藤翔太はSeoulから仙台へ", "ja")[2] == "Seoul"


# -- code_mix_random on every language's sample, through xfuse-perturb -------------------------


@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_code_mix_random_on_each_language(tmp_path, sample_dir, language):
    source = sample_dir / language / "test_2k.tsv"
    output = tmp_path / "mixed.jsonl"
    code, out, err = allennlp(
        "xfuse-perturb", source, "--recipe", "code_mix_random", "--rate", "0.3", "--seed", "13",
        "--output", output,
    )
    assert code == 0, err
    assert language in out
    records = lines(output)
    originals = load_examples(str(source))
    assert [r["id"] for r in records] == [e.id for e in originals]
    assert [r["label"] for r in records] == [e.label for e in originals]
    assert all(set(r) == set(SPLIT_FIELDS) for r in records)
    assert all(r["status"] == "perturbed" and r["recipe"] == "code_mix_random" for r in records)
    assert all(r["language"] == language for r in records)
    assert [r["original_sentence1"] for r in records] == [e.sentence1 for e in originals]
    assert [r["original_sentence2"] for r in records] == [e.sentence2 for e in originals]
    changed = [r for r in records if (r["sentence1"], r["sentence2"]) != (
        r["original_sentence1"], r["original_sentence2"])]
    assert len(changed) >= 0.9 * len(records)
    assert all(0 < r["perturbed_word_ratio"] <= 0.5 for r in changed)
    for record in records:  # numbers are never replaced
        for column in ("sentence1", "sentence2"):
            digits = [char for char in record[f"original_{column}"] if char.isdigit()]
            assert [char for char in record[column] if char.isdigit()] == digits

    # the same text for the same seed (what a second run or another model gets), other text for
    # another seed
    recipe = AttackRecipe.from_spec("code_mix_random", rate=0.3)
    again = [recipe.perturb_pair(e.sentence1, e.sentence2, language, e.id, 13) for e in originals]
    assert [(p.sentence1, p.sentence2) for p in again] == [
        (r["sentence1"], r["sentence2"]) for r in records
    ]
    other = [recipe.perturb_pair(e.sentence1, e.sentence2, language, e.id, 14) for e in originals]
    assert [(p.sentence1, p.sentence2) for p in other] != [
        (p.sentence1, p.sentence2) for p in again
    ]


def test_candidates_take_turns_between_embedded_languages():
    mixer = CodeMixer(embedded_languages=["de", "fr", "zh"])
    assert mixer.replacements("died", "en") == {
        "de": ["starb"], "fr": ["mort", "meurt"], "zh": ["去世", "逝世"]
    }
    assert mixer.candidates("died", "en", 3) == ["starb", "mort", "去世"]
    assert mixer.candidates("died", "en", 10) == ["starb", "mort", "去世", "meurt", "逝世"]
    assert mixer.candidates("the", "en", 10) == []  # not in the dictionaries
    # a translation that is not one word of the code-mixed text is left out ("s'arrête" in zh)
    assert "s'arrête" in CodeMixer(embedded_languages=["fr"]).candidates("stops", "en", 5)
    assert CodeMixer(embedded_languages=["fr"]).candidates("停靠", "zh", 5) == []


def test_code_mix_takes_the_base_parameters():
    recipe = AttackRecipe.from_spec(
        "code_mix", embedded_languages=["ja"], max_candidates=3, keep_numbers=False,
        perturb="sentence2", keep_shared_names=False,
    )
    assert recipe.keep_numbers is False and recipe.perturb == "sentence2"
    assert recipe.keep_shared_names is False
    with pytest.raises(ConfigurationError, match="max_percent_words"):
        AttackRecipe.from_spec("code_mix", max_percent_words=0.0)
    with pytest.raises(ConfigurationError, match="rate"):
        AttackRecipe.from_spec("code_mix_random", rate=1.5)


def test_code_mix_random_replaces_words_with_translations_only():
    recipe = AttackRecipe.from_spec("code_mix_random", rate=1.0, embedded_languages=["fr"])
    pair = recipe.perturb_pair(
        "James Porter was born in Bristol and died in Seattle.",
        "The train connects Seattle with Bristol.", "en", "7", 13,
    )
    assert pair.sentence1 == "James Porter was né in Bristol and mort in Seattle."
    assert pair.sentence2 == "The train relie Seattle with Bristol."  # "train" is French too
    assert pair.num_perturbed_words == 3
    only_second = AttackRecipe.from_spec("code_mix_random", rate=0.5, perturb="sentence2")
    first = "Michael Hayes moved from Bristol to Denver in 2001."
    assert only_second.perturb_pair(first, first, "en", "1", 13).sentence1 == first


# -- code_mix against a model, through xfuse-attack --------------------------------------------


@pytest.fixture(scope="module")
def archive(tiny_model_dir, sample_dir):
    return cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))


@pytest.mark.parametrize("language", ["ko", "zh"])
def test_code_mix_attack_writes_a_split(tmp_path, archive, sample_dir, language):
    output = tmp_path / "code_mix.jsonl"
    code, out, err = allennlp(
        "xfuse-attack", archive, sample_dir / language / "test_2k.tsv", "--recipe", "code_mix",
        "--num-examples", "5", "--query-budget", "200", "--seed", "3", "--output", output,
    )
    assert code == 0, err
    records = lines(output)
    originals = load_examples(str(sample_dir / language / "test_2k.tsv"), num_examples=5)
    assert [r["id"] for r in records] == [e.id for e in originals]
    assert [r["label"] for r in records] == [e.label for e in originals]
    assert all(r["recipe"] == "code_mix" and r["language"] == language for r in records)
    assert {r["status"] for r in records} <= {"succeeded", "failed", "skipped"}
    assert any(r["status"] != "skipped" for r in records)
    for record in records:
        if record["status"] == "succeeded":
            assert record["perturbed_prediction"] != record["original_prediction"]
            assert (record["sentence1"], record["sentence2"]) != (
                record["original_sentence1"], record["original_sentence2"])
            assert 0 < record["perturbed_word_ratio"] <= 0.3
        if record["status"] == "skipped":
            assert record["sentence1"] == record["original_sentence1"]


def test_a_line_that_is_not_a_word_pair_names_the_file_and_line(tmp_path):
    write_dictionary(tmp_path, "en-de", "dog Hund\ncat\tKatze\nmouse\n")
    dictionaries = DictionarySet(str(tmp_path))
    with pytest.raises(ConfigurationError, match=r"en-de.txt:3: expected 'word translation'"):
        dictionaries.translations("cat", "en", "de")
