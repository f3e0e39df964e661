"""
The interpretability table: how much each AIF step takes from its lower layer, mean `1 - W` over
real tokens, per language, for every fusion model (mean ± sample std over seeds).
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

from allennlp_xfuse.report.languages import COLUMNS
from allennlp_xfuse.report.records import CLEAN, MetricsRecord
from allennlp_xfuse.report.statistics import summarize
from allennlp_xfuse.report.table import Row, Table, row_sort_key, with_averages


def build_fusion_weight_table(records: List[MetricsRecord], kind: str = CLEAN) -> Optional[Table]:
    """
    Returns the fusion-weight table over the `kind` splits (clean by default: the weights a model
    uses on natural text), or `None` if no record carries fusion weights.

    Rows are (model, step) in the order the encoder reports its steps (top step first).
    """
    # (model, step) -> run -> language -> mean 1 - W
    values: Dict[Tuple[str, str], Dict[str, Dict[str, float]]] = OrderedDict()
    info: Dict[str, MetricsRecord] = {}
    for record in records:
        if record.kind != kind or not record.fusion_weights:
            continue
        info.setdefault(record.model, record)
        for stats in record.fusion_weights:
            per_run = values.setdefault((record.model, stats.step), OrderedDict())
            per_run.setdefault(record.run_id, {})[record.language] = stats.mean
    if not values:
        return None

    rows = []
    for (model, step), per_run in values.items():
        run_columns = [with_averages(dict(languages)) for languages in per_run.values()]
        cells = {
            column: summarize([run[column] for run in run_columns if run[column] is not None])
            for column in COLUMNS
        }
        first = info[model]
        seeds = [
            next(r.seed for r in records if r.run_id == run) for run in per_run
        ]
        rows.append(
            Row(model=model, family=first.family, fusion_layer=first.fusion_layer,
                runs=list(per_run), seeds=seeds, cells=cells, step=step)
        )
    step_order = {key: position for position, key in enumerate(values)}
    rows.sort(
        key=lambda row: (row_sort_key(row.model, row.family, row.fusion_layer),
                         step_order[(row.model, row.step)])
    )
    title = "Fusion weights: share taken from the lower layer, mean 1 − W over real tokens"
    if kind != CLEAN:
        title += f" ({kind} splits)"
    return Table(f"fusion_weights/{kind}", title, "fusion_weight", kind, None, None, "", 3, rows)
