"""Reading sentence pairs from data files of any supported kind, one `PairRow` at a time."""
import logging
from itertools import chain, islice
from typing import Iterable, Iterator, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.adversarial_split import has_label, is_json_lines, parse_json_line
from allennlp_xfuse.data.data_paths import DataPaths, expand_data_paths, local_data_file
from allennlp_xfuse.data.languages import infer_language
from allennlp_xfuse.data.pair_rows import BadRow, BadRowLog, PairRow
from allennlp_xfuse.data.pawsx_tsv import detect_tsv_layout, parse_tsv_line

logger = logging.getLogger(__name__)

# Lines looked at to recognize a file's layout.
_LAYOUT_LINES = 50


def read_pair_files(
    file_path: DataPaths,
    strict: bool = False,
    verbose: bool = True,
    language: Optional[str] = None,
) -> Iterator[PairRow]:
    """
    The valid pairs of every file in `file_path` (see `expand_data_paths`: comma lists, globs,
    URLs, `archive!member`), in order. Each file is PAWS-X TSV in any layout of `pawsx_tsv`
    or an adversarial split (JSON lines, `adversarial_split`), recognized by its content.

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
    """
    for path in expand_data_paths(file_path):
        yield from read_pair_file(path, strict, verbose, language)


def read_pair_file(
    path: str, strict: bool = False, verbose: bool = True, language: Optional[str] = None
) -> Iterator[PairRow]:
    """The valid pairs of one file; see `read_pair_files`."""
    local = local_data_file(path)
    path_language = infer_language(path)
    try:
        # utf-8-sig drops a byte order mark; universal newlines take CRLF files as they come.
        with open(local, encoding="utf-8-sig") as data_file:
            lines = ((number, line.rstrip("\r\n")) for number, line in enumerate(data_file, 1))
            lines = ((number, line) for number, line in lines if line.strip())
            head = list(islice(lines, _LAYOUT_LINES))
            if not head:
                if verbose:
                    logger.warning("%s: the file is empty.", path)
                return
            parse = (_json_rows if is_json_lines(path, head[0][1]) else _tsv_rows)
            problems = BadRowLog(path, strict, verbose)
            for row in parse(path, head, chain(head, lines), problems):
                row.language = language or row.language or path_language
                yield row
            problems.finish()
    except UnicodeDecodeError as error:
        raise ConfigurationError(
            f"{path}: not UTF-8 text ({error}); re-encode it as UTF-8."
        ) from None


def _tsv_rows(
    path: str, head: list, lines: Iterable[Tuple[int, str]], problems: BadRowLog
) -> Iterator[PairRow]:
    layout = detect_tsv_layout([line for _, line in head], path)
    if layout.has_header:
        lines = islice(lines, 1, None)
    for row_number, (line_number, line) in enumerate(lines, 1):
        problems.rows_seen = row_number
        try:
            pair_id, sentence1, sentence2, label = parse_tsv_line(line, layout, row_number)
        except BadRow as problem:
            problems.report(line_number, problem)
            continue
        yield PairRow(pair_id, sentence1, sentence2, label, None, path, line_number)


def _json_rows(
    path: str, head: list, lines: Iterable[Tuple[int, str]], problems: BadRowLog
) -> Iterator[PairRow]:
    # Labeled or not is decided by the first line that is a JSON object, as a TSV's layout is.
    labeled = next((flag for flag in (has_label(line) for _, line in head) if flag is not None),
                   True)
    for row_number, (line_number, line) in enumerate(lines, 1):
        problems.rows_seen = row_number
        try:
            pair_id, sentence1, sentence2, label, language, extra = parse_json_line(
                line, row_number, labeled
            )
        except BadRow as problem:
            problems.report(line_number, problem)
            continue
        yield PairRow(pair_id, sentence1, sentence2, label, language, path, line_number, extra)
