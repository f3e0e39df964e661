"""One sentence pair as read from a data file, and what happens to rows that are not one."""
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError

logger = logging.getLogger(__name__)

# The dataset's placeholder for a sentence that was not translated.
UNTRANSLATED = "NS"


@dataclass
class PairRow:
    """
    A sentence pair read from line `line_number` of `source` (the path as the user gave it).
    `label` is "0", "1" or `None` (unlabeled file); `extra` holds what an adversarial split
    adds (original sentences, attack outcome).
    """

    id: str
    sentence1: str
    sentence2: str
    label: Optional[str]
    language: Optional[str]
    source: str
    line_number: int
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def untranslated(self) -> bool:
        return UNTRANSLATED in (self.sentence1, self.sentence2)


class BadRow(Exception):
    """A line that is not a valid pair: `reason` says what is wrong, `fix` what to do."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


class BadRowLog:
    """
    What to do with the bad rows of one file: with `strict`, raise a `ConfigurationError`
    naming `file:line`; otherwise count them, warn (when `verbose`) about the first
    `max_warnings` with their `file:line`, and sum them up in `finish()`.
    """

    def __init__(self, source: str, strict: bool, verbose: bool, max_warnings: int = 5) -> None:
        self.source = source
        self.strict = strict
        self.verbose = verbose
        self.max_warnings = max_warnings
        self.bad_lines: List[int] = []
        # The first bad row and what was wrong with it: the reason given when no row is good.
        self.first_problem: Optional[Tuple[int, BadRow]] = None
        # Data rows looked at so far (bad ones included), for the summary.
        self.rows_seen = 0

    def report(self, line_number: int, problem: BadRow) -> None:
        where = f"{self.source}:{line_number}"
        if self.first_problem is None:
            self.first_problem = (line_number, problem)
        if self.strict:
            raise ConfigurationError(
                f"{where}: {problem.reason}. {problem.fix} "
                f"(or set the reader's `strict` to false to skip bad rows)."
            )
        self.bad_lines.append(line_number)
        if self.verbose and len(self.bad_lines) <= self.max_warnings:
            logger.warning("%s: skipping bad row: %s. %s", where, problem.reason, problem.fix)

    def finish(self) -> None:
        if self.verbose and self.bad_lines:
            shown = ", ".join(str(line) for line in self.bad_lines[: self.max_warnings * 2])
            more = ", ..." if len(self.bad_lines) > self.max_warnings * 2 else ""
            logger.warning(
                "%s: skipped %d bad row(s) of %d (lines %s%s); set `strict: true` to stop at "
                "the first one.",
                self.source, len(self.bad_lines), self.rows_seen, shown, more,
            )

    def no_pairs_error(self, header_line: Optional[int] = None) -> ConfigurationError:
        """
        The error for a file that yielded no valid pair, saying why: it had no data row (only
        a header, at line `header_line` when it has one), or every row was bad (the first
        one's line, reason and fix).
        """
        if self.first_problem is None:
            what = (f"line {header_line} is a header and no row follows it"
                    if header_line is not None else "the file has no data row")
            return ConfigurationError(
                f"{self.source}: no sentence pair: {what}. Point the data path at a file with "
                f"PAWS-X pairs."
            )
        line_number, problem = self.first_problem
        return ConfigurationError(
            f"{self.source}: no sentence pair: all {len(self.bad_lines)} row(s) are bad, the "
            f"first at line {line_number}: {problem.reason}. {problem.fix}."
        )


def check_pair(sentence1: str, sentence2: str, label: Optional[str], labeled: bool) -> None:
    """Raises `BadRow` unless both sentences are non-empty and the label fits the file."""
    for name, sentence in (("sentence1", sentence1), ("sentence2", sentence2)):
        if not sentence:
            raise BadRow(f"{name} is empty", "Fill it in or remove the row")
    if labeled and label not in ("0", "1"):
        raise BadRow(f"label is {label!r}, not 0 or 1", "Labels must be 0 or 1")
    if not labeled and label is not None:
        raise BadRow("row has a label, earlier rows have none", "Label every row or none")
