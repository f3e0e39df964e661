"""The PAWS-X languages and the language groups the results table averages over."""
from typing import Dict, Tuple

LANGUAGES: Tuple[str, ...] = ("en", "de", "es", "fr", "ja", "ko", "zh")

# English's family (Indo-European, Latin script) versus the rest: the split the paper's analysis
# uses, since zero-shot transfer from English degrades much more for ja/ko/zh.
ENF_LANGUAGES: Tuple[str, ...] = ("de", "es", "fr")
NON_ENF_LANGUAGES: Tuple[str, ...] = ("ja", "ko", "zh")

# Averaged columns, in table order: name -> the languages it averages.
AVERAGE_COLUMNS: Dict[str, Tuple[str, ...]] = {
    "avg": LANGUAGES,
    "enf": ENF_LANGUAGES,
    "non-enf": NON_ENF_LANGUAGES,
}

# Every column of a results table, in order.
COLUMNS: Tuple[str, ...] = LANGUAGES + tuple(AVERAGE_COLUMNS)
