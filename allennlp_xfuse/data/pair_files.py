"""Reading sentence pairs from data files of any supported kind, one `PairRow` at a time."""
from itertools import chain, islice
from typing import Iterable, Iterator, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.adversarial_split import is_json_lines, parse_json_line
from allennlp_xfuse.data.data_paths import DataPaths, expand_data_paths, local_data_file
from allennlp_xfuse.data.languages import infer_language
from allennlp_xfuse.data.pair_rows import BadRow, BadRowLog, PairRow
from allennlp_xfuse.data.pawsx_tsv import detect_tsv_layout, join_quoted_records, parse_tsv_line

# Lines looked at to recognize a file's layout.
_LAYOUT_LINES = 50


def read_pair_files(
    file_path: DataPaths,
    strict: bool = False,
    verbose: bool = True,
    language: Optional[str] = None,
    require_labels: bool = False,
) -> Iterator[PairRow]:
    """
    The valid pairs of every file in `file_path` (see `expand_data_paths`: comma lists, globs,
    URLs, `archive!member`), in order. Each file is PAWS-X TSV in any layout of `pawsx_tsv`
    or an adversarial split (JSON lines, `adversarial_split`), recognized by its content.

    A file that yields no valid pair (empty, only a header, every row bad) is a
    `ConfigurationError` naming it and saying why, raised once the file has been read: a
    command given such a file would otherwise train on nothing or report an accuracy of 0.

    # Parameters

    file_path : `DataPaths`
        One path, a comma-separated list or a glob pattern, or a list of them.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad row instead of
        skipping bad rows.
    verbose : `bool`, optional (default = `True`)
        Log skipped rows. Off in all but one data-loading worker, so each is reported once.
    language : `str`, optional (default = `None`)
        The language of every row. By default a JSON line's `language`, else the language
        the path names (`infer_language`), else `None`.
    require_labels : `bool`, optional (default = `False`)
        Every pair must have a label: a TSV without a label column is a `ConfigurationError`
        naming the file, and a JSON line without a label is a bad row.
    """
    for path in expand_data_paths(file_path):
        yield from read_pair_file(path, strict, verbose, language, require_labels)


def read_pair_file(
    path: str,
    strict: bool = False,
    verbose: bool = True,
    language: Optional[str] = None,
    require_labels: bool = False,
) -> Iterator[PairRow]:
    """The valid pairs of one file; see `read_pair_files` for the parameters."""
    local = local_data_file(path)
    path_language = infer_language(path)
    try:
        # utf-8-sig drops a byte order mark; universal newlines take CRLF files as they come.
        with open(local, encoding="utf-8-sig") as data_file:
            lines = ((number, line.rstrip("\r\n")) for number, line in enumerate(data_file, 1))
            lines = ((number, line) for number, line in lines if line.strip())
            head = list(islice(lines, _LAYOUT_LINES))
            if not head:
                raise ConfigurationError(
                    f"{path}: no sentence pair: the file is empty. Point the data path at a "
                    f"file with PAWS-X pairs."
                )
            json_lines = is_json_lines(path, [line for _, line in head])
            parse = _json_rows if json_lines else _tsv_rows
            problems = BadRowLog(path, strict, verbose)
            found = 0
            for row in parse(path, head, chain(head, lines), problems, require_labels):
                row.language = language or row.language or path_language
                found += 1
                yield row
            problems.finish()
            if not found:
                raise problems.no_pairs_error(
                    header_line=None if json_lines or problems.rows_seen else head[0][0]
                )
    except UnicodeDecodeError as error:
        with open(local, "rb") as data_file:
            magic = data_file.read(4)
        kind = next((name for prefix, name in _ARCHIVE_MAGIC if magic.startswith(prefix)), None)
        if kind is not None:
            raise ConfigurationError(
                f"{path}: a {kind} file, not a text file of sentence pairs. Extract it, or name "
                f"the file inside it as `{path}!<path inside the archive>`."
            ) from None
        raise ConfigurationError(
            f"{path}:{first_undecodable_line(local)}: not UTF-8 text ({error.reason}: "
            f"{error.object[error.start:error.end]!r}). Re-encode the file as UTF-8 (e.g. "
            f"iconv -f latin1 -t utf-8)."
        ) from None


# How compressed files begin, to tell them from text in another encoding.
_ARCHIVE_MAGIC = ((b"\x1f\x8b", "gzip-compressed"), (b"PK\x03\x04", "zip"),
                  (b"BZh", "bzip2-compressed"), (b"\xfd7zX", "xz-compressed"))


def first_undecodable_line(local: str) -> int:
    """
    The 1-based number of the first line of `local` that is not UTF-8 (for error messages:
    the decoder reports a position within a buffer, not a line).

    # Parameters

    local : `str`
        A local file.
    """
    with open(local, "rb") as data_file:
        for number, line in enumerate(data_file, 1):
            try:
                line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _tsv_rows(
    path: str,
    head: list,
    lines: Iterable[Tuple[int, str]],
    problems: BadRowLog,
    require_labels: bool,
) -> Iterator[PairRow]:
    layout = detect_tsv_layout([line for _, line in head], path)
    if require_labels and not layout.labeled:
        raise ConfigurationError(
            f"{path}: the file has no labels (its layout is {layout.describe()}), and training "
            f"and evaluation need a label 0 or 1 on every pair. Use a labeled file (e.g. a dev "
            f"set), or predict on this one with `allennlp predict --predictor pawsx`."
        )
    if layout.has_header:
        lines = islice(lines, 1, None)
    records = join_quoted_records(lines, layout.num_columns)
    for row_number, (line_number, line) in enumerate(records, 1):
        problems.rows_seen = row_number
        try:
            pair_id, sentence1, sentence2, label = parse_tsv_line(line, layout, row_number)
        except BadRow as problem:
            problems.report(line_number, problem)
            continue
        yield PairRow(pair_id, sentence1, sentence2, label, None, path, line_number)


def _json_rows(
    path: str,
    head: list,
    lines: Iterable[Tuple[int, str]],
    problems: BadRowLog,
    require_labels: bool,
) -> Iterator[PairRow]:
    # Each record's label is its own (see `parse_json_line`): no record decides for the rest.
    for row_number, (line_number, line) in enumerate(lines, 1):
        problems.rows_seen = row_number
        try:
            pair_id, sentence1, sentence2, label, language, extra = parse_json_line(
                line, row_number, require_labels
            )
        except BadRow as problem:
            problems.report(line_number, problem)
            continue
        yield PairRow(pair_id, sentence1, sentence2, label, language, path, line_number, extra)
