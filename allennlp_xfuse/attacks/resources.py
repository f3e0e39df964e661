"""
What each language needs for the attacks: stopwords, alphabets for inserted or substituted
characters, whether words are separated by spaces, Hangul syllable arithmetic, and keyboard
neighbours for typos. The attacks support the languages of the sentence-pair tasks, PAWS-X and
XNLI (`ATTACK_LANGUAGES`, from `allennlp_xfuse.data.languages`).

Where a resource does not exist for a language, the attacks run without it rather than refuse
the language, and say so once in the log:

- stopwords: the `stop-words` package has none for th, sw, ur (NLTK neither), and its Greek
  list is Ancient Greek: their list is empty, so the attacks may change function words there
  (`stopwords` logs a warning);
- keyboards: vi and sw are typed on US QWERTY (their tone marks and letters through dead keys
  or Telex), tr on Turkish Q, ru on ЙЦУКЕН, el and ar on their standard layouts; bg, hi, th, ur
  have no layout here (bg's BDS and phonetic layouts compete, the hi/th/ur layouts type vowel
  signs as keys of their own): keyboard typos give no candidate for their letters, the other
  character edits still apply;
- alphabets: every language has one (`letters_to_insert`), so inserted and substituted
  characters are always of the language's own script.

Keyboards are the layouts people type the language on, not QWERTY for everyone (German is
QWERTZ, French AZERTY, Korean the 2-set Dubeolsik jamo layout). Japanese and Chinese are typed
through an input method, where a mistyped key changes the reading rather than a character of the
written word, so they have no layout here (character noise substitutes instead).

Pure Python: importing this module must not import TextAttack.
"""
import functools
import importlib.util
import logging
import os
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES, XNLI_LANGUAGES

logger = logging.getLogger(__name__)

#: The languages the attacks support: those of the sentence-pair tasks (PAWS-X, then the XNLI
#: languages PAWS-X lacks).
ATTACK_LANGUAGES: Tuple[str, ...] = PAWSX_LANGUAGES + tuple(
    language for language in XNLI_LANGUAGES if language not in PAWSX_LANGUAGES
)

#: Languages written without spaces between words whose "words" come from a segmenter (see
#: `allennlp_xfuse.attacks.segmentation`). Thai is written without spaces too, but no Thai
#: segmenter works offline here: its "words" are the space-separated chunks (phrases).
UNSPACED_LANGUAGES: FrozenSet[str] = frozenset({"ja", "zh"})

_BASIC_LATIN = "abcdefghijklmnopqrstuvwxyz"

# The lower-case letters of each language's alphabet (precomposed, as text is written in NFC).
# Letters written as combining marks (Devanagari and Thai vowel signs, Arabic harakat) are left
# out: a mark inserted on its own is no letter, and edits keep the marks of a word.
_ALPHABETS = {
    "en": _BASIC_LATIN,
    "de": _BASIC_LATIN + "äöüß",
    "es": _BASIC_LATIN + "áéíóúñü",
    "fr": _BASIC_LATIN + "àâæçéèêëîïôœùûüÿ",
    "tr": "abcçdefgğhıijklmnoöprsştuüvyz",
    "sw": _BASIC_LATIN,
    "vi": (
        "abcdefghijklmnopqrstuvwxyzăâđêôơư"
        "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    ),
    "el": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋ",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى",
    "ur": "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے",
    "hi": "अआइईउऊएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",
    "th": "กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำเแโใไ",
}

#: Languages whose alphabet is not Latin, other than ja/ko/zh (which have their own tables).
_NON_LATIN_ALPHABETS = frozenset({"el", "ru", "bg", "ar", "ur", "hi", "th"})

# The basic hiragana syllabary with voiced forms; small kana are left out because a random small
# kana is rarely a plausible typo. Katakana is the same table shifted by 0x60.
HIRAGANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ"
)
KATAKANA = "".join(chr(ord(char) + 0x60) for char in HIRAGANA)

# Hangul syllable composition (Unicode 3.12): syllable = 0xAC00 + (L * 21 + V) * 28 + T, with
# 19 initials L, 21 medials V and 28 finals T (T = 0: no final).
_HANGUL_BASE = 0xAC00
HANGUL_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
HANGUL_MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
HANGUL_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0 = no final


def compose_hangul(initial: int, medial: int, final: int) -> str:
    """The Hangul syllable of jamo indices `(initial, medial, final)`."""
    return chr(_HANGUL_BASE + (initial * len(HANGUL_MEDIALS) + medial) * len(HANGUL_FINALS) + final)


def decompose_hangul(syllable: str) -> Optional[Tuple[int, int, int]]:
    """(initial, medial, final) indices of a Hangul syllable, or None for other characters."""
    if not "\uac00" <= syllable <= "\ud7a3":
        return None
    initial_medial, final = divmod(ord(syllable) - _HANGUL_BASE, len(HANGUL_FINALS))
    initial, medial = divmod(initial_medial, len(HANGUL_MEDIALS))
    return initial, medial, final


# All 19 initials and 21 medials, with no final or one of the seven finals common in running
# text (ㄱ ㄴ ㄹ ㅁ ㅂ ㅅ ㅇ), rather than all 11,172 syllables, most of which never occur.
_COMMON_HANGUL_FINALS = (0, 1, 4, 8, 16, 17, 19, 21)
HANGUL = "".join(
    compose_hangul(initial, medial, final)
    for initial in range(len(HANGUL_INITIALS))
    for medial in range(len(HANGUL_MEDIALS))
    for final in _COMMON_HANGUL_FINALS
)


def check_language(
    language: Optional[str],
    languages: Sequence[str] = ATTACK_LANGUAGES,
    supported: str = "the attacks support",
) -> str:
    """
    Returns `language` if it is one of `languages`, otherwise raises a `ConfigurationError`
    that lists them: "Unknown language 'xx': the attacks support en, de, ...".

    # Parameters

    language : `Optional[str]`
        A language code.
    languages : `Sequence[str]`, optional (default = `ATTACK_LANGUAGES`)
        The languages accepted (a task's, for a task's files).
    supported : `str`, optional (default = `"the attacks support"`)
        What the list is, for the message ("XNLI has").
    """
    if language not in languages:
        raise ConfigurationError(
            f"Unknown language {language!r}: {supported} {', '.join(languages)}."
        )
    return language


@functools.cache
def stopwords(language: str) -> FrozenSet[str]:
    """
    The stopwords of `language` from the `stop-words` package (NLTK's list is English only and
    needs a download). Capitalised forms are included because TextAttack compares words
    case-sensitively, and a sentence-initial "The" is as much a stopword as "the".

    A supported language the package has no usable list for gets an empty list and a warning,
    once: the attacks still run, but may change its function words. Refusing the language
    instead would leave four XNLI languages without any attack. That is th, sw, ur (no list)
    and el (the package's list is Ancient Greek). The Turkish list is repaired: the package
    ships it mis-decoded (Windows-1254 read as Windows-1252).

    # Parameters

    language : `str`
        A supported language (`check_language`).
    """
    from stop_words import LANGUAGE_MAPPING, get_stop_words

    check_language(language)
    if language not in LANGUAGE_MAPPING or language in _UNUSABLE_STOPWORDS:
        why = _UNUSABLE_STOPWORDS.get(language, "the stop-words package has none")
        logger.warning(
            "No stopword list for %s (%s): attacks on %s text may change its function words.",
            language, why, language,
        )
        return frozenset()
    words = get_stop_words(language)
    if language == "tr":
        # the package's Turkish list is Windows-1254 text decoded as Windows-1252 ("altmýþ"
        # for "altmış"): undone, or no word with ı, ş or ğ would ever match
        words = [word.encode("cp1252").decode("cp1254") for word in words]
    return frozenset(words) | frozenset(word[:1].upper() + word[1:] for word in words)


# Lists the stop-words package has but that match no word of the language's text today.
_UNUSABLE_STOPWORDS = {
    "el": "the stop-words package's Greek list is Ancient Greek (polytonic, final sigma written "
    "σ), which matches almost no word of modern Greek text",
}


@functools.cache
def common_han_characters(count: int = 3000) -> str:
    """
    The `count` most frequent single-character words of jieba's dictionary (ordered by
    frequency): the Han characters that inserted or substituted characters are drawn from.

    A uniformly random code point of the CJK block is nearly always a rare character (an unknown
    token for most encoders), which is not what a typo looks like. jieba's dictionary is Chinese;
    the most frequent characters are largely shared with Japanese kanji, so ja uses the same list.
    """
    # the dictionary ships inside the jieba package; reading it needs no jieba import
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ConfigurationError("Han characters for noise come from jieba: pip install jieba")
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    frequencies = []
    with open(path, encoding="utf-8") as dictionary:
        for line in dictionary:
            fields = line.split()
            if len(fields) >= 2 and len(fields[0]) == 1 and "\u4e00" <= fields[0] <= "\u9fff":
                frequencies.append((-int(fields[1]), fields[0]))
    return "".join(char for _, char in sorted(frequencies)[:count])


def latin_letters(language: str) -> str:
    """
    Lower-case letters of the language's alphabet (accented letters included), what a letter
    that is neither Han, kana nor Hangul is replaced with or gets inserted next to: the Latin
    alphabet of en/de/es/fr/tr/vi/sw, and the own alphabet of the languages written in another
    script (el, ru, bg, ar, ur, hi, th), whose words are made of those letters. Latin words
    inside ja/ko/zh text ("NBA") get plain a-z.

    # Parameters

    language : `str`
        A language code (others get plain a-z).
    """
    return _ALPHABETS.get(language, _BASIC_LATIN)


def alphabet(language: str) -> str:
    """
    The lower-case letters of `language`'s own alphabet (not for ja, ko, zh: see
    `letters_to_insert`), or plain a-z for a language without a table.

    # Parameters

    language : `str`
        A language code.
    """
    return _ALPHABETS.get(language, _BASIC_LATIN)


def letters_to_insert(language: str) -> str:
    """
    The characters TextAttack's character insertion and substitution draw from in `language`
    (TextAttack's default is ASCII letters, which would put Latin letters into CJK words).
    """
    check_language(language)
    if language == "ja":
        return HIRAGANA + KATAKANA + common_han_characters()
    if language == "zh":
        return common_han_characters()
    if language == "ko":
        return HANGUL
    letters = alphabet(language)
    # str.upper of ß is "SS", of a letter without case the letter itself: keep new letters only
    upper = "".join(
        char.upper() for char in letters if len(char.upper()) == 1 and char.upper() != char
    )
    return letters + upper


# -- keyboards ----------------------------------------------------------------------------------

_LAYOUTS = {
    "en": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "es": ("qwertyuiop", "asdfghjklñ", "zxcvbnm"),
    "de": ("qwertzuiopü", "asdfghjklöä", "yxcvbnm"),
    "fr": ("azertyuiop", "qsdfghjklm", "wxcvbn"),
    "ko": ("ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ"),
    # Turkish Q (the common one; F is the other), Russian ЙЦУКЕН, Greek, Arabic (101): letter keys
    "tr": ("qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç"),
    "ru": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
    "el": ("ςερτυθιοπ", "ασδφγηξκλ", "ζχψωβνμ"),
    "ar": ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرىةوزظ"),
}


def _adjacency(rows) -> Dict[str, List[str]]:
    # Rows are staggered: a key touches its row neighbours, the two keys above it (same column
    # and the next) and the two below (previous column and the same).
    neighbours: Dict[str, List[str]] = {}
    for row_index, row in enumerate(rows):
        for column, key in enumerate(row):
            near = []
            for other_row, columns in (
                (row_index, (column - 1, column + 1)),
                (row_index - 1, (column, column + 1)),
                (row_index + 1, (column - 1, column)),
            ):
                if 0 <= other_row < len(rows):
                    near.extend(
                        rows[other_row][c] for c in columns if 0 <= c < len(rows[other_row])
                    )
            neighbours[key] = near
    return neighbours


@functools.cache
def keyboard_adjacency(language: str) -> Dict[str, List[str]]:
    """
    Lower-case key -> neighbouring keys on the language's layout (Korean: jamo keys). Empty
    for languages typed through an input method (ja, zh).

    # Parameters

    language : `str`
        A language with a layout (others: empty).
    """
    rows = _LAYOUTS.get(language)
    return _adjacency(rows) if rows else {}


def keyboard_neighbours(char: str, language: str) -> List[str]:
    """
    Characters a slip of the finger turns `char` into on the `language` keyboard, in the same
    case; for a Hangul syllable, the syllables obtained by hitting a key next to one of its jamo.
    """
    if language == "ko" and decompose_hangul(char) is not None:
        return _hangul_neighbours(char)
    adjacency = keyboard_adjacency(language if language in _LAYOUTS else "en")
    near = adjacency.get(char.lower(), [])
    if char.isupper():
        # str.upper of ß is "SS"; keep only one-character results
        return [key.upper() for key in near if len(key.upper()) == 1]
    return list(near)


def _hangul_neighbours(syllable: str) -> List[str]:
    adjacency = keyboard_adjacency("ko")
    initial, medial, final = decompose_hangul(syllable)  # type: ignore[misc]
    results = []
    for jamo in adjacency.get(HANGUL_INITIALS[initial], []):
        if jamo in HANGUL_INITIALS:
            results.append(compose_hangul(HANGUL_INITIALS.index(jamo), medial, final))
    for jamo in adjacency.get(HANGUL_MEDIALS[medial], []):
        if jamo in HANGUL_MEDIALS:
            results.append(compose_hangul(initial, HANGUL_MEDIALS.index(jamo), final))
    if final:
        for jamo in adjacency.get(HANGUL_FINALS[final], []):
            if jamo in HANGUL_FINALS[1:]:
                results.append(compose_hangul(initial, medial, HANGUL_FINALS.index(jamo)))
    return results
