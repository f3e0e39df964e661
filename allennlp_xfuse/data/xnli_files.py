"""
The layouts XNLI and MultiNLI come in, and reading their sentence pairs as `PairRow`s.

- MultiNLI 1.0 (`multinli_1.0_{train,dev_matched,dev_mismatched}.jsonl`): JSON lines with
  `gold_label`, `sentence1`, `sentence2`, `pairID` (and parses, genre, annotator labels);
- the official XNLI-1.0 `xnli.dev.tsv` / `xnli.test.tsv`: a header (`language gold_label
  sentence1_binary_parse ... sentence1 sentence2 promptID pairID genre label1..label5
  sentence1_tokenized sentence2_tokenized match`), all 15 languages in one file, the language
  in each row; raw text (a quote is text). XNLI-MT-1.0's `multinli.train.<lang>.tsv` (header
  `premise hypo label`, label `contradictory`) and MultiNLI's `.txt` files are header files too;
- XTREME-processed (`utils_preprocess.py --task xnli`): `train-en.tsv` (from XNLI-MT's English
  MultiNLI), `dev-<lang>.tsv`, `test-<lang>.tsv`: no header, `premise hypothesis label`,
  CSV-quoted where needed (`csv.writer`); XTREME's own test files have no label column;
- Hugging Face `xnli` exports (`to_json`, `to_csv`, or a TSV): `premise`, `hypothesis`, and
  `label` as the class index 0 / 1 / 2 = entailment / neutral / contradiction (the dataset's
  `ClassLabel` names);
- adversarial splits of XNLI pairs (`allennlp xfuse-attack` / `xfuse-perturb`, the format of
  `allennlp_xfuse.data.adversarial_split`): JSON lines whose `label` is the class index in the
  same order (`XNLI_LABELS`), `id` and `language` per record, the attack's fields kept in
  `PairRow.extra`. They are read whole, whatever `languages` says (see `read_xnli_file`).

Labels are normalized to `XNLI_LABELS`: XNLI-MT and XTREME's sources spell contradiction
`contradictory` (XTREME rewrites it, as does this module). Pairs whose gold label is `-`
(annotators reached no consensus, in MultiNLI's dev sets) are no data for NLI: they are
skipped and counted, as every published MultiNLI/XNLI number does.
"""
import csv
import json
import logging
from collections import Counter
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.adversarial_split import (
    SPLIT_FIELDS,
    is_json_lines,
    json_type_name,
    snippet,
)
from allennlp_xfuse.data.data_paths import DataPaths, expand_data_paths, local_data_file
from allennlp_xfuse.data.languages import XNLI_LANGUAGES, infer_language
from allennlp_xfuse.data.pair_files import _ARCHIVE_MAGIC, first_undecodable_line
from allennlp_xfuse.data.pair_rows import BadRow, BadRowLog, PairRow
from allennlp_xfuse.data.pawsx_tsv import join_quoted_records, split_tsv_line

logger = logging.getLogger(__name__)

#: The three NLI classes, in the order of Hugging Face's `xnli` `ClassLabel` (indices 0, 1, 2):
#: the one place of XNLI's label order. Class indices in Hugging Face exports and the dataset
#: label index of adversarial splits (`Example.label`, the attack model wrapper's columns) are
#: positions in this tuple.
XNLI_LABELS: Tuple[str, ...] = ("entailment", "neutral", "contradiction")

#: MultiNLI's gold label for a pair whose annotators reached no consensus.
NO_CONSENSUS = "-"

# Other spellings met in the wild -> the label.
_SPELLINGS = {"contradictory": "contradiction"}

# Column names (lower-cased) of each field, in order of preference.
_SENTENCE1_NAMES = ("sentence1", "premise")
_SENTENCE2_NAMES = ("sentence2", "hypothesis", "hypo")
_LABEL_NAMES = ("gold_label", "label")
_ID_NAMES = ("pairid", "id")
_LANGUAGE_NAMES = ("language", "lang")

# Lines looked at to recognize a file's layout.
_LAYOUT_LINES = 50

# The adversarial split's fields other than the pair itself, kept in a row's `extra` so the
# metadata of an attacked XNLI split keeps the original sentences and the outcome.
_SPLIT_EXTRA_FIELDS = tuple(
    name for name in SPLIT_FIELDS if name not in ("id", "language", "sentence1", "sentence2",
                                                  "label")
)


class _NoConsensus(Exception):
    """A pair whose gold label is `NO_CONSENSUS`: skipped and counted, not a bad row."""


def normalize_label(value: Any, numeric: bool) -> Optional[str]:
    """
    The XNLI label `value` stands for: one of `XNLI_LABELS` (any case; `contradictory` is
    contradiction), or with `numeric` a class index 0 / 1 / 2 (Hugging Face's `xnli`).
    `None` and `""` give `None` (no label). Raises `BadRow` for anything else, and
    `_NoConsensus` for the gold label `-`.

    # Parameters

    value : `Any`
        A label as read (a TSV field, a JSON value).
    numeric : `bool`
        Whether the file gives labels as class indices (a Hugging Face export).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRow(f"label is a JSON {json_type_name(value)} ({value!r})",
                     f"Labels are {', '.join(XNLI_LABELS)}")
    text = str(value).strip()
    if not text:
        return None
    if text == NO_CONSENSUS:
        raise _NoConsensus()
    if numeric and text in ("0", "1", "2"):
        return XNLI_LABELS[int(text)]
    label = _SPELLINGS.get(text.lower(), text.lower())
    if label in XNLI_LABELS:
        return label
    expected = ", ".join(XNLI_LABELS) + (" (or 0, 1, 2)" if numeric else "")
    raise BadRow(f"label is {text!r}, not an NLI label", f"Labels are {expected}")


@dataclass(frozen=True)
class XnliLayout:
    """
    Where the fields of a pair are in a delimited file; `None` columns are absent. `delimiter`
    is a tab, or a comma (a Hugging Face `to_csv` export); `numeric_labels` when labels are
    class indices (a header naming `premise` and `hypothesis`, Hugging Face's names).
    """

    has_header: bool
    num_columns: int
    sentence1_column: int
    sentence2_column: int
    label_column: Optional[int] = None
    id_column: Optional[int] = None
    language_column: Optional[int] = None
    delimiter: str = "\t"
    numeric_labels: bool = False

    @property
    def labeled(self) -> bool:
        return self.label_column is not None

    def describe(self) -> str:
        names = ["?"] * self.num_columns
        for name, column in (("premise", self.sentence1_column),
                             ("hypothesis", self.sentence2_column), ("label", self.label_column),
                             ("id", self.id_column), ("language", self.language_column)):
            if column is not None:
                names[column] = name
        shown = " ".join(names) if len(names) <= 8 else f"{' '.join(names[:8])} ..."
        kind = "tab-separated" if self.delimiter == "\t" else "comma-separated"
        header = "header" if self.has_header else "no header"
        return f"{self.num_columns} {kind} columns ({shown}; {header})"


def _find(header: Sequence[str], names: Sequence[str]) -> Optional[int]:
    return next((header.index(name) for name in names if name in header), None)


def _header_layout(header: List[str], delimiter: str) -> Optional[XnliLayout]:
    # A header names one of each sentence's columns; the others are looked up by name.
    names = [name.strip().lower() for name in header]
    sentence1, sentence2 = _find(names, _SENTENCE1_NAMES), _find(names, _SENTENCE2_NAMES)
    if sentence1 is None or sentence2 is None:
        return None
    return XnliLayout(
        has_header=True,
        num_columns=len(names),
        sentence1_column=sentence1,
        sentence2_column=sentence2,
        label_column=_find(names, _LABEL_NAMES),
        id_column=_find(names, _ID_NAMES),
        language_column=_find(names, _LANGUAGE_NAMES),
        delimiter=delimiter,
        numeric_labels="premise" in names and "hypothesis" in names,
    )


def detect_xnli_layout(first_lines: Sequence[str], source: str) -> XnliLayout:
    """
    The layout of a delimited file from its first non-blank lines: a header when the first
    line names the two sentence columns (tab-separated, else comma-separated), otherwise
    XTREME's header-less `premise hypothesis [label]` (the most common column count among
    `first_lines`, so one bad row does not decide it).

    # Parameters

    first_lines : `Sequence[str]`
        The file's first non-blank lines, without line breaks.
    source : `str`
        The file, for errors.
    """
    layout = _header_layout(split_tsv_line(first_lines[0]), "\t")
    if layout is None and "\t" not in first_lines[0]:
        layout = _header_layout(next(csv.reader([first_lines[0]])), ",")
    if layout is not None:
        return layout
    counts = Counter(len(split_tsv_line(line)) for line in first_lines)
    if len(counts) > 1:
        # a line without a tab is never a layout, only a piece of a CSV-quoted field that spans
        # a line break (`"A<newline>b."<TAB>B.<TAB>label`): the other lines decide
        counts.pop(1, None)
    num_columns = max(counts, key=lambda count: (counts[count], -count))
    if num_columns not in (2, 3):
        hint = " (no tab: is it another format?)" if num_columns == 1 else ""
        raise ConfigurationError(
            f"{source}: unrecognized layout ({num_columns} tab-separated columns{hint}). "
            f"Expected a header naming sentence1/premise and sentence2/hypothesis/hypo columns "
            f"(XNLI-1.0, MultiNLI, XNLI-MT, Hugging Face exports), JSON lines (MultiNLI "
            f"1.0 .jsonl), or XTREME's header-less 'premise hypothesis label' (3 columns; 2 "
            f"without labels)."
        )
    return XnliLayout(False, num_columns, 0, 1, 2 if num_columns == 3 else None)


# -- reading files -----------------------------------------------------------------------------


def read_xnli_files(
    file_path: DataPaths,
    strict: bool = False,
    verbose: bool = True,
    language: Optional[str] = None,
    require_labels: bool = False,
    languages: Optional[Sequence[str]] = None,
) -> Iterator[PairRow]:
    """
    The valid pairs of every file in `file_path` (see `expand_data_paths`: comma lists, globs,
    URLs, `archive!member`), in order; see `read_xnli_file` for the parameters.
    """
    for path in expand_data_paths(file_path):
        yield from read_xnli_file(path, strict, verbose, language, require_labels, languages)


def read_xnli_file(
    path: str,
    strict: bool = False,
    verbose: bool = True,
    language: Optional[str] = None,
    require_labels: bool = False,
    languages: Optional[Sequence[str]] = None,
) -> Iterator[PairRow]:
    """
    The valid pairs of one XNLI/MultiNLI file in any layout of this module, recognized by its
    content, labels normalized to `XNLI_LABELS`.

    A file that yields no pair (empty, only a header, every row bad, every label `-`, no row
    in `languages`) is a `ConfigurationError` naming it and saying why, raised once the file
    has been read, as is a file without labels when `require_labels`.

    # Parameters

    path : `str`
        A local path, URL or `archive!member`.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad row instead of
        skipping bad rows (pairs without a consensus label are skipped either way).
    verbose : `bool`, optional (default = `True`)
        Log skipped rows. Off in all but one data-loading worker, so each is reported once.
    language : `str`, optional (default = `None`)
        The language of every row. By default the row's own (a `language` column or key),
        else the XNLI language the path names (`infer_language`), else `None`.
    require_labels : `bool`, optional (default = `False`)
        Every pair must have a label: a file without a label column is a
        `ConfigurationError`, a JSON line without a label a bad row.
    languages : `Sequence[str]`, optional (default = `None`)
        Keep only the rows whose own language (a `language` column or key: the official
        `xnli.dev.tsv` / `xnli.test.tsv` hold all 15 languages) is one of these. Files without
        per-row languages are read whole: their path already chose their language; so are
        adversarial splits, whose languages the attack's input chose.
    """
    local = local_data_file(path)
    path_language = infer_language(path, XNLI_LANGUAGES)
    if path_language is None and _file_name(path).lower().startswith("multinli"):
        # MultiNLI is English only (XNLI-MT's translations name their language: .fr.tsv).
        path_language = "en"
    try:
        with open(local, encoding="utf-8-sig") as data_file:
            lines = ((number, line.rstrip("\r\n")) for number, line in enumerate(data_file, 1))
            lines = ((number, line) for number, line in lines if line.strip())
            head = list(islice(lines, _LAYOUT_LINES))
            if not head:
                raise ConfigurationError(
                    f"{path}: no sentence pair: the file is empty. Point the data path at a "
                    f"file of XNLI or MultiNLI pairs."
                )
            reading = _FileReading(path, strict, verbose, require_labels, languages)
            header_line = None
            if is_json_lines(path, [line for _, line in head]):
                rows = reading.json_rows(chain(head, lines))
            else:
                layout = detect_xnli_layout([line for _, line in head], path)
                header_line = head[0][0] if layout.has_header else None
                rows = reading.delimited_rows(layout, chain(head, lines))
            for row in rows:
                row.language = language or row.language or path_language
                yield row
            reading.finish(header_line)
    except UnicodeDecodeError as error:
        with open(local, "rb") as data_file:
            magic = data_file.read(4)
        kind = next((name for prefix, name in _ARCHIVE_MAGIC if magic.startswith(prefix)), None)
        if kind is not None:
            raise ConfigurationError(
                f"{path}: a {kind} file, not a text file of sentence pairs. Extract it, or name "
                f"the file inside it as `{path}!<path inside the archive>` (e.g. "
                f"XNLI-1.0.zip!XNLI-1.0/xnli.test.tsv)."
            ) from None
        raise ConfigurationError(
            f"{path}:{first_undecodable_line(local)}: not UTF-8 text ({error.reason}). "
            f"Re-encode the file as UTF-8."
        ) from None


class _FileReading:
    """The state of reading one file: bad rows, pairs without consensus, language filter."""

    def __init__(
        self,
        path: str,
        strict: bool,
        verbose: bool,
        require_labels: bool,
        languages: Optional[Sequence[str]],
    ) -> None:
        self.path = path
        self.verbose = verbose
        self.require_labels = require_labels
        self.languages: Optional[Set[str]] = (
            {code.lower() for code in languages} if languages is not None else None
        )
        self.problems = BadRowLog(path, strict, verbose)
        self.no_consensus = 0
        self.kept = 0
        self.dropped = 0
        # Per-row languages met, kept or not (for the language filter's messages).
        self.row_languages: Counter = Counter()

    def _keep(self, row_language: Optional[str]) -> bool:
        if row_language is not None:
            self.row_languages[row_language] += 1
        keep = self.languages is None or row_language is None or row_language in self.languages
        self.dropped += not keep
        return keep

    def _pair(self, sentence1: Any, sentence2: Any, label: Optional[str],
              labeled: bool) -> Tuple[str, str]:
        sentences = []
        for name, value in (("premise", sentence1), ("hypothesis", sentence2)):
            if value is not None and not isinstance(value, str):
                raise BadRow(f"{name} is a JSON {json_type_name(value)}, not a string",
                             "Sentences must be strings")
            if not (value or "").strip():
                raise BadRow(f"{name} is empty", "Fill it in or remove the row")
            sentences.append(value.strip())
        if label is None and labeled and self.require_labels:
            raise BadRow("the pair has no label",
                         f"Give every pair a label ({', '.join(XNLI_LABELS)}): training and "
                         f"evaluation need one")
        return sentences[0], sentences[1]

    def delimited_rows(self, layout: XnliLayout,
                       lines: Iterable[Tuple[int, str]]) -> Iterator[PairRow]:
        if self.require_labels and not layout.labeled:
            raise ConfigurationError(
                f"{self.path}: the file has no labels (its layout is {layout.describe()}), and "
                f"training and evaluation need one on every pair. XTREME's test-<lang>.tsv "
                f"have none: evaluate on XNLI-1.0's xnli.test.tsv (with the reader's "
                f"`languages`) or a dev-<lang>.tsv, or predict on this file with `allennlp "
                f"predict --predictor pawsx`."
            )
        if layout.has_header:
            lines = islice(lines, 1, None)
        records = (_csv_records(lines) if layout.delimiter == ","
                   else ((number, split_tsv_line(text))
                         for number, text in join_quoted_records(lines, layout.num_columns)))
        for row_number, (line_number, fields) in enumerate(records, 1):
            self.problems.rows_seen = row_number
            try:
                if len(fields) != layout.num_columns:
                    raise BadRow(
                        f"{len(fields)} column(s) instead of {layout.num_columns}",
                        f"The file's layout is {layout.describe()}; check for stray tabs or "
                        f"unbalanced quotes",
                    )
                label = (normalize_label(fields[layout.label_column], layout.numeric_labels)
                         if layout.labeled else None)
                sentence1, sentence2 = self._pair(
                    fields[layout.sentence1_column], fields[layout.sentence2_column], label,
                    layout.labeled,
                )
            except _NoConsensus:
                self.no_consensus += 1
                continue
            except BadRow as problem:
                self.problems.report(line_number, problem)
                continue
            row_language = (fields[layout.language_column].strip().lower() or None
                            if layout.language_column is not None else None)
            if not self._keep(row_language):
                continue
            pair_id = fields[layout.id_column].strip() if layout.id_column is not None else ""
            self.kept += 1
            yield PairRow(pair_id or str(row_number), sentence1, sentence2, label,
                          row_language, self.path, line_number)

    def json_rows(self, lines: Iterable[Tuple[int, str]]) -> Iterator[PairRow]:
        for row_number, (line_number, line) in enumerate(lines, 1):
            self.problems.rows_seen = row_number
            try:
                row = self._json_row(line, row_number, line_number)
            except _NoConsensus:
                self.no_consensus += 1
                continue
            except BadRow as problem:
                self.problems.report(line_number, problem)
                continue
            # An adversarial split was made from the pairs its attack was given: its language
            # was chosen then, so `languages` (made to pick rows out of the official
            # 15-language files) does not filter it, and `allennlp evaluate` of an archive whose
            # reader keeps English reads a German split as it is.
            if not is_split_record(row) and not self._keep(row.language):
                continue
            self.kept += 1
            yield row

    def _json_row(self, line: str, row_number: int, line_number: int) -> PairRow:
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as error:
            raise BadRow(f"not valid JSON ({error}): {snippet(line)}",
                         "Each line must be one JSON object") from None
        if not isinstance(record, dict):
            raise BadRow(f"a JSON {json_type_name(record)}, not an object",
                         "Each line must be one JSON object")
        keys = {key.lower(): key for key in record}

        def value(names: Sequence[str]) -> Any:
            return next((record[keys[name]] for name in names if name in keys), None)

        if not any(name in keys for name in _SENTENCE1_NAMES + _SENTENCE2_NAMES):
            raise BadRow(
                f"no sentence1/premise or sentence2/hypothesis key (keys: "
                f"{', '.join(map(str, record)) or 'none'})",
                'Each record needs "sentence1" and "sentence2" (or "premise" and "hypothesis")',
            )
        # A JSON number is a Hugging Face class index; a string must be a label's name.
        raw_label = value(_LABEL_NAMES)
        label = normalize_label(raw_label, numeric=isinstance(raw_label, int))
        sentence1, sentence2 = self._pair(value(_SENTENCE1_NAMES), value(_SENTENCE2_NAMES),
                                          label, labeled=True)
        pair_id = value(_ID_NAMES)
        row_language = value(_LANGUAGE_NAMES)
        extra: Dict[str, Any] = {name: record[name] for name in _SPLIT_EXTRA_FIELDS
                                 if name in record}
        return PairRow(
            str(row_number) if pair_id in (None, "") else str(pair_id), sentence1, sentence2,
            label, str(row_language).strip().lower() if row_language else None, self.path,
            line_number, extra,
        )

    def finish(self, header_line: Optional[int]) -> None:
        """Sums up what was skipped, and raises when the file gave no pair."""
        self.problems.finish()
        if self.verbose and self.no_consensus:
            logger.warning(
                "%s: skipped %d pair(s) without a consensus label (gold_label %r), as "
                "published MultiNLI/XNLI results do.", self.path, self.no_consensus, NO_CONSENSUS,
            )
        dropped = self.dropped
        if self.verbose and dropped and self.kept:
            logger.info(
                "%s: read %d pair(s) in %s; left out %d in other languages (the reader's "
                "`languages`).", self.path, self.kept, ", ".join(sorted(self.languages or ())),
                dropped,
            )
        if self.kept:
            return
        if dropped:
            present = ", ".join(f"{code} ({count})" for code, count in
                                sorted(self.row_languages.items()))
            raise ConfigurationError(
                f"{self.path}: no sentence pair in the reader's languages "
                f"({', '.join(sorted(self.languages or ()))}); the file has {present}. Set the "
                f"reader's `languages` to the ones to read, or to null for all (allennlp "
                f"evaluate: --overrides '{{\"dataset_reader.languages\": [\"de\"]}}')."
            )
        if self.no_consensus and self.problems.first_problem is None:
            raise ConfigurationError(
                f"{self.path}: no sentence pair: all {self.no_consensus} pair(s) have the gold "
                f"label {NO_CONSENSUS!r} (no annotator consensus). Read a file with labeled "
                f"pairs."
            )
        if self.problems.first_problem is None:
            what = (f"line {header_line} is a header and no row follows it"
                    if header_line is not None else "the file has no data row")
            raise ConfigurationError(
                f"{self.path}: no sentence pair: {what}. Point the data path at a file of XNLI "
                f"or MultiNLI pairs."
            )
        line_number, problem = self.problems.first_problem
        raise ConfigurationError(
            f"{self.path}: no sentence pair: all {len(self.problems.bad_lines)} row(s) are bad, "
            f"the first at line {line_number}: {problem.reason}. {problem.fix}."
        )


def is_split_record(row: PairRow) -> bool:
    """
    Whether a row is a record of an adversarial split (it has the split's `recipe` and
    `status`), rather than a pair of a dataset file.

    # Parameters

    row : `PairRow`
        A row read by `read_xnli_file`.
    """
    return "recipe" in row.extra and "status" in row.extra


def _file_name(path: str) -> str:
    """The last component of a data path (of the member, for `archive!member`)."""
    return path.split("!")[-1].replace("\\", "/").rstrip("/").split("/")[-1]


def _csv_records(lines: Iterable[Tuple[int, str]]) -> Iterator[Tuple[int, List[str]]]:
    """
    `(first line number, fields)` of each record of a comma-separated file (as pandas and
    Hugging Face's `to_csv` write it: a quoted field may hold a line break).
    """
    # csv.reader pulls a line only when the record needs one: the numbers pulled since the
    # last record are this record's lines.
    numbers: List[int] = []

    def texts() -> Iterator[str]:
        for number, text in lines:
            numbers.append(number)
            yield text + "\n"

    for fields in csv.reader(texts()):
        first = numbers[0]
        numbers.clear()
        yield first, fields
