"""
Does a perturbed pair keep its gold label? PAWS-X labels hinge on word order and small details,
so an attack that "succeeds" by changing the meaning has changed the label, not fooled the
model. This module is the label audit and the perturbation budget:

- `sample_changed_pairs`: a seeded random sample, per language, of the pairs a split changed
  (status `succeeded` or `perturbed`, text different from the original);
- `write_audit_sheets` / `read_audit_sheet`: the audit sheet a person marks, a TSV (what is
  folded back) and a Markdown twin for reading; a sheet that already has marks is never
  overwritten;
- `fold_audit_sheets`: the marked sheets -> per (recipe, language) marked / kept counts, the
  label-preservation rate and its 95 % Wilson interval, written to `<split>.audit.json`
  beside the split;
- `perturbation_budget`: what the recipes actually changed, per recipe and language: mean
  perturbed word ratio and mean characters changed per changed pair;
- `audit_report_sections`: the two report tables ("Label preservation (human audit)" and
  "Perturbation budget actually used") as Markdown plus their JSON rows.

A sheet (`<split name>.<language>.audit.tsv`) starts with `#` comment lines, the first of which
is `# xfuse-audit sheet` and one of which is `# split: <absolute path of the split>` (how the
fold finds the split), then a tab-separated header row `SHEET_COLUMNS` and one row per sampled
pair. `label_kept` is left empty for a person to fill in with yes / no (or 1 / 0).
"""
import csv
import difflib
import io
import json
import math
import os
import random
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.atomic_files import atomic_write_json, atomic_write_text
from allennlp_xfuse.data.adversarial_split import PERTURBED, SUCCEEDED, Record, read_split
from allennlp_xfuse.data.languages import in_pawsx_order

#: The columns of an audit sheet, in order.
SHEET_COLUMNS = (
    "id", "language", "recipe", "label", "original_sentence1", "sentence1",
    "original_sentence2", "sentence2", "changed_words", "label_kept",
)
MARK_COLUMN = "label_kept"
SHEET_MAGIC = "# xfuse-audit sheet"
SPLIT_COMMENT = "# split: "
#: What a person may write in `label_kept` (case and surrounding spaces ignored).
KEPT_MARKS = ("yes", "1")
CHANGED_MARKS = ("no", "0")
#: The statuses whose records carry a perturbed text.
CHANGED_STATUSES = (SUCCEEDED, PERTURBED)
#: z for a two-sided 95 % interval.
Z_95 = 1.959963984540054


def audit_path(split_path: str) -> str:
    """Where the folded audit of the split at `split_path` is written: `<split>.audit.json`."""
    return f"{split_path}.audit.json"


# -- what changed -------------------------------------------------------------------------------


def is_changed(record: Record) -> bool:
    """
    Whether `record` is a pair the recipe changed: status `succeeded` or `perturbed`, and a
    sentence that differs from its original (a recipe may report success on unchanged text,
    e.g. a pair skipped by every transformation).

    # Parameters

    record : `Record`
        One line of an adversarial split.
    """
    if record.get("status") not in CHANGED_STATUSES:
        return False
    return any(
        (record.get(f"sentence{n}") or "") != (record.get(f"original_sentence{n}") or "")
        for n in (1, 2)
    )


def characters_changed(original: str, perturbed: str) -> int:
    """
    Characters changed from `original` to `perturbed`: their Levenshtein distance (insertions,
    deletions and substitutions of one character each). Computed with the bit-parallel
    algorithm of Myers (1999) in Hyyrö's (2001) formulation on what lies between the common
    prefix and suffix, which makes it fast enough for every changed pair of a report's splits
    in pure Python.

    # Parameters

    original : `str`
        The sentence before the perturbation.
    perturbed : `str`
        The sentence after it.
    """
    start = 0
    while start < min(len(original), len(perturbed)) and original[start] == perturbed[start]:
        start += 1
    end = 0
    while (end < min(len(original), len(perturbed)) - start
           and original[-1 - end] == perturbed[-1 - end]):
        end += 1
    pattern = original[start:len(original) - end]
    text = perturbed[start:len(perturbed) - end]
    if len(pattern) < len(text):
        pattern, text = text, pattern  # the distance is symmetric; the longer one is the bits
    if not text:
        return len(pattern)
    # bit i of `matches[c]`: pattern[i] == c; column j of the DP matrix is kept as vertical
    # +1 / -1 differences (`plus`, `minus`) with one bit per pattern position
    matches: Dict[str, int] = {}
    for position, character in enumerate(pattern):
        matches[character] = matches.get(character, 0) | (1 << position)
    mask = (1 << len(pattern)) - 1
    last = 1 << (len(pattern) - 1)
    plus, minus, distance = mask, 0, len(pattern)
    for character in text:
        equal = matches.get(character, 0)
        vertical = equal | minus
        horizontal = ((((equal & plus) + plus) & mask) ^ plus) | equal
        horizontal_plus = (minus | ~(horizontal | plus)) & mask
        horizontal_minus = plus & horizontal
        if horizontal_plus & last:
            distance += 1
        elif horizontal_minus & last:
            distance -= 1
        horizontal_plus = ((horizontal_plus << 1) | 1) & mask
        horizontal_minus = (horizontal_minus << 1) & mask
        plus = (horizontal_minus | ~(vertical | horizontal_plus)) & mask
        minus = horizontal_plus & vertical
    return distance


def pair_characters_changed(record: Record) -> int:
    """`characters_changed` summed over both sentences of a split record."""
    return sum(
        characters_changed(record.get(f"original_sentence{n}") or "",
                           record.get(f"sentence{n}") or "")
        for n in (1, 2)
    )


def changed_words(original: str, perturbed: str) -> str:
    """
    The words that differ, for the reader's eye: `old→new` for a replacement, `-old` for a
    deletion, `+new` for an insertion, separated by `; `. Text with spaces is compared word by
    word; text without (Japanese, Chinese) character by character.

    # Parameters

    original : `str`
        The sentence before the perturbation.
    perturbed : `str`
        The sentence after it.
    """
    if original == perturbed:
        return ""
    by_words = " " in original.strip() or " " in perturbed.strip()
    old: Sequence[str] = original.split() if by_words else original
    new: Sequence[str] = perturbed.split() if by_words else perturbed
    joiner = " " if by_words else ""
    changes = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = joiner.join(old[i1:i2]), joiner.join(new[j1:j2])
        if tag == "replace":
            changes.append(f"{removed}→{added}")
        elif tag == "delete":
            changes.append(f"-{removed}")
        elif tag == "insert":
            changes.append(f"+{added}")
    return "; ".join(changes)


# -- sampling and sheets ------------------------------------------------------------------------


def sample_changed_pairs(
    records: Sequence[Record], sample_size: int, seed: int
) -> "OrderedDict[str, List[Record]]":
    """
    Language -> a random sample of at most `sample_size` of its changed pairs (`is_changed`),
    in split order. Each language is drawn with its own generator seeded by `(seed, language)`,
    so a language's sample does not depend on what else the split holds.

    # Parameters

    records : `Sequence[Record]`
        A split's records.
    sample_size : `int`
        Pairs per language (all of them when a language has fewer).
    seed : `int`
        The sampling seed: the same seed gives the same sample.
    """
    if sample_size < 1:
        raise ConfigurationError(f"--sample must be at least 1, not {sample_size}.")
    by_language: Dict[str, List[int]] = {}
    for position, record in enumerate(records):
        if is_changed(record):
            by_language.setdefault(str(record.get("language")), []).append(position)
    samples: OrderedDict[str, List[Record]] = OrderedDict()
    for language in in_pawsx_order(by_language):
        positions = by_language[language]
        # a string seed is hashed with SHA-512 by `random`, the same in every process
        drawn = random.Random(f"{seed}:{language}").sample(
            positions, min(sample_size, len(positions))
        )
        samples[language] = [records[position] for position in sorted(drawn)]
    return samples


@dataclass
class SheetPlan:
    """
    One audit sheet to write.

    # Parameters

    split : `str`
        The split it samples (absolute path).
    language : `str`
        The language of its pairs.
    path : `str`
        The TSV to write; the Markdown twin has the same name with `.md`.
    records : `List[Record]`
        The sampled pairs, in split order.
    num_changed : `int`
        Changed pairs of this language in the split.
    seed : `int`
        The sampling seed.
    """

    split: str
    language: str
    path: str
    records: List[Record]
    num_changed: int
    seed: int

    @property
    def markdown_path(self) -> str:
        return os.path.splitext(self.path)[0] + ".md"


def sheet_names(split_paths: Sequence[str]) -> Dict[str, str]:
    """
    Split path -> the name its sheets start with: the file name without `.jsonl`, prefixed with
    its directory's name when two splits share a file name (`adv/aif/de.deepwordbug.jsonl` and
    `adv/baseline/de.deepwordbug.jsonl` -> `aif.de.deepwordbug`, `baseline.de.deepwordbug`).

    # Parameters

    split_paths : `Sequence[str]`
        The splits given to `xfuse-audit`.
    """
    def stem(path: str) -> str:
        name = os.path.basename(path)
        return name[: -len(".jsonl")] if name.endswith(".jsonl") else name

    counts = Counter(stem(path) for path in split_paths)
    names = OrderedDict()
    for path in split_paths:
        name = stem(path)
        if counts[name] > 1:
            name = f"{os.path.basename(os.path.dirname(os.path.abspath(path)))}.{name}"
        names[path] = name
    repeated = [name for name, count in Counter(names.values()).items() if count > 1]
    if repeated:
        raise ConfigurationError(
            f"Several splits would write the same audit sheets ({', '.join(repeated)}); "
            "audit them in separate calls with different --output directories."
        )
    return names


def plan_audit_sheets(
    split_paths: Sequence[str], output_dir: str, sample_size: int = 50, seed: int = 13
) -> List[SheetPlan]:
    """
    The sheets `write_audit_sheets` would write for `split_paths`: one per split and language
    with changed pairs, at `output_dir/<split name>.<language>.audit.tsv` (see `sheet_names`).

    # Parameters

    split_paths : `Sequence[str]`
        Adversarial splits (JSON lines).
    output_dir : `str`
        Where the sheets go.
    sample_size : `int`, optional (default = `50`)
        Pairs per language.
    seed : `int`, optional (default = `13`)
        The sampling seed.
    """
    plans = []
    for split, name in sheet_names(split_paths).items():
        if not os.path.isfile(split):
            raise FileNotFoundError(f"Adversarial split not found: {split}")
        # lenient: auditing a split an attack is still writing is fine
        records = read_split(split, strict=False)
        changed = Counter(str(r.get("language")) for r in records if is_changed(r))
        for language, sample in sample_changed_pairs(records, sample_size, seed).items():
            plans.append(SheetPlan(
                split=os.path.abspath(split), language=language,
                path=os.path.join(output_dir, f"{name}.{language}.audit.tsv"),
                records=sample, num_changed=changed[language], seed=seed,
            ))
    return plans


def write_audit_sheets(plans: Sequence[SheetPlan]) -> None:
    """
    Writes every planned sheet (TSV and Markdown twin), each atomically. Checks all of them
    first: a `ConfigurationError` naming the sheets when any already holds marks, and then
    nothing is written, since the marks are a person's work.

    # Parameters

    plans : `Sequence[SheetPlan]`
        From `plan_audit_sheets`.
    """
    marked = [plan.path for plan in plans if os.path.isfile(plan.path) and _has_marks(plan.path)]
    if marked:
        raise ConfigurationError(
            f"{', '.join(marked)} already hold(s) {MARK_COLUMN} marks (or is no sheet this "
            "command wrote), which are a person's work: nothing was written. Fold them "
            "(xfuse-audit --fold), move them away, or choose another --output."
        )
    for plan in plans:
        atomic_write_text(plan.path, render_sheet_tsv(plan))
        atomic_write_text(plan.markdown_path, render_sheet_markdown(plan))


def _has_marks(path: str) -> bool:
    try:
        return any(row.mark.strip() for row in read_audit_sheet(path, check_marks=False).rows)
    except ConfigurationError:
        # not a readable sheet: whatever it is, it may be someone's work
        return True


def _sheet_row(record: Record) -> List[str]:
    def text(name: str) -> str:
        # one line per pair, so that file:line in messages is the row a person sees
        return " ".join(str(record.get(name) or "").split())

    changes = [
        f"s{n}: {words}" for n in (1, 2)
        if (words := changed_words(text(f"original_sentence{n}"), text(f"sentence{n}")))
    ]
    label = record.get("label")
    return [
        str(record.get("id")), str(record.get("language")), str(record.get("recipe") or ""),
        "" if label is None else str(label),
        text("original_sentence1"), text("sentence1"), text("original_sentence2"),
        text("sentence2"), " | ".join(changes), "",
    ]


def render_sheet_tsv(plan: SheetPlan) -> str:
    """
    The TSV sheet of `plan`: comment lines (`SHEET_MAGIC`, the split, the sample, how to mark),
    the header row, one row per sampled pair with an empty `label_kept`.

    # Parameters

    plan : `SheetPlan`
    """
    buffer = io.StringIO()
    buffer.write(
        f"{SHEET_MAGIC}\n{SPLIT_COMMENT}{plan.split}\n"
        f"# language: {plan.language}; {len(plan.records)} of {plan.num_changed} changed pairs, "
        f"seed {plan.seed}\n"
        f"# mark {MARK_COLUMN}: yes if the gold label still holds for the perturbed pair, no "
        "if not (or 1 / 0); leave it empty to skip a row. Then: allennlp xfuse-audit --fold "
        "THIS_FILE\n"
    )
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(SHEET_COLUMNS)
    for record in plan.records:
        writer.writerow(_sheet_row(record))
    return buffer.getvalue()


def render_sheet_markdown(plan: SheetPlan) -> str:
    """
    The Markdown twin of `plan`'s sheet, for reading (marks go into the TSV).

    # Parameters

    plan : `SheetPlan`
    """
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"# Label audit: {os.path.basename(plan.split)}, {plan.language}\n",
        f"Split `{plan.split}`; {len(plan.records)} of {plan.num_changed} changed pairs "
        f"(seed {plan.seed}). Mark `{MARK_COLUMN}` in `{os.path.basename(plan.path)}`.\n",
    ]
    for row in (_sheet_row(record) for record in plan.records):
        values = dict(zip(SHEET_COLUMNS, row))
        lines += [
            f"## {cell(values['id'])} (label {values['label'] or '?'}, {values['recipe']})\n",
            "| | original | perturbed |", "| :-- | :-- | :-- |",
            f"| sentence1 | {cell(values['original_sentence1'])} | {cell(values['sentence1'])} |",
            f"| sentence2 | {cell(values['original_sentence2'])} | {cell(values['sentence2'])} |",
            "", f"Changed: {cell(values['changed_words']) or '–'}\n",
        ]
    return "\n".join(lines)


# -- reading marked sheets ----------------------------------------------------------------------


@dataclass
class SheetRow:
    """
    One row of an audit sheet.

    # Parameters

    line : `int`
        Its line in the file (1 = first line).
    values : `Dict[str, str]`
        Column -> cell.
    """

    line: int
    values: Dict[str, str]

    @property
    def mark(self) -> str:
        return self.values.get(MARK_COLUMN, "")

    @property
    def kept(self) -> Optional[bool]:
        """`True` / `False` for a yes / no mark, `None` when unmarked."""
        mark = self.mark.strip().lower()
        return True if mark in KEPT_MARKS else False if mark in CHANGED_MARKS else None


@dataclass
class AuditSheet:
    """
    A read audit sheet.

    # Parameters

    path : `str`
        The TSV.
    split : `str`
        The split its header names.
    rows : `List[SheetRow]`
        Its pairs.
    """

    path: str
    split: str
    rows: List[SheetRow] = field(default_factory=list)


def read_audit_sheet(path: str, check_marks: bool = True) -> AuditSheet:
    """
    Reads an audit sheet. Raises a `ConfigurationError` naming `path` when it is not one (no
    `# split:` line, no header row with `SHEET_COLUMNS`) and, with `check_marks`, naming
    `path:line` of every mark other than yes / no / 1 / 0 / empty. Spreadsheets that save the
    comment lines with trailing tabs or quotes are tolerated.

    # Parameters

    path : `str`
        The TSV.
    check_marks : `bool`, optional (default = `True`)
        Check the `label_kept` marks.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Audit sheet not found: {path}")
    with open(path, encoding="utf-8-sig", newline="") as sheet_file:
        lines = sheet_file.read().splitlines()
    split, header, rows = None, None, []
    for number, line in enumerate(lines, 1):
        cells = next(csv.reader([line], delimiter="\t"), [])
        first = cells[0].strip() if cells else ""
        if header is None and (not first or first.startswith("#")):
            if first.startswith(SPLIT_COMMENT.strip()):
                split = first[len(SPLIT_COMMENT.strip()):].strip()
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            missing = [column for column in SHEET_COLUMNS if column not in header]
            if missing:
                raise ConfigurationError(
                    f"{path}:{number}: the header row lacks {', '.join(missing)}; is this an "
                    "xfuse-audit sheet?"
                )
            continue
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(SheetRow(number, dict(zip(header, cells + [""] * (len(header) - len(cells))))))
    if split is None or header is None:
        raise ConfigurationError(
            f"{path} is not an xfuse-audit sheet: no '{SPLIT_COMMENT.strip()} PATH' comment line "
            "and header row (write one with allennlp xfuse-audit SPLIT --output DIR)."
        )
    if check_marks:
        bad = [row for row in rows if row.mark.strip() and row.kept is None]
        if bad:
            listed = "; ".join(f"{path}:{row.line}: {row.mark.strip()!r}" for row in bad[:10])
            more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
            raise ConfigurationError(
                f"{MARK_COLUMN} must be yes, no, 1, 0 or empty: {listed}{more}."
            )
    return AuditSheet(path=path, split=split, rows=rows)


# -- rates --------------------------------------------------------------------------------------


def wilson_interval(kept: int, marked: int, z: float = Z_95) -> Tuple[float, float]:
    """
    The Wilson score interval of the proportion `kept / marked` (95 % by default): unlike the
    normal approximation it stays inside [0, 1] and is sensible for the small samples and the
    rates near 1 a label audit gives.

    # Parameters

    kept : `int`
        Pairs marked as keeping their label.
    marked : `int`
        Pairs marked at all (> 0).
    z : `float`, optional (default = `Z_95`)
        The normal quantile of the interval's confidence.
    """
    if marked <= 0:
        raise ValueError("a Wilson interval needs at least one marked pair")
    rate = kept / marked
    denominator = 1 + z * z / marked
    center = (rate + z * z / (2 * marked)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / marked + z * z / (4 * marked * marked)) / denominator
    # the bounds at 0 and 1 are exact there; floating point would give 0.9999999999999999
    low = 0.0 if kept == 0 else max(0.0, center - half)
    high = 1.0 if kept == marked else min(1.0, center + half)
    return low, high


@dataclass
class AuditCounts:
    """
    The marks of one (split, recipe, language).

    # Parameters

    split : `str`
        The audited split.
    recipe : `str`
    language : `str`
    sampled : `int`, optional (default = `0`)
        Rows in the sheet(s).
    marked : `int`, optional (default = `0`)
        Rows with a yes / no mark.
    kept : `int`, optional (default = `0`)
        Rows marked yes.
    sheets : `List[str]`, optional (default = `[]`)
        The sheets the marks come from.
    """

    split: str
    recipe: str
    language: str
    sampled: int = 0
    marked: int = 0
    kept: int = 0
    sheets: List[str] = field(default_factory=list)

    @property
    def unmarked(self) -> int:
        return self.sampled - self.marked

    @property
    def rate(self) -> Optional[float]:
        """The label-preservation rate kept / marked, `None` when nothing is marked."""
        return self.kept / self.marked if self.marked else None

    @property
    def interval(self) -> Optional[Tuple[float, float]]:
        return wilson_interval(self.kept, self.marked) if self.marked else None

    def to_dict(self) -> Dict[str, Any]:
        return OrderedDict(
            recipe=self.recipe, language=self.language, sampled=self.sampled,
            marked=self.marked, kept=self.kept, unmarked=self.unmarked, rate=self.rate,
            interval=list(self.interval) if self.interval else None, sheets=self.sheets,
        )


def count_marks(sheets: Iterable[AuditSheet]) -> List[AuditCounts]:
    """
    Marks counted per (split, recipe, language), in the order first met.

    # Parameters

    sheets : `Iterable[AuditSheet]`
        Read sheets.
    """
    counts: Dict[Tuple[str, str, str], AuditCounts] = OrderedDict()
    for sheet in sheets:
        for row in sheet.rows:
            key = (sheet.split, row.values.get("recipe", ""), row.values.get("language", ""))
            group = counts.setdefault(key, AuditCounts(*key))
            if sheet.path not in group.sheets:
                group.sheets.append(sheet.path)
            group.sampled += 1
            if row.kept is not None:
                group.marked += 1
                group.kept += int(row.kept)
    return list(counts.values())


def fold_audit_sheets(sheet_paths: Sequence[str]) -> List[AuditCounts]:
    """
    Reads the marked sheets (every one checked before anything is written), counts their marks
    and writes `<split>.audit.json` beside each split they name. An audit file already there
    keeps its (recipe, language) groups that these sheets do not cover, so languages can be
    folded one sheet at a time. Returns the counts of these sheets.

    # Parameters

    sheet_paths : `Sequence[str]`
        Marked TSV sheets.
    """
    sheets = [read_audit_sheet(path) for path in sheet_paths]
    for sheet in sheets:
        if not os.path.isfile(sheet.split):
            raise FileNotFoundError(
                f"{sheet.path}: the split it samples, {sheet.split}, is not there; fix the "
                f"'{SPLIT_COMMENT.strip()}' line if the split was moved."
            )
    counts = count_marks(sheets)
    for split in OrderedDict.fromkeys(group.split for group in counts):
        groups = OrderedDict(
            ((entry.get("recipe"), entry.get("language")), entry)
            for entry in read_audit(split).get("groups", [])
        )
        for group in counts:
            if group.split == split:
                groups[(group.recipe, group.language)] = group.to_dict()
        atomic_write_json(audit_path(split), OrderedDict(
            split=split,
            rate="kept / marked: share of the marked pairs whose gold label still holds",
            interval="95 % Wilson score interval",
            groups=list(groups.values()),
        ))
    return counts


def read_audit(split_path: str) -> Dict[str, Any]:
    """
    The audit folded beside a split (`<split>.audit.json`); `{}` when there is none or it cannot
    be read.

    # Parameters

    split_path : `str`
        The split.
    """
    path = audit_path(split_path)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as audit_file:
            audit = json.load(audit_file)
    except (OSError, json.JSONDecodeError):
        return {}
    return audit if isinstance(audit, dict) else {}


# -- the report's tables ------------------------------------------------------------------------


@dataclass
class BudgetRow:
    """
    The perturbation budget a recipe used in one language.

    # Parameters

    recipe : `str`
    language : `str`
    changed : `int`
        Changed pairs (`is_changed`) over the splits.
    perturbed_word_ratio : `Optional[float]`
        Mean `perturbed_word_ratio` of the changed pairs, as a fraction (`None` when no record
        has one).
    characters_changed : `float`
        Mean `pair_characters_changed` of the changed pairs.
    splits : `int`
        Splits pooled (one per attacked model for model-in-the-loop recipes).
    """

    recipe: str
    language: str
    changed: int
    perturbed_word_ratio: Optional[float]
    characters_changed: float
    splits: int


def perturbation_budget(split_paths: Sequence[str]) -> List[BudgetRow]:
    """
    Per (recipe, language), over the changed pairs of every split: the mean perturbed word ratio
    and the mean characters changed per pair (both sentences). Splits of one recipe made against
    several models are pooled. Sorted by recipe, then language in PAWS-X order.

    # Parameters

    split_paths : `Sequence[str]`
        Adversarial splits.
    """
    ratios: Dict[Tuple[str, str], List[float]] = {}
    characters: Dict[Tuple[str, str], List[int]] = {}
    splits: Dict[Tuple[str, str], set] = {}
    for path in split_paths:
        for record in read_split(path, strict=False):
            if not is_changed(record):
                continue
            key = (str(record.get("recipe") or "?"), str(record.get("language")))
            characters.setdefault(key, []).append(pair_characters_changed(record))
            splits.setdefault(key, set()).add(path)
            if record.get("perturbed_word_ratio") is not None:
                ratios.setdefault(key, []).append(float(record["perturbed_word_ratio"]))
    rows = [
        BudgetRow(recipe, language, len(values),
                  math.fsum(ratios[(recipe, language)]) / len(ratios[(recipe, language)])
                  if ratios.get((recipe, language)) else None,
                  math.fsum(values) / len(values), len(splits[(recipe, language)]))
        for (recipe, language), values in characters.items()
    ]
    return _sorted(rows)


def audit_counts(split_paths: Sequence[str]) -> List[AuditCounts]:
    """
    The audits folded beside `split_paths`, per (recipe, language); the audits of several
    splits of one recipe and language (one per attacked model) are pooled.

    # Parameters

    split_paths : `Sequence[str]`
        Adversarial splits; those without `<split>.audit.json` are skipped.
    """
    pooled: Dict[Tuple[str, str], AuditCounts] = OrderedDict()
    for path in split_paths:
        for entry in read_audit(path).get("groups", []):
            key = (str(entry.get("recipe")), str(entry.get("language")))
            group = pooled.setdefault(key, AuditCounts(split="", recipe=key[0], language=key[1]))
            group.sampled += int(entry.get("sampled") or 0)
            group.marked += int(entry.get("marked") or 0)
            group.kept += int(entry.get("kept") or 0)
            group.sheets.append(audit_path(path))
    return _sorted(list(pooled.values()))


def _sorted(rows: List[Any]) -> List[Any]:
    order = {language: position for position, language in
             enumerate(in_pawsx_order({row.language for row in rows}))}
    return sorted(rows, key=lambda row: (row.recipe, order[row.language]))


def render_label_preservation(rows: Sequence[AuditCounts]) -> str:
    """
    The Markdown table "Label preservation (human audit)": recipe, language, marked, kept, rate
    and 95 % Wilson interval (in %); "" when there is no audit.

    # Parameters

    rows : `Sequence[AuditCounts]`
        From `audit_counts`.
    """
    if not rows:
        return ""
    lines = [
        "## Label preservation (human audit)\n",
        "Share of the audited changed pairs whose gold label still holds (kept / marked), with "
        "its 95 % Wilson interval, from the sheets folded by `allennlp xfuse-audit --fold`.\n",
        "| recipe | language | marked | kept | unmarked | rate (%) | 95 % interval (%) |",
        "| :-- | :-- | --: | --: | --: | --: | :-- |",
    ]
    for row in rows:
        rate = "–" if row.rate is None else f"{100 * row.rate:.1f}"
        interval = "–" if row.interval is None else (
            f"[{100 * row.interval[0]:.1f}, {100 * row.interval[1]:.1f}]"
        )
        lines.append(f"| {row.recipe} | {row.language} | {row.marked} | {row.kept} | "
                     f"{row.unmarked} | {rate} | {interval} |")
    return "\n".join(lines) + "\n"


def render_perturbation_budget(rows: Sequence[BudgetRow]) -> str:
    """
    The Markdown table "Perturbation budget actually used": recipe, language, changed pairs,
    mean perturbed words (%) and mean characters changed per changed pair; "" without rows.

    # Parameters

    rows : `Sequence[BudgetRow]`
        From `perturbation_budget`.
    """
    if not rows:
        return ""
    lines = [
        "## Perturbation budget actually used\n",
        "Over the changed pairs (status succeeded or perturbed, text different from the "
        "original) of each recipe's splits: mean perturbed word ratio (changed words / words of "
        "the pair) and mean characters changed per pair (Levenshtein distance of each sentence "
        "to its original, summed over both).\n",
        "| recipe | language | splits | changed pairs | perturbed words (%) | characters changed |",
        "| :-- | :-- | --: | --: | --: | --: |",
    ]
    for row in rows:
        ratio = "–" if row.perturbed_word_ratio is None else f"{100 * row.perturbed_word_ratio:.1f}"
        lines.append(f"| {row.recipe} | {row.language} | {row.splits} | {row.changed} | {ratio} "
                     f"| {row.characters_changed:.1f} |")
    return "\n".join(lines) + "\n"


def audit_report_sections(split_paths: Sequence[str]) -> Tuple[str, Dict[str, Any]]:
    """
    What `xfuse-report` adds for the adversarial splits it found: the Markdown of the
    perturbation-budget table and, when an audit lies beside a split, the label-preservation
    table; and their rows for results.json (`perturbation_budget`, `label_preservation`).

    # Parameters

    split_paths : `Sequence[str]`
        The adversarial split files (not their one-language parts).
    """
    budget = perturbation_budget(split_paths)
    audits = audit_counts(split_paths)
    markdown = "\n".join(
        part for part in (render_label_preservation(audits), render_perturbation_budget(budget))
        if part
    )
    data = {
        "perturbation_budget": [vars(row) for row in budget],
        "label_preservation": [
            {key: value for key, value in row.to_dict().items() if key != "sheets"}
            for row in audits
        ],
    }
    return markdown, data
