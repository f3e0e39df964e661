"""
The settings each adversarial split was made with (query budget, recipe parameters and
constraints, seed: what `SplitWriter` records in the split's summary, read with
`allennlp_xfuse.data.adversarial_split.recorded_settings`), as a report.md section, with a
warning when splits of one model-in-the-loop recipe, compared across models, were made with
different settings: their accuracies would then differ for a reason other than the models.
"""
import json
from collections import OrderedDict
from typing import Any, Dict, List, Sequence, Tuple

from allennlp_xfuse.data.adversarial_split import recorded_settings
from allennlp_xfuse.report.discovery import AdversarialSplit

# Settings that differ between attacks on different models by design (which model was
# attacked), so they are shown but never compared.
PER_MODEL_SETTINGS = ("archive_sha256", "archive", "archive_file")


def _shown(settings: Dict[str, Any]) -> str:
    compared = {k: v for k, v in settings.items() if k not in PER_MODEL_SETTINGS}
    return json.dumps(compared, sort_keys=True, ensure_ascii=False) if compared else "–"


def attack_settings_section(splits: Sequence[AdversarialSplit]) -> Tuple[str, Dict[str, Any]]:
    """
    report.md's "Attack settings" section (empty when no split records its settings) and its
    data for results.json: `{"attack_settings": {split: settings}, "attack_settings_warnings":
    {recipe: warning}}`.

    # Parameters

    splits : `Sequence[AdversarialSplit]`
        The report's adversarial splits (union splits included or not: they have no summary).
    """
    by_source: Dict[str, AdversarialSplit] = OrderedDict()
    for split in splits:
        by_source.setdefault(split.source or split.path, split)
    settings = {source: recorded_settings(source) for source in by_source}
    recorded = {source: value for source, value in settings.items() if value}
    if not recorded:
        return "", {}
    warnings: Dict[str, str] = OrderedDict()
    per_recipe: Dict[str, Dict[str, List[str]]] = OrderedDict()
    for source, split in by_source.items():
        if split.shared or source not in recorded:
            continue
        per_recipe.setdefault(split.recipe, OrderedDict()).setdefault(
            _shown(recorded[source]), []
        ).append(source)
    for recipe, variants in per_recipe.items():
        if len(variants) > 1:
            listed = "; ".join(f"{shown} ({', '.join(f'`{s}`' for s in sources)})"
                               for shown, sources in variants.items())
            warnings[recipe] = (
                f"**Warning**: the {recipe} splits compared across models were made with "
                f"different settings: {listed}. Their accuracies differ for that reason too; "
                "re-run the attacks with one query budget and one set of constraints."
            )
    lines = ["## Attack settings\n",
             "What each adversarial split was made with (from its summary file; the attacked "
             "archive's hash left out).\n"]
    lines += [warning + "\n" for warning in warnings.values()]
    lines += ["| split | recipe | produced against | settings |", "| :-- | :-- | :-- | :-- |"]
    for source, split in by_source.items():
        against = "shared (model-agnostic)" if split.shared else (split.target or "?")
        shown = f"`{_shown(recorded[source])}`" if source in recorded else "not recorded"
        lines.append(f"| `{source}` | {split.recipe} | {against} | {shown} |")
    return "\n".join(lines) + "\n", {"attack_settings": recorded,
                                     "attack_settings_warnings": warnings}
