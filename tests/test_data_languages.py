import pytest
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.languages import (
    LANGUAGE_FAMILIES,
    LANGUAGE_GROUPS,
    PANX_LANGUAGES,
    TASK_LANGUAGES,
    XNLI_LANGUAGES,
    infer_language,
    language_groups,
)


def test_every_task_language_has_a_family_and_english_comes_first():
    for task, languages in TASK_LANGUAGES.items():
        assert languages[0] == "en", task
        assert len(set(languages)) == len(languages), task
        assert all(language in LANGUAGE_FAMILIES for language in languages), task
    assert (len(XNLI_LANGUAGES), len(PANX_LANGUAGES), len(TASK_LANGUAGES["pos"])) == (15, 40, 33)


def test_family_groups_split_english_family_from_the_rest():
    # PAWS-X: the paper's enf / non-enf split, now derived from the family table.
    assert LANGUAGE_GROUPS["enf"] == ("de", "es", "fr")
    assert LANGUAGE_GROUPS["non-enf"] == ("ja", "ko", "zh")
    groups = language_groups(XNLI_LANGUAGES)
    assert set(groups["enf"]) == {"fr", "es", "de", "el", "bg", "ru", "hi", "ur"}
    assert set(groups["non-enf"]) == {"tr", "ar", "vi", "th", "zh", "sw"}
    # English is in neither group, every other language in exactly one.
    assert sorted(groups["enf"] + groups["non-enf"] + ("en",)) == sorted(XNLI_LANGUAGES)


def test_a_language_without_a_family_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="xx.*LANGUAGE_FAMILIES"):
        language_groups(("en", "xx"))


def test_infer_language_takes_the_task_language_set():
    assert infer_language("panx/th/test.tsv") is None  # not a PAWS-X language
    assert infer_language("panx/th/test.tsv", PANX_LANGUAGES) == "th"
    assert infer_language("xnli/dev-sw.tsv", XNLI_LANGUAGES) == "sw"
    assert infer_language("x-final/de/test_2k.tsv") == "de"
