"""
Bilingual dictionaries for the code-mixing recipes (`code_mix`, `code_mix_random`): a directory of
MUSE ground-truth dictionaries (`<src>-<tgt>.txt`, one `word translation` pair per line, see
https://github.com/facebookresearch/MUSE#ground-truth-bilingual-dictionaries), looked up the MUSE
way (lower-cased source words), with pivoting through English where a language pair has no file.

The package ships small dictionaries written for this project (`DEFAULT_DICTIONARY_DIR`,
English <-> de/es/fr/ja/ko/zh) that cover the frequent words of the bundled sample, so that tests
and the demo run offline; real runs should point `dictionary_dir` at the MUSE files.

Pure Python: importing this module must not import TextAttack.
"""
import os
from typing import Dict, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.segmentation import script_of

#: The dictionaries shipped with the package (see the README.md next to them).
DEFAULT_DICTIONARY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dictionaries")

#: The language that language pairs without a dictionary are translated through.
PIVOT_LANGUAGE = "en"

# Korean writes particles and copulas onto the word they follow, as one space-separated eojeol
# (서울에서 "in Seoul", 열차는 "the train"). Dictionaries list the bare word, so a Korean word that
# is not found as a whole is looked up without one of these endings, which is put back after the
# translation ("Seoul에서"), as Korean code-mixed text is written. Longest first.
KOREAN_ENDINGS: Tuple[str, ...] = tuple(
    sorted(
        [
            "에게서", "에게로", "이었다", "에서는", "으로는", "에서", "에게", "까지", "보다",
            "으로", "였다", "이다", "부터", "처럼", "은", "는", "이", "가", "을", "를", "의",
            "에", "로", "도", "와", "과", "만", "발", "행",
        ],
        key=len,
        reverse=True,
    )
)

Table = Dict[str, List[str]]


def match_case(original: str, translation: str) -> str:
    """
    `translation` with the capitalization of `original` when both are written in Latin letters
    (MUSE dictionaries are lower-cased): "Train" -> "Zug", "NBA" -> upper case. Other scripts
    have no case and are returned as written.
    """
    if not _is_latin(original) or not _is_latin(translation):
        return translation
    if len(original) > 1 and original.isupper():
        return translation.upper()
    if original[:1].isupper():
        return translation[:1].upper() + translation[1:]
    return translation


def _is_latin(word: str) -> bool:
    letters = [char for char in word if char.isalpha()]
    return bool(letters) and all(script_of(char) == "latin" for char in letters)


class DictionarySet:
    """
    The bilingual dictionaries of one directory, loaded when a language pair is first needed and
    kept in memory.

    A pair `(source, target)` is read from `<source>-<target>.txt`. Where that file is missing and
    neither language is the pivot, the pair is composed through English from
    `<source>-en.txt` and `en-<target>.txt`: the translations of a word are the English-to-target
    translations of each of its English translations, in order. Where neither exists,
    `check_pair` and `translations` raise a `ConfigurationError` naming the pair and the directory.

    Files are MUSE's format: UTF-8, one `word translation` pair per line (separated by a space or a
    tab), a word with several translations on several lines, most common first. Source words are
    matched lower-cased, as MUSE lists them; translations are kept as written, and
    `replacements` gives them the capitalization of the word they replace (Latin scripts only).

    # Parameters

    directory : `str`, optional (default = `DEFAULT_DICTIONARY_DIR`)
        The directory of `<src>-<tgt>.txt` files.
    pivot : `str`, optional (default = `"en"`)
        The language pairs without a file are translated through.
    """

    def __init__(self, directory: Optional[str] = None, pivot: str = PIVOT_LANGUAGE) -> None:
        self.directory = directory if directory is not None else DEFAULT_DICTIONARY_DIR
        if not os.path.isdir(self.directory):
            raise ConfigurationError(
                f"The dictionary directory {self.directory} does not exist. Point dictionary_dir "
                "at a directory of MUSE dictionaries (<src>-<tgt>.txt), e.g. those of "
                "https://github.com/facebookresearch/MUSE#ground-truth-bilingual-dictionaries."
            )
        self.pivot = pivot
        self._files: Dict[Tuple[str, str], Table] = {}
        self._pairs: Dict[Tuple[str, str], Table] = {}

    def path(self, source: str, target: str) -> str:
        """The file a direct `source`-`target` dictionary is read from."""
        return os.path.join(self.directory, f"{source}-{target}.txt")

    def has_file(self, source: str, target: str) -> bool:
        return os.path.isfile(self.path(source, target))

    def is_pivoted(self, source: str, target: str) -> bool:
        """True when `source`-`target` has no file of its own and goes through the pivot."""
        return (
            not self.has_file(source, target)
            and self.pivot not in (source, target)
            and self.has_file(source, self.pivot)
            and self.has_file(self.pivot, target)
        )

    def check_pair(self, source: str, target: str) -> None:
        """
        Raises a `ConfigurationError` naming the pair, the directory and the files looked for
        when `source` cannot be translated into `target`.
        """
        if source == target:
            raise ConfigurationError(f"Cannot code-mix {source} with itself: {source}-{target}.")
        if self.has_file(source, target) or self.is_pivoted(source, target):
            return
        looked_for = [os.path.basename(self.path(source, target))]
        if self.pivot not in (source, target):
            looked_for.append(
                f"{os.path.basename(self.path(source, self.pivot))} + "
                f"{os.path.basename(self.path(self.pivot, target))} (through {self.pivot})"
            )
        raise ConfigurationError(
            f"No bilingual dictionary for the language pair {source}-{target} in "
            f"{self.directory}: looked for {' or '.join(looked_for)}. Add the MUSE dictionary "
            f"{source}-{target}.txt (https://github.com/facebookresearch/MUSE"
            "#ground-truth-bilingual-dictionaries) or leave the language out of "
            "embedded_languages."
        )

    def table(self, source: str, target: str) -> Table:
        """Lower-cased source word -> its translations, for the pair (direct or pivoted)."""
        key = (source, target)
        if key not in self._pairs:
            self.check_pair(source, target)
            if self.has_file(source, target):
                self._pairs[key] = self._file(source, target)
            else:
                into_pivot = self._file(source, self.pivot)
                from_pivot = self._file(self.pivot, target)
                composed: Table = {}
                for word, pivot_words in into_pivot.items():
                    translations = _unique(
                        translation
                        for pivot_word in pivot_words
                        for translation in from_pivot.get(pivot_word.lower(), [])
                    )
                    if translations:
                        composed[word] = translations
                self._pairs[key] = composed
        return self._pairs[key]

    def translations(self, word: str, source: str, target: str) -> List[str]:
        """The dictionary's translations of `word` (looked up lower-cased), as written there."""
        return list(self.table(source, target).get(word.lower(), []))

    def replacements(self, word: str, source: str, target: str) -> List[str]:
        """
        What `word` of a `source` text can be replaced with in `target`: its translations with
        the word's capitalization (`match_case`). A Korean word that is not in the dictionary
        as a whole is translated without a trailing particle (`KOREAN_ENDINGS`), which is kept:
        서울에서 -> Seoul에서.
        """
        found = self.translations(word, source, target)
        if found:
            return _unique(match_case(word, translation) for translation in found)
        if source == "ko":
            for ending in KOREAN_ENDINGS:
                stem = word[: -len(ending)]
                if word.endswith(ending) and stem:
                    found = self.translations(stem, source, target)
                    if found:
                        return _unique(translation + ending for translation in found)
        return []

    def _file(self, source: str, target: str) -> Table:
        key = (source, target)
        if key not in self._files:
            table: Table = {}
            path = self.path(source, target)
            with open(path, encoding="utf-8") as lines:
                for line_number, line in enumerate(lines, 1):
                    fields = line.split(None, 1)
                    if not fields:
                        continue
                    if len(fields) != 2:
                        raise ConfigurationError(
                            f"{path}:{line_number}: expected 'word translation' (MUSE format), "
                            f"got {line.strip()!r}"
                        )
                    word, translation = fields[0].lower(), fields[1].strip()
                    translations = table.setdefault(word, [])
                    if translation not in translations:
                        translations.append(translation)
            self._files[key] = table
        return self._files[key]


def _unique(words) -> List[str]:
    seen: List[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen
