"""
The tab-separated layouts PAWS-X comes in, and reading one line of them.

- official release (`x-final/<lang>/*.tsv`) and Hugging Face exports: a header naming the
  columns (`id sentence1 sentence2 label`, any order, extra columns ignored);
- XTREME-processed (`dev-<lang>.tsv`, `test-<lang>.tsv`): no header, no id,
  `sentence1 sentence2 label`, or `sentence1 sentence2` for unlabeled test files;
- no header with an id first (`id sentence1 sentence2 label`), as PAWS's English files.

Quoting differs too: the official files are raw (a sentence may start with a quote that is
text), the XTREME files and pandas exports are CSV-quoted where needed (a field holding a
quote is wrapped in quotes, its own quotes doubled). Each line is therefore decoded as CSV only
when it is exactly what a CSV writer produces for its fields; otherwise it is split on tabs as
it stands.
"""
import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.pair_rows import BadRow, check_pair


class _MinimalQuotingTsv(csv.Dialect):
    # What Python's csv.writer(delimiter="\t") (XTREME) and pandas' to_csv(sep="\t") write.
    delimiter = "\t"
    quotechar = '"'
    doublequote = True
    quoting = csv.QUOTE_MINIMAL
    lineterminator = "\n"
    skipinitialspace = False
    strict = True


def _write_tsv(fields: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, dialect=_MinimalQuotingTsv).writerow(fields)
    return buffer.getvalue()[: -len(_MinimalQuotingTsv.lineterminator)]


def split_tsv_line(line: str) -> List[str]:
    """The fields of one line (without its line break), CSV-decoded when it is CSV-quoted."""
    fields = line.split("\t")
    if '"' not in line:
        return fields
    try:
        decoded = next(csv.reader([line], dialect=_MinimalQuotingTsv))
    except csv.Error:
        return fields
    # A raw sentence such as `"Hello" world` or `"Hello"` is not what a CSV writer would
    # have written, so the round trip tells the two apart.
    return decoded if _write_tsv(decoded) == line else fields


@dataclass(frozen=True)
class TsvLayout:
    """Where the fields of a pair are; `None` columns are absent from the file."""

    has_header: bool
    num_columns: int
    sentence1_column: int
    sentence2_column: int
    id_column: Optional[int] = None
    label_column: Optional[int] = None

    @property
    def labeled(self) -> bool:
        return self.label_column is not None

    def describe(self) -> str:
        names = ["?"] * self.num_columns
        for name, column in (("id", self.id_column), ("sentence1", self.sentence1_column),
                             ("sentence2", self.sentence2_column), ("label", self.label_column)):
            if column is not None:
                names[column] = name
        header = "header" if self.has_header else "no header"
        return f"{self.num_columns} tab-separated columns ({' '.join(names)}; {header})"


# Header-less layouts by number of columns: (id, sentence1, sentence2, label) columns.
_HEADERLESS = {
    2: (None, 0, 1, None),
    3: (None, 0, 1, 2),
    4: (0, 1, 2, 3),
}


def detect_tsv_layout(first_lines: Sequence[str], source: str) -> TsvLayout:
    """
    The layout of a file from its first non-blank lines: a header when the first line names
    `sentence1` and `sentence2`, otherwise the most common column count among `first_lines`
    (so that one bad first row does not decide it).
    """
    if not first_lines:
        raise ConfigurationError(f"{source}: the file has no rows.")
    header = [name.strip().lower() for name in split_tsv_line(first_lines[0])]
    if "sentence1" in header and "sentence2" in header:
        def column(name: str) -> Optional[int]:
            return header.index(name) if name in header else None

        return TsvLayout(True, len(header), header.index("sentence1"),
                         header.index("sentence2"), column("id"), column("label"))
    counts = Counter(len(split_tsv_line(line)) for line in first_lines)
    num_columns = max(counts, key=lambda count: (counts[count], -count))
    if num_columns not in _HEADERLESS:
        raise ConfigurationError(
            f"{source}: unrecognized layout ({num_columns} tab-separated columns). Expected a "
            f"header with sentence1 and sentence2 columns, or no header and 2 (sentence1 "
            f"sentence2), 3 (... label) or 4 (id ... label) columns."
        )
    id_column, sentence1_column, sentence2_column, label_column = _HEADERLESS[num_columns]
    return TsvLayout(False, num_columns, sentence1_column, sentence2_column, id_column,
                     label_column)


def parse_tsv_line(
    line: str, layout: TsvLayout, row_number: int
) -> Tuple[str, str, str, Optional[str]]:
    """
    `(id, sentence1, sentence2, label)` of a data line; raises `BadRow`. Files without an id
    column get the row's position (1 = first data row), which is the official id for the
    XTREME files since they keep the official order.
    """
    fields = split_tsv_line(line)
    if len(fields) != layout.num_columns:
        raise BadRow(
            f"{len(fields)} column(s) instead of {layout.num_columns}",
            f"The file's layout is {layout.describe()}; check for stray tabs or unbalanced "
            f"quotes",
        )
    sentence1 = fields[layout.sentence1_column].strip()
    sentence2 = fields[layout.sentence2_column].strip()
    label = fields[layout.label_column].strip() if layout.labeled else None
    check_pair(sentence1, sentence2, label, layout.labeled)
    pair_id = fields[layout.id_column].strip() if layout.id_column is not None else ""
    return pair_id or str(row_number), sentence1, sentence2, label
