"""
The PAWS-X languages (the one list every part of allennlp-xfuse uses) and the groups results
are averaged over, checking a language code, and the language of a data file as its path
tells it.
"""
import re
from os import PathLike
from typing import Dict, Iterable, List, Optional, Tuple, Union

from allennlp.common.checks import ConfigurationError

#: PAWS-X languages, in the order of the official release.
PAWSX_LANGUAGES: Tuple[str, ...] = ("en", "de", "es", "fr", "ja", "ko", "zh")

# English's family (Indo-European, Latin script) versus the rest: the split the paper's analysis
# uses, since zero-shot transfer from English degrades much more for ja/ko/zh.
ENF_LANGUAGES: Tuple[str, ...] = ("de", "es", "fr")
NON_ENF_LANGUAGES: Tuple[str, ...] = ("ja", "ko", "zh")

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


def infer_language(path: Union[str, PathLike]) -> Optional[str]:
    """
    The PAWS-X language a data path names, or `None`.

    The file name is looked at first, as a code between separators (`dev-de.tsv`,
    `test_ja.tsv`, `de.deepwordbug.jsonl`), then the directories from the nearest
    (`x-final/fr/test_2k.tsv`, `sample/pawsx/ko/dev_2k.tsv`). For an archive member
    (`x-final.tar.gz!x-final/zh/dev_2k.tsv`) the member path is what counts.
    """
    text = str(path)
    if "!" in text:
        text = text.split("!", 1)[1]
    components = [part for part in re.split(r"[/\\]", text) if part]
    if not components:
        return None
    for token in re.split(r"[-_.]", components[-1]):
        if token.lower() in PAWSX_LANGUAGES:
            return token.lower()
    for directory in reversed(components[:-1]):
        if directory.lower() in PAWSX_LANGUAGES:
            return directory.lower()
    return None
