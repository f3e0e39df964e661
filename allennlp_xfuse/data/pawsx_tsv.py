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
it stands. A CSV-quoted field may hold a line break, so one record can span several lines:
`join_quoted_records` puts them back together.
"""
import csv
import io
from collections import Counter, deque
from dataclasses import dataclass
from typing import Deque, Iterable, Iterator, List, Optional, Sequence, Tuple

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


def _decode_exactly(text: str) -> Optional[List[str]]:
    # The CSV fields of `text` when it is exactly what a CSV writer produces for them.
    try:
        fields = next(csv.reader([text], dialect=_MinimalQuotingTsv))
    except csv.Error:
        return None
    return fields if _write_tsv(fields) == text else None


def _ends_inside_quotes(line: str) -> bool:
    # Whether `line` stops in the middle of a CSV-quoted field, as the first line of a record
    # whose field holds a line break does.
    if '"' not in line:
        return False
    try:
        next(csv.reader([line], dialect=_MinimalQuotingTsv))
    except csv.Error as error:
        return "end of data" in str(error)
    return False


# The most lines one CSV-quoted record is looked for on: a sentence holds a few line breaks
# at most, and a raw quote that opens no field must not make the reader scan the whole file.
MAX_RECORD_LINES = 8


def join_quoted_records(
    lines: Iterable[Tuple[int, str]], num_columns: int
) -> Iterator[Tuple[int, str]]:
    """
    `(line_number, text)` of every record in `lines`: a line that stops inside a CSV-quoted
    field is joined with the following ones (by a line break, as the field held) when together
    they are exactly the CSV a writer produces for `num_columns` fields, within
    `MAX_RECORD_LINES` lines, and one of them is not a row on its own. Otherwise every line is
    a record, so a raw sentence that merely starts with a quote (the official files) is read
    as it stands. A record keeps its first line's number.

    # Parameters

    lines : `Iterable[Tuple[int, str]]`
        The file's data lines with their numbers, without their line breaks.
    num_columns : `int`
        The number of fields of a record (the file's `TsvLayout.num_columns`).
    """
    source = iter(lines)
    pending: Deque[Tuple[int, str]] = deque()

    def next_line() -> Optional[Tuple[int, str]]:
        return pending.popleft() if pending else next(source, None)

    def is_row(text: str) -> bool:
        return len(split_tsv_line(text)) == num_columns

    while True:
        current = next_line()
        if current is None:
            return
        number, line = current
        if not _ends_inside_quotes(line):
            yield current
            continue
        following: List[Tuple[int, str]] = []
        joined = None
        while joined is None and len(following) < MAX_RECORD_LINES - 1:
            later = next_line()
            if later is None:
                break
            following.append(later)
            candidate = "\n".join([line] + [text for _, text in following])
            fields = _decode_exactly(candidate)
            # Two rows each complete on its own are two rows, even when their quotes pair up.
            if (fields is not None and len(fields) == num_columns
                    and not all(is_row(text) for text in [line] + [t for _, t in following])):
                joined = candidate
        if joined is not None:
            yield number, joined
        else:
            pending.extendleft(reversed(following))
            yield current


def _records_of(lines: Sequence[str]) -> List[str]:
    # The records of `lines` for counting columns before the layout is known: a line that stops
    # inside a quoted field joined with the next ones up to the first exact CSV text.
    records: List[str] = []
    start = 0
    while start < len(lines):
        end = start + 1
        if _ends_inside_quotes(lines[start]):
            for stop in range(start + 2, min(start + MAX_RECORD_LINES, len(lines)) + 1):
                if _decode_exactly("\n".join(lines[start:stop])) is not None:
                    end = stop
                    break
        records.append("\n".join(lines[start:end]))
        start = end
    return records


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
    counts = Counter(len(split_tsv_line(record)) for record in _records_of(first_lines))
    num_columns = max(counts, key=lambda count: (counts[count], -count))
    if num_columns not in _HEADERLESS:
        # One column: no tab at all, so most likely another format than PAWS-X's TSV.
        hint = (" (no tab: is it comma-separated, a JSON document, or another format?)"
                if num_columns == 1 else "")
        raise ConfigurationError(
            f"{source}: unrecognized layout ({num_columns} tab-separated columns{hint}). "
            f"Expected a header with sentence1 and sentence2 columns, or no header and 2 "
            f"(sentence1 sentence2), 3 (... label) or 4 (id ... label) columns."
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
