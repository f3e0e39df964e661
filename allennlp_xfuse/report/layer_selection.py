"""
Choosing the dlfa fusion layer the way zero-shot transfer must: on English dev, never on the
target languages' test data. `choose_fusion_layers` picks, per dlfa variant (standard,
robust-trained...), the row with the best English dev accuracy (mean over its seeds; records of
kind `"selection"`); the test tables then show that row only, as "dlfa (L=k, chosen on en dev)"
(`records_for_tables`), and the per-column best layer on test is kept apart as an exploratory
view (`exploratory_tables`), since choosing on the test data overstates the gains.
"""
import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from allennlp_xfuse.report.records import CLEAN, SELECTION, MetricsRecord
from allennlp_xfuse.report.tables import (
    COLUMNS,
    EXPLORATORY,
    LAYER_SWEEP_FAMILY,
    Row,
    Summary,
    Table,
    build_tables,
    row_sort_key,
    summarize,
)

SELECTION_LANGUAGE = "en"


def variant_of(model: str) -> str:
    """
    The dlfa variant a row belongs to: its name without the `@<layer>` part (`"dlfa@9"` ->
    `"dlfa"`, `"dlfa@9+robust"` -> `"dlfa+robust"`). A layer is chosen per variant, so that
    differently trained sweeps each get their own.
    """
    return re.sub(r"@-?\d+", "", model)


@dataclass
class LayerChoice:
    """
    The dlfa layer chosen on English dev for one variant.

    # Parameters

    variant : `str`
        The dlfa variant (`variant_of`), e.g. `"dlfa"`.
    model : `str`
        The chosen row (`MetricsRecord.model`, e.g. `"dlfa@6"`).
    fusion_layer : `Optional[int]`
        Its fusion layer.
    accuracy : `float`
        Its English dev accuracy, mean over seeds, as a fraction.
    candidates : `Dict[str, float]`
        Every row of the variant with its mean English dev accuracy (model -> fraction), in
        layer order.
    split : `Optional[str]`, optional (default = `None`)
        The English dev split the choice was made on.
    """

    variant: str
    model: str
    fusion_layer: Optional[int]
    accuracy: float
    candidates: Dict[str, float]
    split: Optional[str] = None

    @property
    def label(self) -> str:
        """What the test tables call the chosen row."""
        layer = "?" if self.fusion_layer is None else str(self.fusion_layer)
        return f"{self.variant} (L={layer}, chosen on en dev)"


def choose_fusion_layers(records: List[MetricsRecord]) -> List[LayerChoice]:
    """
    For each dlfa variant, the row with the highest English dev accuracy (the mean over its runs
    of their `"selection"` records), ties going to the lower layer; empty when no dlfa run was
    evaluated on English dev.

    # Parameters

    records : `List[MetricsRecord]`
    """
    per_model: Dict[str, Dict[str, float]] = {}
    info: Dict[str, MetricsRecord] = {}
    for record in records:
        if (record.kind != SELECTION or record.family != LAYER_SWEEP_FAMILY
                or record.accuracy is None):
            continue
        per_model.setdefault(record.model, {})[record.run_id] = record.accuracy
        info.setdefault(record.model, record)
    ordered = sorted(
        per_model,
        key=lambda model: row_sort_key(model, LAYER_SWEEP_FAMILY, info[model].fusion_layer),
    )
    by_variant: Dict[str, Dict[str, float]] = {}
    for model in ordered:
        runs = per_model[model]
        by_variant.setdefault(variant_of(model), {})[model] = math.fsum(runs.values()) / len(runs)
    choices = []
    for variant, means in sorted(by_variant.items()):
        best = max(means.values())
        model = next(model for model, mean in means.items() if mean == best)
        choices.append(LayerChoice(variant=variant, model=model,
                                   fusion_layer=info[model].fusion_layer, accuracy=best,
                                   candidates=means, split=info[model].split))
    return choices


def records_for_tables(
    records: List[MetricsRecord], choices: Sequence[LayerChoice]
) -> List[MetricsRecord]:
    """
    The records the test tables are built from: the other families' and, of each dlfa variant
    with a choice, only the chosen row's, renamed to its label. A variant without a choice
    keeps every layer (an exploratory sweep).

    # Parameters

    records : `List[MetricsRecord]`
    choices : `Sequence[LayerChoice]`
    """
    chosen = {choice.variant: choice for choice in choices}
    kept = []
    for record in records:
        if record.family == LAYER_SWEEP_FAMILY and variant_of(record.model) in chosen:
            choice = chosen[variant_of(record.model)]
            if record.model != choice.model:
                continue
            record = dataclasses.replace(record, model=choice.label)
        kept.append(record)
    return kept


def exploratory_tables(
    records: List[MetricsRecord], choices: Sequence[LayerChoice]
) -> List[Table]:
    """
    With dev choices: the English dev accuracy of every dlfa layer (how the choice was made,
    the chosen rows in bold), then the clean accuracy of every layer with the best layer per
    column on test in bold, labelled exploratory. Empty without a choice (the main tables are
    then the sweep itself).

    # Parameters

    records : `List[MetricsRecord]`
    choices : `Sequence[LayerChoice]`
    """
    if not choices:
        return []
    info = {r.model: r for r in records if r.family == LAYER_SWEEP_FAMILY}
    chosen_models = {choice.model for choice in choices}
    dev_rows = []
    for choice in choices:
        for model in choice.candidates:
            dev = [r for r in records
                   if r.kind == SELECTION and r.model == model and r.accuracy is not None]
            cells: Dict[str, Optional[Summary]] = {column: None for column in COLUMNS}
            cells[SELECTION_LANGUAGE] = summarize([100.0 * float(r.accuracy) for r in dev])
            dev_rows.append(Row(model=model, family=LAYER_SWEEP_FAMILY,
                                fusion_layer=info[model].fusion_layer,
                                runs=[r.run_id for r in dev], seeds=[r.seed for r in dev],
                                cells=cells,
                                best={SELECTION_LANGUAGE} if model in chosen_models else set()))
    splits = sorted({choice.split for choice in choices if choice.split})
    selection = Table(
        "layer_selection", "Layer selection: English dev accuracy of every dlfa layer",
        "accuracy", SELECTION, None, True, "%", 1, dev_rows, group=EXPLORATORY,
        note="The test tables report " + ", ".join(choice.label for choice in choices)
        + " (bold here): the best mean English dev accuracy over seeds"
        + (f", on {', '.join(f'`{split}`' for split in splits)}." if splits else "."),
    )
    sweep = [
        record for record in records
        if record.kind == CLEAN and record.family == LAYER_SWEEP_FAMILY
    ]
    tables = [selection]
    for table in build_tables(sweep):
        if table.name != "clean_accuracy":
            continue
        table.name = "exploratory/clean_accuracy"
        table.title = ("Exploratory: every dlfa layer on clean test, best per language in bold "
                       "— chosen on the test data, overstates gains")
        table.group = EXPLORATORY
        table.identical_inputs = False
        tables.append(table)
    return tables


def no_choice_note(has_dlfa: bool) -> str:
    """
    report.md's sentence when no dlfa run could be evaluated on English dev, or `""`.

    # Parameters

    has_dlfa : `bool`
        Whether the report has dlfa runs at all.
    """
    if not has_dlfa:
        return ""
    return (
        "**No dev-chosen layer could be given**: no English dev split was found (`en/dev_2k.tsv` "
        "or `dev-en.tsv` under `--clean`, or `--selection-split`), so the tables show every "
        "dlfa layer and the bold best layer per column is chosen on the test data itself "
        "(exploratory: it overstates gains).\n"
    )
