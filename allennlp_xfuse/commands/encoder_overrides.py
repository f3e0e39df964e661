"""
`allennlp xfuse-overrides CONFIG MODEL`: prints the `--overrides` that run a shipped config on
another encoder (and, optionally, other data), and the `allennlp train` command that uses them.
"""
import argparse
import json
import os
import shlex

from allennlp.commands.subcommand import Subcommand

from allennlp_xfuse.commands.command_line import exit_on_user_error, parse_overrides_argument


@Subcommand.register("xfuse-overrides")
class EncoderOverrides(Subcommand):
    """
    Prints complete `--overrides` for "run this config on encoder X": the model name in every
    place the config names it (tokenizer, indexer, embedder, head), the encoder sizes for X's
    hidden size, the fusion layers moved to the same relative depths of X, other data, and
    validation on or off.

    Registered as a `Subcommand` with name "xfuse-overrides".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        """
        Adds `xfuse-overrides` and its arguments.

        # Parameters

        parser : `argparse._SubParsersAction`
            The `allennlp` command's subparsers.
        """
        description = (
            "Print the --overrides that run CONFIG (e.g. training_configs/pawsx_aif.jsonnet) "
            "on the encoder MODEL (a hub name such as xlm-roberta-base, or a local directory "
            "written by save_pretrained): the model name in every key the config names it, "
            "the encoder sizes for MODEL's hidden size, the fusion layers moved to the same "
            "relative depths of MODEL (chosen for 12 layers: [3, 6, 9, -1] becomes "
            "[6, 12, 18, -1] on 24), and, when given, other data files, validation off and "
            "the epochs of XTREME's dev-every-200-steps selection for a local training file."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("config_file", metavar="CONFIG", help="the config to run")
        subparser.add_argument("model_name", metavar="MODEL", help="hub name or local directory")
        subparser.add_argument("--train-data-path", help="other training data")
        subparser.add_argument("--validation-data-path", help="other validation data")
        subparser.add_argument(
            "--no-validation", action="store_true",
            help="train without a validation set (no model selection: the last epoch is kept)",
        )
        subparser.add_argument(
            "--hidden-size", type=int,
            help="MODEL's hidden size (default: read from its config.json)",
        )
        subparser.add_argument(
            "--num-layers", type=int,
            help="MODEL's number of transformer layers (default: read from its config.json)",
        )
        subparser.add_argument(
            "--overrides", default="",
            help="your own overrides of CONFIG (JSON), applied first and merged into the output",
        )
        subparser.add_argument(
            "-s", "--serialization-dir", default="runs/MODEL_CONFIG",
            help="the run directory in the printed command",
        )
        subparser.add_argument(
            "--overrides-only", action="store_true",
            help="print only the overrides JSON (for scripts)",
        )
        subparser.set_defaults(func=print_encoder_overrides)
        return subparser


@exit_on_user_error("xfuse-overrides")
def print_encoder_overrides(args: argparse.Namespace) -> None:
    """
    Prints the overrides (alone, with `--overrides-only`) and the command that uses them.

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-overrides` arguments.
    """

    from allennlp_xfuse.training.overrides import (
        encoder_shape,
        merge_overrides,
        model_and_data_overrides,
    )

    if not os.path.isfile(args.config_file):
        raise FileNotFoundError(f"Config file not found: {args.config_file}")
    user = parse_overrides_argument(args.overrides)
    hidden_size, num_layers = args.hidden_size, args.num_layers
    if hidden_size is None or num_layers is None:
        shape = encoder_shape(args.model_name)
        hidden_size = shape.hidden_size if hidden_size is None else hidden_size
        num_layers = shape.num_layers if num_layers is None else num_layers
    ours = model_and_data_overrides(
        args.config_file,
        args.model_name,
        train_data_path=args.train_data_path,
        validation_data_path=args.validation_data_path,
        hidden_size=hidden_size,
        num_layers=num_layers,
        overrides=user,
        validation=not args.no_validation,
    )
    text = json.dumps(merge_overrides(user, ours))
    if args.overrides_only:
        print(text)
        return
    run_dir = args.serialization_dir
    if run_dir == "runs/MODEL_CONFIG":
        model = os.path.basename(os.path.normpath(args.model_name)).replace("/", "_")
        config = os.path.splitext(os.path.basename(args.config_file))[0]
        run_dir = f"runs/{model}_{config}"
    print(f"{args.model_name}: {num_layers} layers, hidden size {hidden_size}.")
    print(
        f"  allennlp train {shlex.quote(args.config_file)} -s {shlex.quote(run_dir)} "
        f"--include-package allennlp_xfuse \\\n    --overrides {shlex.quote(text)}"
    )
    remote = args.train_data_path is None or "://" in args.train_data_path
    if remote:
        print("The epochs stay the config's (XTREME's selection for English PAWS-X train, "
              "49,401 pairs); for other data give a local --train-data-path.")
