"""The model-in-the-loop recipes on every language's sample, against a tiny classifier."""
import re
from collections import OrderedDict

import numpy as np
import pytest
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks import AttackRecipe
from allennlp_xfuse.attacks.examples import Example, load_examples
from allennlp_xfuse.data.adversarial_split import SPLIT_FIELDS
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from tests.helpers import cached_classifier_archive

# Bounds the slowest recipe (pruthi enumerates every typo of every word) on the tiny model.
QUERY_BUDGET = 150


@pytest.fixture(scope="module")
def wrapper(tiny_model_dir, sample_dir):
    from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper

    path = cached_classifier_archive(tiny_model_dir, str(sample_dir / "en" / "train.tsv"))
    return AllenNlpModelWrapper.from_archive(path)


@pytest.fixture(scope="module")
def recipes(tiny_model_dir):
    return {
        "deepwordbug": AttackRecipe.from_spec("deepwordbug"),
        "pruthi": AttackRecipe.from_spec("pruthi"),
        "mlm_swap": AttackRecipe.from_spec("mlm_swap", masked_language_model=tiny_model_dir),
    }


def correctly_classified(wrapper, sample_dir, language, count):
    """The first `count` examples the model gets right, so that attacks are not skipped."""
    examples = load_examples(str(sample_dir / language / "test_2k.tsv"))
    predictions = np.argmax(wrapper([(e.sentence1, e.sentence2) for e in examples]), axis=1)
    return [e for e, p in zip(examples, predictions) if p == e.label][:count]


def shared_names(sentence1, sentence2):
    """Capitalized words both sentences contain, not only as their first word (by hand)."""
    def names(sentence):
        words = re.findall(r"\w+", sentence)
        return {word for word in words[1:] if word[0].isupper()}

    first, second = set(re.findall(r"\w+", sentence1)), set(re.findall(r"\w+", sentence2))
    return {name for name in names(sentence1) | names(sentence2) if name in first & second
            and name in sentence1.split() and name in sentence2.split()}


def attack(recipe, wrapper, examples, seed=13):
    from textattack.shared.utils import set_seed

    from allennlp_xfuse.attacks.runner import attack_one, example_seed
    from allennlp_xfuse.attacks.textattack_shims import use_segmentation

    records = []
    for example in examples:
        with use_segmentation(example.language):
            built = recipe.attack_for(wrapper, example.language, QUERY_BUDGET, batch_size=32)
            set_seed(example_seed(seed, example))
            records.append(attack_one(built, example))
    return records


@pytest.mark.parametrize("recipe_name", ["deepwordbug", "pruthi", "mlm_swap"])
@pytest.mark.parametrize("language", PAWSX_LANGUAGES)
def test_recipe_attacks_each_language(wrapper, recipes, sample_dir, recipe_name, language):
    examples = correctly_classified(wrapper, sample_dir, language, 2)
    assert len(examples) == 2
    records = attack(recipes[recipe_name], wrapper, examples)
    changed = 0
    for example, record in zip(examples, records):
        assert set(record) == set(SPLIT_FIELDS) - {"recipe"}
        assert record["status"] in ("succeeded", "failed")  # never skipped: model was right
        assert record["label"] == example.label == record["original_prediction"]
        assert 0 < record["num_queries"] <= QUERY_BUDGET
        assert 0.0 <= record["perturbed_word_ratio"] <= 1.0
        pair = (record["sentence1"], record["sentence2"])
        if pair != (example.sentence1, example.sentence2):
            changed += 1
        if record["status"] == "succeeded":
            assert record["perturbed_prediction"] != example.label
            assert pair != (example.sentence1, example.sentence2)
            assert record["perturbed_word_ratio"] > 0
        # numbers are never touched (keep_numbers): they can decide the gold label
        for original, perturbed in zip((example.sentence1, example.sentence2), pair):
            assert [c for c in original if c.isdigit()] == [c for c in perturbed if c.isdigit()]
        # nor are names both sentences share (keep_shared_names)
        for name in shared_names(example.sentence1, example.sentence2):
            assert name in pair[0].split() and name in pair[1].split(), (name, pair)
    # character attacks reach ja/zh/ko words too (script-run / jieba segmentation)
    assert changed >= 1


def test_attacks_succeed_on_the_sample(wrapper, recipes, sample_dir):
    examples = correctly_classified(wrapper, sample_dir, "en", 6)
    records = attack(recipes["deepwordbug"], wrapper, examples)
    assert any(record["status"] == "succeeded" for record in records)


def test_perturb_restricts_the_attack_to_one_sentence(wrapper, sample_dir):
    examples = correctly_classified(wrapper, sample_dir, "de", 3)
    recipe = AttackRecipe.from_spec("deepwordbug", perturb="sentence2")
    for example, record in zip(examples, attack(recipe, wrapper, examples)):
        assert record["sentence1"] == example.sentence1


def test_same_seed_same_attack(wrapper, recipes, sample_dir):
    examples = correctly_classified(wrapper, sample_dir, "fr", 2)
    assert attack(recipes["deepwordbug"], wrapper, examples) == attack(
        recipes["deepwordbug"], wrapper, examples
    )


def test_japanese_words_are_script_runs_only_inside_the_attack():
    from textattack.shared import AttackedText

    from allennlp_xfuse.attacks.textattack_shims import use_segmentation

    text = "全米バスケットボール協会のシーズン"
    with use_segmentation("ja"):
        assert AttackedText(text).words == ["全米", "バスケットボール", "協会", "の", "シーズン"]
    # TextAttack's own segmentation (jieba) is back afterwards
    assert "シ" in AttackedText(text).words


def test_textattack_recipes_pass_through(wrapper, sample_dir):
    examples = correctly_classified(wrapper, sample_dir, "en", 1)
    recipe = AttackRecipe.from_spec("textattack:deepwordbug")
    record = attack(recipe, wrapper, examples)[0]
    assert record["status"] in ("succeeded", "failed")
    with pytest.raises(ConfigurationError, match="Unknown TextAttack recipe 'nope'.*textfooler"):
        AttackRecipe.from_spec("textattack:nope")
    with pytest.raises(ConfigurationError, match="textattack:<recipe>"):
        AttackRecipe.from_spec("textattack")


class OfflineRecipe:
    """Stands for a TextAttack recipe whose download fails (no network in tests)."""

    @staticmethod
    def build(model_wrapper):
        raise OSError("Failed to resolve 'textattack.s3.amazonaws.com'")


def test_missing_textattack_resources_say_what_to_do(wrapper):
    recipe = AttackRecipe.from_spec("textattack:textfooler")
    recipe._class_path = f"{__name__}.OfflineRecipe"
    with pytest.raises(ConfigurationError, match="(?s)could not load a resource.*internet access"):
        recipe.attack_for(wrapper, "en")
    recipe._class_path = "some_missing_package.Recipe"
    with pytest.raises(ConfigurationError, match="pip install some_missing_package"):
        recipe.attack_for(wrapper, "en")


def test_unknown_language_and_missing_mlm(wrapper):
    with pytest.raises(ConfigurationError, match="Unknown language 'xx'"):
        AttackRecipe.from_spec("deepwordbug").attack_for(wrapper, "xx")
    missing = AttackRecipe.from_spec("mlm_swap", masked_language_model="/nonexistent/mlm")
    with pytest.raises(ConfigurationError, match="could not load the masked LM"):
        missing.attack_for(wrapper, "en")


def test_example_key_is_language_and_id():
    assert Example("7", "de", "a", "b", 1).key == ("de", "7")


def test_names_shared_by_both_sentences_are_not_modifiable():
    from textattack.shared import AttackedText

    from allennlp_xfuse.attacks.constraints import SharedNameModification

    def frozen(sentence1, sentence2):
        text = AttackedText(OrderedDict(sentence1=sentence1, sentence2=sentence2))
        modifiable = SharedNameModification()._get_modifiable_indices(text)
        return [word for index, word in enumerate(text.words) if index not in modifiable]

    # shared names, in both sentences; not "The" (capitalized only as a first word), not the
    # shared lower-case words (PAWS pairs share most words), not "Berlin" (in one sentence)
    assert frozen(
        "The film was directed by Winarsky in Paris .",
        "Winarsky directed the film in Paris after Berlin .",
    ) == ["Winarsky", "Paris", "Winarsky", "Paris"]
    assert frozen("The cat sat .", "The dog sat .") == []
    # Japanese writes foreign names in katakana (words as the attacks segment Japanese)
    from allennlp_xfuse.attacks.textattack_shims import use_segmentation

    with use_segmentation("ja"):
        names = frozen("ウィナースキーはパリで監督した", "パリでウィナースキーが監督した")
    assert sorted(set(names)) == ["ウィナースキー", "パリ"]
