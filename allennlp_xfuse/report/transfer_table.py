"""Transfer: each model's accuracy on adversarial examples produced against another model."""
import dataclasses
from typing import List

from allennlp_xfuse.report.records import (
    ADVERSARIAL,
    OWN_TARGET,
    SHARED_TARGET,
    MetricsRecord,
)
from allennlp_xfuse.report.table import Table, build_tables

TRANSFER_FAMILY = "transfer"


def build_transfer_tables(records: List[MetricsRecord]) -> List[Table]:
    """
    One accuracy table per recipe with a row per (evaluated model, attacked run): records whose
    adversarial split was produced against another run (`allennlp xfuse-report --transfer`).
    """
    transfer = [
        dataclasses.replace(
            record,
            model=f"{record.model} ← {record.target}",
            family=TRANSFER_FAMILY,  # no "best fusion layer" among these rows
            run=f"{record.run_id} ← {record.target}",
            target=OWN_TARGET,
        )
        for record in records
        if record.kind == ADVERSARIAL and record.target not in (None, OWN_TARGET, SHARED_TARGET)
    ]
    tables = []
    for table in build_tables(transfer):
        if table.quantity != "accuracy" or table.recipe is None:
            continue
        table.name = f"transfer_accuracy/{table.recipe}"
        table.title = (
            f"Transfer — {table.recipe}: accuracy of a model (← the model the examples were "
            "produced against)"
        )
        tables.append(table)
    return tables
