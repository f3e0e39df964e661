"""
The languages of every task (the one place allennlp-xfuse lists them): PAWS-X, and XTREME's
language sets for XNLI, PAN-X (WikiANN NER) and UD POS; the language -> family table the "enf" /
"non-enf" averages are defined by; the groups results are averaged over; checking a language
code, and the language of a data file as its path tells it.
"""
import re
from os import PathLike
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from allennlp.common.checks import ConfigurationError

#: PAWS-X languages, in the order of the official release.
PAWSX_LANGUAGES: Tuple[str, ...] = ("en", "de", "es", "fr", "ja", "ko", "zh")

#: XNLI languages, in the order of the XNLI paper (Conneau et al., 2018) and XTREME.
XNLI_LANGUAGES: Tuple[str, ...] = (
    "en", "fr", "es", "de", "el", "bg", "ru", "tr", "ar", "vi", "th", "zh", "hi", "sw", "ur",
)

#: The 40 PAN-X (WikiANN) languages XTREME evaluates NER on (its `panx` language list).
PANX_LANGUAGES: Tuple[str, ...] = (
    "en", "af", "ar", "bg", "bn", "de", "el", "es", "et", "eu", "fa", "fi", "fr", "he", "hi",
    "hu", "id", "it", "ja", "jv", "ka", "kk", "ko", "ml", "mr", "ms", "my", "nl", "pt", "ru",
    "sw", "ta", "te", "th", "tl", "tr", "ur", "vi", "yo", "zh",
)

#: The 33 Universal Dependencies languages XTREME evaluates POS tagging on (its `udpos` list).
UDPOS_LANGUAGES: Tuple[str, ...] = (
    "en", "af", "ar", "bg", "de", "el", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "hu",
    "id", "it", "ja", "kk", "ko", "mr", "nl", "pt", "ru", "ta", "te", "th", "tl", "tr", "ur",
    "vi", "yo", "zh",
)

#: Task name -> its languages, English (the training language) first.
TASK_LANGUAGES: Dict[str, Tuple[str, ...]] = {
    "pawsx": PAWSX_LANGUAGES,
    "xnli": XNLI_LANGUAGES,
    "ner": PANX_LANGUAGES,
    "pos": UDPOS_LANGUAGES,
}

#: Every language of every task, each once.
ALL_LANGUAGES: Tuple[str, ...] = tuple(
    sorted({language for languages in TASK_LANGUAGES.values() for language in languages})
)

#: ISO 639-1 code -> top-level language family, as Glottolog 4.8 classifies it
#: (https://glottolog.org, "top-level family"; Basque is an isolate). "enf" averages are over the
#: languages of English's family (Indo-European) other than English, "non-enf" over the rest:
#: the split the feature-aggregation paper's analysis makes, since zero-shot transfer from English
#: degrades most outside its family.
LANGUAGE_FAMILIES: Dict[str, str] = {
    "af": "Indo-European", "bg": "Indo-European", "bn": "Indo-European", "de": "Indo-European",
    "el": "Indo-European", "en": "Indo-European", "es": "Indo-European", "fa": "Indo-European",
    "fr": "Indo-European", "hi": "Indo-European", "it": "Indo-European", "mr": "Indo-European",
    "nl": "Indo-European", "pt": "Indo-European", "ru": "Indo-European", "ur": "Indo-European",
    "ar": "Afro-Asiatic", "he": "Afro-Asiatic",
    "et": "Uralic", "fi": "Uralic", "hu": "Uralic",
    "eu": "Basque (isolate)",
    "ja": "Japonic",
    "ko": "Koreanic",
    "ka": "Kartvelian",
    "kk": "Turkic", "tr": "Turkic",
    "ml": "Dravidian", "ta": "Dravidian", "te": "Dravidian",
    "id": "Austronesian", "jv": "Austronesian", "ms": "Austronesian", "tl": "Austronesian",
    "my": "Sino-Tibetan", "zh": "Sino-Tibetan",
    "th": "Tai-Kadai",
    "vi": "Austroasiatic",
    "sw": "Atlantic-Congo", "yo": "Atlantic-Congo",
}

ENGLISH = "en"


def language_groups(languages: Sequence[str]) -> Dict[str, Tuple[str, ...]]:
    """
    The groups a task's results are averaged over, in table order: "avg" (every language),
    "enf" (the languages of English's family but English) and "non-enf" (the others), from
    `LANGUAGE_FAMILIES`.

    # Parameters

    languages : `Sequence[str]`
        The task's languages (English included, as in `TASK_LANGUAGES`).
    """
    unknown = [language for language in languages if language not in LANGUAGE_FAMILIES]
    if unknown:
        raise ConfigurationError(
            f"No language family known for {', '.join(unknown)}: add them to LANGUAGE_FAMILIES "
            "in allennlp_xfuse/data/languages.py."
        )
    english_family = LANGUAGE_FAMILIES[ENGLISH]
    return {
        "avg": tuple(languages),
        "enf": tuple(
            language for language in languages
            if language != ENGLISH and LANGUAGE_FAMILIES[language] == english_family
        ),
        "non-enf": tuple(
            language for language in languages if LANGUAGE_FAMILIES[language] != english_family
        ),
    }


# English's family (Indo-European, Latin script) versus the rest, for PAWS-X: de/es/fr vs ja/ko/zh.
ENF_LANGUAGES: Tuple[str, ...] = language_groups(PAWSX_LANGUAGES)["enf"]
NON_ENF_LANGUAGES: Tuple[str, ...] = language_groups(PAWSX_LANGUAGES)["non-enf"]

#: The groups results are averaged over, in table order: name -> its languages.
LANGUAGE_GROUPS: Dict[str, Tuple[str, ...]] = {
    "avg": PAWSX_LANGUAGES,
    "enf": ENF_LANGUAGES,
    "non-enf": NON_ENF_LANGUAGES,
}


def check_language(language: Optional[str], supported: str = "PAWS-X has") -> str:
    """
    Returns `language` if it is a PAWS-X language, otherwise raises a `ConfigurationError`
    that lists them: "Unknown language 'xx': <supported> en, de, ...".
    """
    if language not in PAWSX_LANGUAGES:
        raise ConfigurationError(
            f"Unknown language {language!r}: {supported} {', '.join(PAWSX_LANGUAGES)}."
        )
    return language


def in_pawsx_order(languages: Iterable[str]) -> List[str]:
    """`languages` (each once) in PAWS-X order, followed by any other codes, sorted."""
    present = set(languages)
    others = sorted(present.difference(PAWSX_LANGUAGES))
    return [language for language in PAWSX_LANGUAGES if language in present] + others


def infer_language(
    path: Union[str, PathLike], languages: Sequence[str] = PAWSX_LANGUAGES
) -> Optional[str]:
    """
    The language among `languages` (default: PAWS-X's) that a data path names, or `None`.

    The file name is looked at first, as a code between separators (`dev-de.tsv`,
    `test_ja.tsv`, `de.deepwordbug.jsonl`), then the directories from the nearest
    (`x-final/fr/test_2k.tsv`, `sample/pawsx/ko/dev_2k.tsv`). For an archive member
    (`x-final.tar.gz!x-final/zh/dev_2k.tsv`) the member path is what counts.
    """
    known = set(languages)
    text = str(path)
    if "!" in text:
        text = text.split("!", 1)[1]
    components = [part for part in re.split(r"[/\\]", text) if part]
    if not components:
        return None
    for token in re.split(r"[-_.]", components[-1]):
        if token.lower() in known:
            return token.lower()
    for directory in reversed(components[:-1]):
        if directory.lower() in known:
            return directory.lower()
    return None
