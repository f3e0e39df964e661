"""
Keyboard neighbours for typo noise: the layout people type the language on, not QWERTY for
everyone (German is QWERTZ, French AZERTY, Korean the 2-set Dubeolsik jamo layout). Japanese and
Chinese are typed through an input method, where a mistyped key changes the reading rather than a
character of the written word, so they have no layout here (character noise substitutes instead).

Pure Python: importing this module must not import TextAttack.
"""
import functools
from typing import Dict, List, Optional

_LAYOUTS = {
    "en": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "es": ("qwertyuiop", "asdfghjklñ", "zxcvbnm"),
    "de": ("qwertzuiopü", "asdfghjklöä", "yxcvbnm"),
    "fr": ("azertyuiop", "qsdfghjklm", "wxcvbn"),
    "ko": ("ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ"),
}

# Hangul syllable composition (Unicode 3.12): syllable = 0xAC00 + (L * 21 + V) * 28 + T.
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0 = no final


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
    """
    rows = _LAYOUTS.get(language)
    return _adjacency(rows) if rows else {}


def keyboard_neighbours(char: str, language: str) -> List[str]:
    """
    Characters a slip of the finger turns `char` into on the `language` keyboard, in the same
    case; for a Hangul syllable, the syllables obtained by hitting a key next to one of its jamo.
    """
    if "\uac00" <= char <= "\ud7a3" and language == "ko":
        return _hangul_neighbours(char)
    adjacency = keyboard_adjacency(language if language in _LAYOUTS else "en")
    near = adjacency.get(char.lower(), [])
    if char.isupper():
        # str.upper of ß is "SS"; keep only one-character results
        return [key.upper() for key in near if len(key.upper()) == 1]
    return list(near)


def _hangul_neighbours(syllable: str) -> List[str]:
    adjacency = keyboard_adjacency("ko")
    offset = ord(syllable) - 0xAC00
    initial, medial, final = offset // (21 * 28), (offset // 28) % 21, offset % 28
    results = []
    for jamo in adjacency.get(_INITIALS[initial], []):
        if jamo in _INITIALS:
            results.append(_compose(_INITIALS.index(jamo), medial, final))
    for jamo in adjacency.get(_MEDIALS[medial], []):
        if jamo in _MEDIALS:
            results.append(_compose(initial, _MEDIALS.index(jamo), final))
    if final:
        for jamo in adjacency.get(_FINALS[final], []):
            if jamo in _FINALS[1:]:
                results.append(_compose(initial, medial, _FINALS.index(jamo)))
    return results


def _compose(initial: int, medial: int, final: int) -> str:
    return chr(0xAC00 + (initial * 21 + medial) * 28 + final)


def hangul_jamo(syllable: str) -> Optional[tuple]:
    """(initial, medial, final) indices of a Hangul syllable, or None for other characters."""
    if not "\uac00" <= syllable <= "\ud7a3":
        return None
    offset = ord(syllable) - 0xAC00
    return offset // (21 * 28), (offset // 28) % 21, offset % 28
