"""
`allennlp xfuse-sweep`: one training run per (fusion layer, seed) of a dlfa config, plus other
configs per seed, with AllenNLP's own training; finished runs are skipped, interrupted ones
recovered.
"""
import argparse
import json
import os
from typing import Any, Dict, List

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.commands.command_line import (
    check_output_path,
    exit_on_user_error,
    parse_overrides_argument,
)


@Subcommand.register("xfuse-sweep")
class Sweep(Subcommand):
    """
    Trains `CONFIG` once per fusion layer k and seed, at `<serialization-dir>/dlfa_L<k>_s<seed>`,
    with the embedder's `layers` overridden to `[k, -1]` and `random_seed` / `numpy_seed` /
    `pytorch_seed` to the seed; `--include-config` adds other configs (the baseline, aif) once
    per seed at `<serialization-dir>/<name>_s<seed>`, so one report compares them all:

        allennlp xfuse-sweep training_configs/pawsx_dlfa.jsonnet --layers 1-11 --seeds 1,2,3 \\
            -s runs/sweep --include-config training_configs/pawsx_baseline.jsonnet \\
            --include-config training_configs/pawsx_aif.jsonnet

    Training is `allennlp train`'s (`train_model_from_file`), in this process, run after run.
    A run with `model.tar.gz` and `metrics.json` is skipped; one with a checkpoint but no
    archive is recovered (`--recover`); one the sweep started that has no checkpoint yet is
    started over. A run directory holding anything else (files `allennlp train` does not write,
    or a directory the sweep did not start) is never deleted: it is left alone, named at the
    end, and the command exits with status 2 once the other runs are done. AllenNLP
    writes each run's `config.json` and `metrics.json`; `sweep.json` lists every run, its
    overrides, status and metrics.

    Robust configs sweep as the others (`pawsx_dlfa_robust.jsonnet` -> `dlfa_robust_L<k>_s<seed>`,
    `--include-config pawsx_baseline_robust.jsonnet` -> `baseline_robust_s<seed>`); a second
    sweep into the same directory adds its runs to `sweep.json`. A robust config whose
    `train_data_path` the overrides set to files without augmented data is refused: give it its
    own with `--overrides-for NAME`. Several GPUs: add
    `--overrides '{"distributed": {"cuda_devices": [0, 1, 2, 3]}}'` and every run uses
    AllenNLP's distributed training.

    Registered as a `Subcommand` with name "xfuse-sweep".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        """
        Adds `xfuse-sweep` and its arguments.

        # Parameters

        parser : `argparse._SubParsersAction`
            The `allennlp` command's subparsers.
        """
        # Imported here, as the training modules below, so that `import allennlp_xfuse` does
        # not load them.
        from allennlp_xfuse.training.overrides import LAYERS_KEY

        description = (
            "Train a dlfa config once per (fusion layer, seed), and other configs once per seed, "
            "into one run directory; skips finished runs, recovers interrupted ones."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("config_file", metavar="CONFIG", help="the dlfa config to sweep")
        subparser.add_argument(
            "--layers", default="1-11",
            help="fusion layers (hidden_states indices): a range 1-11, a list 3,6,9 or both "
            "(default: 1-11, mBERT's hidden layers below the top)",
        )
        subparser.add_argument(
            "--seeds", default="1", help="seeds: a list 1,2,3 or a range 1-3 (default: 1)"
        )
        subparser.add_argument(
            "-s", "--serialization-dir", required=True,
            help="the sweep directory; each run gets a subdirectory",
        )
        subparser.add_argument(
            "--include-config", action="append", default=[], metavar="[NAME=]CONFIG",
            help="another config to train once per seed (repeatable); runs are named NAME_s<seed>,"
            " NAME defaulting to the file name without 'pawsx_' (pawsx_aif.jsonnet -> aif)",
        )
        subparser.add_argument(
            "-o", "--overrides", default="",
            help="a JSON/Jsonnet overrides object applied to every run, as `allennlp train "
            "--overrides` (prefer dotted keys: 'trainer.num_epochs')",
        )
        subparser.add_argument(
            "--overrides-for", nargs=2, action="append", default=[], metavar=("NAME", "JSON"),
            help="overrides for the runs of one config only (NAME: dlfa, or an included "
            "config's name), e.g. aif layers on a smaller model (repeatable)",
        )
        subparser.add_argument(
            "--model-name",
            help="run every config on this transformer (hub name or a local save_pretrained "
            "directory, e.g. from xfuse-tiny-model): sets the tokenizer, indexer and embedder "
            "model names and resizes the encoder to its hidden size",
        )
        subparser.add_argument(
            "--layers-key", default=LAYERS_KEY,
            help="the config key that takes [k, -1] (default: the shipped dlfa config's)",
        )
        subparser.add_argument(
            "--name", help="run name prefix of the swept config (default: from its file name)"
        )
        subparser.add_argument(
            "--dry-run", action="store_true", help="print the runs and their state, train nothing"
        )
        subparser.add_argument(
            "--stop-on-failure", action="store_true",
            help="stop at the first failing run (default: record it and go on)",
        )
        subparser.add_argument(
            "--file-friendly-logging", action="store_true",
            help="newline-terminated progress output, as `allennlp train`'s flag",
        )
        subparser.set_defaults(func=sweep_from_args)
        return subparser


def _print_entries(entries: List[Dict[str, Any]]) -> None:
    """
    One line per run: name, status and the best value of the run's validation metric (its
    config's `trainer.validation_metric`: accuracy for PAWS-X, XNLI and POS, span F1 for NER).

    # Parameters

    entries : `List[Dict[str, Any]]`
        `sweep.json` entries.
    """
    for entry in entries:
        metrics = entry.get("metrics") or {}
        name = _validation_metric(entry.get("serialization_dir"))
        value = metrics.get(f"best_validation_{name}")
        shown = "" if value is None else f"best validation {name} {value:.4f}"
        print(f"{entry['name']:<24} {entry['status']:<20} {shown}")
        if entry.get("note"):
            print(f"{'':<24} note: {entry['note']}")


def _validation_metric(serialization_dir: Any) -> str:
    """
    The name of the metric a run was selected on (`trainer.validation_metric` of its
    `config.json`, sign dropped; the first of a list); "accuracy" when the run has no config
    yet.

    # Parameters

    serialization_dir : `Any`
        The run's directory, from its `sweep.json` entry.
    """
    config_path = os.path.join(str(serialization_dir or ""), "config.json")
    try:
        with open(config_path, encoding="utf-8") as config_file:
            metric = json.load(config_file).get("trainer", {}).get("validation_metric")
    except (OSError, ValueError, AttributeError):
        return "accuracy"
    if isinstance(metric, list):
        metric = metric[0] if metric else None
    return metric.lstrip("+-") if isinstance(metric, str) and metric else "accuracy"


@exit_on_user_error("xfuse-sweep")
def sweep_from_args(args: argparse.Namespace) -> None:
    """
    Plans the sweep, then prints the runs (`--dry-run`) or trains them and prints each run's
    status and best validation accuracy.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-sweep` arguments.
    """
    from allennlp_xfuse.training.augmented_data import check_augmented_training
    from allennlp_xfuse.training.overrides import merge_overrides
    from allennlp_xfuse.training.run_names import config_run_name, parse_named_config
    from allennlp_xfuse.training.sweep_plan import parse_int_list, plan_sweep, run_state
    from allennlp_xfuse.training.sweep_runner import SweepError, run_sweep, started_runs

    check_output_path(args.serialization_dir, "--serialization-dir", directory=True)
    name = args.name or config_run_name(args.config_file)
    include = [parse_named_config(spec) for spec in args.include_config]
    for config in [args.config_file] + [path for _, path in include]:
        if not os.path.isfile(config):
            raise FileNotFoundError(f"Config file not found: {config}")
    config_overrides = {
        prefix: parse_overrides_argument(text, f"--overrides-for {prefix}")
        for prefix, text in args.overrides_for
    }
    overrides = parse_overrides_argument(args.overrides)
    if args.model_name:
        # Per config: each names the model in its own keys and sizes its own encoder, as the
        # user's overrides leave it (a head switched to the raw [CLS] has no model name to set).
        from allennlp_xfuse.training.overrides import model_and_data_overrides

        for prefix, path in [(name, args.config_file)] + include:
            own = config_overrides.get(prefix, {})
            sized = model_and_data_overrides(
                path, args.model_name, overrides=merge_overrides(overrides, own)
            )
            config_overrides[prefix] = merge_overrides(own, sized)
    for prefix, path in [(name, args.config_file)] + include:
        # a robust config under a blanket train_data_path override would train a standard model
        check_augmented_training(
            prefix, path, merge_overrides(overrides, config_overrides.get(prefix, {}))
        )
    runs = plan_sweep(
        args.config_file,
        parse_int_list(args.layers),
        parse_int_list(args.seeds),
        args.serialization_dir,
        overrides=overrides,
        include_configs=include,
        config_overrides=config_overrides,
        layers_key=args.layers_key,
        name=name,
    )
    if args.dry_run:
        started = started_runs(args.serialization_dir)
        for run in runs:
            ours = started.get(run.name) == os.path.abspath(run.serialization_dir)
            state = run_state(run.serialization_dir, started_by_sweep=ours)
            print(f"{run.name:<24} {state:<12} {run.config_file} "
                  f"--overrides '{json.dumps(run.overrides)}'")
        return
    try:
        entries = run_sweep(
            runs,
            args.serialization_dir,
            file_friendly_logging=args.file_friendly_logging,
            keep_going=not args.stop_on_failure,
        )
    except SweepError as error:
        # what was done, then one line (exit_on_user_error) naming each run that was not
        _print_entries(error.entries)
        raise ConfigurationError(str(error)) from error
    _print_entries(entries)
    print(f"Runs in {args.serialization_dir}; summary: {args.serialization_dir}/sweep.json")
