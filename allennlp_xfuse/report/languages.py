"""The language groups the results table averages over, and its columns."""
from typing import Dict, Tuple

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES

# The table's language columns, in the order of the official release.
LANGUAGES: Tuple[str, ...] = PAWSX_LANGUAGES

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
