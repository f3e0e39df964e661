"""
What a "word" is for the attacks, per language.

- en, de, es, fr, ko and the other XNLI languages written with spaces (el, bg, ru, tr, ar, vi,
  hi, sw, ur): runs of word characters separated by spaces or punctuation (inner hyphens and
  apostrophes kept), as TextAttack's `words_from_text` does. Korean separates eojeol with
  spaces, so it needs nothing more. Combining marks belong to their word: the word characters
  of Python's regular expressions leave out Devanagari and Thai vowel signs and Arabic harakat
  (Unicode category M), which would cut "ट्रेन" into "ट", "र", "न".
- th: Thai is written without spaces between words, and no Thai segmenter works offline here
  (PyThaiNLP is not a dependency): a "word" is a space-separated chunk, which in Thai is a
  phrase or a clause. Attacks and noise still work, at that granularity, and word ratios count
  chunks.
- zh: jieba, which is also what TextAttack's `words_from_text` uses for any text containing Han
  characters.
- ja: runs of one script (kanji, hiragana, katakana, Latin, digits). TextAttack would hand
  Japanese to jieba, which segments the kanji and leaves every kana as a one-character "word"
  (シーズン -> シ ー ズ ン; a sentence without kanji is a single word), so character-level attacks
  could only touch kanji compounds and word ratios would count characters. Script runs are the
  classic dictionary-free approximation of Japanese words: 1975 年 から NBA シーズン は 全米 ...

`allennlp_xfuse.attacks.textattack_shims.use_segmentation(language)` installs the ja
segmentation into TextAttack for the duration of an attack (TextAttack has no hook for it).

Pure Python: importing this module must not import TextAttack.
"""
import functools
import logging
import re
import unicodedata
import warnings
from typing import List, Optional, Sequence, Tuple

from allennlp_xfuse.attacks.resources import check_language

Span = Tuple[int, int]



def _combining_marks() -> str:
    # every combining mark of the Basic Multilingual Plane, as a regex character class body
    marks = [chr(code) for code in range(0x300, 0x10000)
             if unicodedata.category(chr(code)).startswith("M")]
    return "".join(re.escape(mark) for mark in marks)


_WORD_CHAR = f"[\\w{_combining_marks()}]"
# Word characters with inner apostrophes/hyphens ("l'homme", "NBA-Saison", "don't").
_SPACED_WORD = re.compile(f"{_WORD_CHAR}+(?:['’\\-]{_WORD_CHAR}+)*")


def script_of(char: str) -> Optional[str]:
    """
    The script of one character as far as segmentation and character noise care: "han",
    "hiragana", "katakana", "hangul", "latin", "digit", "other" (another letter), or None for
    spaces, punctuation and symbols.
    """
    code = ord(char)
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if char in "々〆":  # iteration and abbreviation marks belong to kanji words
        return "han"
    if 0x3041 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"  # includes the prolonged sound mark ー
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if char.isdigit():
        return "digit"
    if char.isalpha():
        return "latin" if "LATIN" in unicodedata.name(char, "") else "other"
    if char == "_":
        return "other"
    return None


def _script_run_spans(text: str) -> List[Span]:
    spans: List[Span] = []
    start, current = 0, None
    for position, char in enumerate(text):
        script = script_of(char)
        if script != current:
            if current is not None:
                spans.append((start, position))
            start, current = position, script
    if current is not None:
        spans.append((start, len(text)))
    return spans


@functools.cache
def _jieba():
    with warnings.catch_warnings():
        # jieba imports pkg_resources, which warns on recent setuptools
        warnings.simplefilter("ignore")
        import jieba
    # jieba logs its dictionary loading at DEBUG to stderr; that is noise in a progress bar
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _jieba_spans(text: str) -> List[Span]:
    spans = []
    for word, start, end in _jieba().tokenize(text):
        # jieba also yields spaces and punctuation as tokens; keep only those with a word char.
        if any(script_of(char) for char in word):
            # trim punctuation jieba may attach at the edges
            while script_of(text[start]) is None:
                start += 1
            while script_of(text[end - 1]) is None:
                end -= 1
            spans.append((start, end))
    return spans


def word_spans(text: str, language: str) -> List[Span]:
    """
    `(start, end)` character offsets of the words of `text` in `language`, in order.
    """
    check_language(language)
    if language == "ja":
        return _script_run_spans(text)
    if language == "zh":
        return _jieba_spans(text)
    return [match.span() for match in _SPACED_WORD.finditer(text)]


def words(text: str, language: str) -> List[str]:
    """The words of `text` in `language` (see `word_spans`)."""
    return [text[start:end] for start, end in word_spans(text, language)]


def japanese_words_from_text(text: str, words_to_ignore: Optional[List[str]] = None) -> List[str]:
    """
    Drop-in replacement for TextAttack's `words_from_text` for Japanese (same signature).
    """
    ignore = set(words_to_ignore or [])
    return [word for word in words(text, "ja") if word not in ignore]


# -- words of code-mixed text ----------------------------------------------------------------

# TextAttack's word filter (`textattack.shared.utils.words_from_text`, after its jieba step):
# word characters, homoglyphs and inner ' - _ * @, with those stripped at the edges.
_TEXTATTACK_HOMOGLYPHS = "˗৭Ȣ𝟕бƼᏎƷᒿlO`ɑЬϲԁе𝚏ɡհіϳ𝒌ⅼｍոорԛⲅѕ𝚝սѵԝ×уᴢ"
_TEXTATTACK_EDGES = "'-_*@"
_TEXTATTACK_WORD = re.compile(f"[\\w{_TEXTATTACK_HOMOGLYPHS}'\\-_\\*@]+")

# Scripts whose characters jieba yields one by one (it keeps only Han, ASCII letters and digits
# together): their neighbouring tokens are joined back into one word.
_MERGED_SCRIPTS = {"latin": "latin", "hangul": "hangul", "hiragana": "kana", "katakana": "kana",
                   "other": "other"}


# The same, with combining marks as word characters (see `marked_words_from_text`).
_MARKED_TEXTATTACK_WORD = re.compile(
    f"[\\w{_combining_marks()}{_TEXTATTACK_HOMOGLYPHS}'\\-_\\*@]+"
)

#: Languages whose words carry combining marks (vowel signs, harakat) that TextAttack's word
#: filter (Python's word characters) cuts words at: TextAttack needs `marked_words_from_text`
#: for them.
COMBINING_MARK_LANGUAGES = frozenset({"ar", "hi", "th", "ur"})


def _textattack_filter(
    text: str, words_to_ignore: Sequence[str] = (), pattern: "re.Pattern" = _TEXTATTACK_WORD
) -> List[str]:
    found = []
    for chunk in text.split():
        chunk = chunk.strip(_TEXTATTACK_EDGES)
        found.extend(word.strip(_TEXTATTACK_EDGES) for word in pattern.findall(chunk))
    return [word for word in found if word and word not in words_to_ignore]


def marked_words_from_text(text: str, words_to_ignore: Optional[List[str]] = None) -> List[str]:
    """
    Drop-in replacement for TextAttack's `words_from_text` (same signature) for text without
    Han characters whose words carry combining marks (`COMBINING_MARK_LANGUAGES`): TextAttack's
    filter, with combining marks kept inside words, so that a Hindi, Thai, Arabic or Urdu word
    stays one word ("ट्रेन", not "ट", "र", "न"), as `word_spans` has it.

    # Parameters

    text : `str`
    words_to_ignore : `List[str]`, optional (default = `None`)
        Words to leave out of the result.
    """
    return _textattack_filter(text, words_to_ignore or (), _MARKED_TEXTATTACK_WORD)


def _merge_class(token: str) -> Optional[str]:
    classes = {_MERGED_SCRIPTS.get(script_of(char) or "") for char in token}
    return classes.pop() if len(classes) == 1 else None


def code_mixed_words(text: str, language: str, words_to_ignore: Sequence[str] = ()) -> List[str]:
    """
    The words of a code-mixed `language` text, as TextAttack segments `language` text, except
    where words of another script would make it go wrong:

    - en, de, es, fr, ko: TextAttack hands any text with a Han character to jieba, which splits
      Hangul and non-ASCII letters into single characters, so one inserted Chinese or Japanese
      word would re-segment the whole Korean sentence. Here such text is split as text without
      Han is (spaces and punctuation), which is what TextAttack does before anything is mixed in.
    - ar, hi, th, ur (`COMBINING_MARK_LANGUAGES`): the same, with combining marks kept in their
      word (`marked_words_from_text`).
    - zh: jieba, with the characters it splits off one by one (kana, Hangul, accented Latin
      letters) joined back into the words they form ("Universität", "런던").
    - ja: script runs (`allennlp_xfuse.attacks.segmentation`), which already keep an inserted
      word of another script whole.
    """
    if language == "ja":
        return [word for word in words(text, "ja") if word not in words_to_ignore]
    if language in COMBINING_MARK_LANGUAGES:
        return _textattack_filter(text, words_to_ignore, _MARKED_TEXTATTACK_WORD)
    if language != "zh":
        return _textattack_filter(text, words_to_ignore)
    merged: List[str] = []
    for token in _jieba().cut(text, cut_all=False):
        kind = _merge_class(token)
        if merged and kind is not None and kind == _merge_class(merged[-1]):
            merged[-1] += token
        else:
            merged.append(token)
    return _textattack_filter(" ".join(merged), words_to_ignore)
