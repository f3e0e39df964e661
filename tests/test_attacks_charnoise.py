"""The model-agnostic `charnoise` recipe and the pure-Python pieces under it (no TextAttack)."""
import random

import pytest
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks import AttackRecipe
from allennlp_xfuse.attacks.char_edits import CHAR_EDITS
from allennlp_xfuse.attacks.resources import keyboard_neighbours, letters_to_insert, stopwords
from allennlp_xfuse.attacks.segmentation import words
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.data.pair_files import read_pair_files


def sample_rows(sample_dir, language):
    return list(read_pair_files(str(sample_dir / language / "test_2k.tsv")))


@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_every_sentence_changes_and_only_letters_change(sample_dir, language):
    recipe = AttackRecipe.from_spec("charnoise", rate=0.1)
    for row in sample_rows(sample_dir, language):
        pair = recipe.perturb_pair(row.sentence1, row.sentence2, language, row.id, seed=13)
        assert pair.sentence1 != row.sentence1 and pair.sentence2 != row.sentence2
        assert pair.num_perturbed_words >= 2 and 0 < pair.perturbed_word_ratio <= 0.5
        for original, perturbed in zip((row.sentence1, row.sentence2), pair[:2]):
            # digits and punctuation are never edited
            assert [c for c in original if c.isdigit()] == [c for c in perturbed if c.isdigit()]
            # one edit per chosen word: lengths differ by at most the number of words edited
            assert abs(len(original) - len(perturbed)) <= pair.num_perturbed_words


@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_deterministic_for_seed_and_id(sample_dir, language):
    recipe = AttackRecipe.from_spec("charnoise", rate=0.2)
    rows = sample_rows(sample_dir, language)[:10]

    def run(seed, order):
        return {
            row.id: recipe.perturb_pair(row.sentence1, row.sentence2, language, row.id, seed)
            for row in order
        }

    first = run(13, rows)
    # order of processing (e.g. a resumed run) and global random state do not matter
    random.seed(0)
    assert run(13, list(reversed(rows))) == first
    other_seed = run(14, rows)
    assert sum(other_seed[key] != first[key] for key in first) >= 8


def test_perturb_one_sentence_gives_the_same_text_as_both(sample_dir):
    row = sample_rows(sample_dir, "de")[0]
    both = AttackRecipe.from_spec("charnoise", rate=0.3)
    second = AttackRecipe.from_spec("charnoise", rate=0.3, perturb="sentence2")
    pair_both = both.perturb_pair(row.sentence1, row.sentence2, "de", row.id, 13)
    pair_second = second.perturb_pair(row.sentence1, row.sentence2, "de", row.id, 13)
    assert pair_second.sentence1 == row.sentence1
    assert pair_second.sentence2 == pair_both.sentence2 != row.sentence2


def test_rate_zero_and_rate_one():
    text1, text2 = "The cat sat on the mat.", "A dog slept."
    unchanged = AttackRecipe.from_spec("charnoise", rate=0.0).perturb_pair(
        text1, text2, "en", "1", 13
    )
    assert (unchanged.sentence1, unchanged.sentence2, unchanged.num_perturbed_words) == (
        text1,
        text2,
        0,
    )
    everything = AttackRecipe.from_spec("charnoise", rate=1.0).perturb_pair(
        text1, text2, "en", "1", 13
    )
    assert everything.num_perturbed_words == everything.num_words == 9
    before = words(f"{text1} {text2}", "en")
    after = words(f"{everything.sentence1} {everything.sentence2}", "en")
    assert len(before) == len(after) and all(a != b for a, b in zip(before, after))


@pytest.mark.parametrize("edit", sorted(CHAR_EDITS))
@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_each_edit_keeps_the_script(edit, language):
    word = {
        "en": "Melbourne",
        "de": "Straße",
        "es": "alcaldía",
        "fr": "Strasbourg",
        "ja": "バスケットボール",
        "ko": "목포로",
        "zh": "篮球协会",
    }[language]
    rng = random.Random(f"{edit}:{language}")
    edited = CHAR_EDITS[edit](word, rng, language)
    if edit == "keyboard" and language in ("ja", "zh"):
        assert edited is None  # typed through an input method: no layout
        return
    assert edited is not None and edited != word
    if language in ("ja", "ko", "zh"):
        assert not any("a" <= c.lower() <= "z" for c in edited)  # no Latin letter in CJK words


def test_keyboards_follow_the_language_layout():
    assert "z" in keyboard_neighbours("t", "de") and "y" in keyboard_neighbours("t", "en")
    assert "a" in keyboard_neighbours("z", "fr") and "Q" in keyboard_neighbours("A", "en")
    assert "ñ" in keyboard_neighbours("l", "es")
    # Korean: a syllable becomes one with a jamo typed on a neighbouring key (ㅁ -> ㄴ: 목 -> 녹)
    assert "녹" in keyboard_neighbours("목", "ko")


def test_unspaced_languages_are_segmented():
    # Japanese: script runs, not jieba's one-word-per-kana
    assert " ".join(words("1975年から1976年のNBAシーズンは全米バスケットボール協会", "ja")) == (
        "1975 年 から 1976 年 の NBA シーズン は 全米 バスケットボール 協会"
    )
    assert " ".join(words("1975-76赛季的全国篮球协会是NBA的第30个赛季。", "zh")) == (
        "1975 76 赛季 的 全国 篮球 协会 是 NBA 的 第 30 个 赛季"
    )
    assert " ".join(words("l'homme a quitté Saint-Étienne.", "fr")) == (
        "l'homme a quitté Saint-Étienne"
    )


def test_language_resources():
    assert "und" in stopwords("de") and "Und" in stopwords("de") and "の" in stopwords("ja")
    assert "ñ" in letters_to_insert("es") and "한" in letters_to_insert("ko")
    assert "的" in letters_to_insert("zh") and "あ" in letters_to_insert("ja")


def test_bad_configuration_is_a_clear_error():
    recipe = AttackRecipe.from_spec("charnoise")
    with pytest.raises(ConfigurationError, match="Unknown language 'xx'"):
        recipe.perturb_pair("a b", "c d", "xx", "1", 13)
    with pytest.raises(ConfigurationError, match="rate must be in"):
        AttackRecipe.from_spec("charnoise", rate=1.5)
    with pytest.raises(ConfigurationError, match="edits"):
        AttackRecipe.from_spec("charnoise", edits=["teleport"])
    with pytest.raises(ConfigurationError, match="Unknown recipe 'nope'.*charnoise"):
        AttackRecipe.from_spec("nope")
    with pytest.raises(ConfigurationError, match="perturb must be one of"):
        AttackRecipe.from_spec("charnoise", perturb="sentence3")
