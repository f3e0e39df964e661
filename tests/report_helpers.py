"""Helpers shared by the report tests: tiny sweeps and hand-written adversarial splits."""
import csv
import json
from pathlib import Path
from typing import Any, Dict, List

from allennlp_xfuse.report.sweep_plan import plan_sweep
from allennlp_xfuse.report.sweep_runner import run_sweep
from tests.conftest import CONFIG_DIR, tiny_training_overrides

LAYERS_KEY = "model.text_field_embedder.token_embedders.tokens.layers"


def tiny_config_overrides(model_dir: str, aif_layers=(1, 2, -1)) -> Dict[str, Dict[str, Any]]:
    """
    Per-config overrides that train the shipped configs on the tiny model for one epoch. The
    tiny model has 4 layers, so the aif config's [3, 6, 9, -1] becomes `aif_layers`.
    """
    overrides = {
        name: tiny_training_overrides(f"pawsx_{name}", model_dir, num_epochs=1)
        for name in ("dlfa", "baseline", "aif")
    }
    overrides["aif"].update(
        {
            LAYERS_KEY: list(aif_layers),
            "model.seq2vec_encoder.num_layers": len(aif_layers),
            "model.seq2vec_encoder.input_dim": 32 * len(aif_layers),
        }
    )
    return overrides


def tiny_sweep(model_dir: str, sweep_dir: str, layers=(1, 2), seeds=(1,),
               include=("baseline", "aif")) -> List[Dict[str, Any]]:
    runs = plan_sweep(
        str(CONFIG_DIR / "pawsx_dlfa.jsonnet"),
        list(layers),
        list(seeds),
        sweep_dir,
        include_configs=[(name, str(CONFIG_DIR / f"pawsx_{name}.jsonnet")) for name in include],
        config_overrides=tiny_config_overrides(model_dir),
    )
    return run_sweep(runs, sweep_dir)


def write_adversarial_split(sample_dir: Path, language: str, path: Path, recipe: str,
                            statuses: List[str]) -> List[Dict[str, Any]]:
    """A split in the DESIGN.md format made from the sample's test file: the first sentence
    loses its last 3 characters; `statuses` cycle over the rows."""
    with open(sample_dir / language / "test_2k.tsv", encoding="utf-8") as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    records = []
    for index, row in enumerate(rows):
        status = statuses[index % len(statuses)]
        records.append(
            {
                "id": row["id"], "language": language,
                "sentence1": row["sentence1"][:-3], "sentence2": row["sentence2"],
                "label": int(row["label"]),
                "original_sentence1": row["sentence1"], "original_sentence2": row["sentence2"],
                "recipe": recipe, "status": status,
                "num_queries": 0 if status == "perturbed" else 7,
                "perturbed_word_ratio": 0.1, "original_prediction": None,
                "perturbed_prediction": None,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return records


def run_subcommand(name: str, *argv: str) -> Any:
    """Runs a registered `allennlp` subcommand in this process, as the CLI parses it."""
    import argparse

    from allennlp.commands.subcommand import Subcommand

    parser = argparse.ArgumentParser(prog="allennlp")
    subparsers = parser.add_subparsers()
    Subcommand.by_name(name)().add_subparser(subparsers)
    args = parser.parse_args([name, *argv])
    return args.func(args)
