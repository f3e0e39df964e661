"""
`allennlp xfuse-tiny-model OUT_DIR`: builds the tiny local BERT (see
`allennlp_xfuse.training.tiny_model`) and prints the `--overrides` that train a shipped PAWS-X
config on it and the bundled sample, offline.
"""
import argparse
import json
import os
import shlex

from allennlp.commands.subcommand import Subcommand

from allennlp_xfuse.commands.command_line import check_output_path, exit_on_user_error
from allennlp_xfuse.training.tiny_model import ARCHITECTURES

DEFAULT_CONFIG = "training_configs/pawsx_aif.jsonnet"


@Subcommand.register("xfuse-tiny-model")
class TinyModel(Subcommand):
    """
    Builds a tiny BERT- or XLM-R-architecture model (random weights, a vocabulary from the
    bundled multilingual samples) for offline smoke tests.

    Registered as a `Subcommand` with name "xfuse-tiny-model".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        """
        Adds `xfuse-tiny-model` and its arguments.

        # Parameters

        parser : `argparse._SubParsersAction`
            The `allennlp` command's subparsers.
        """
        description = (
            "Build a tiny BERT- or XLM-R-architecture model (random weights, a vocabulary "
            "from the bundled samples of every task) in OUT_DIR, and print the "
            "--overrides that run a shipped config (training_configs/pawsx_*.jsonnet) on it "
            "and the sample. Deterministic for a seed; offline; about a second."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("out_dir", metavar="OUT_DIR", help="directory to write into")
        subparser.add_argument("--seed", type=int, default=13, help="weight seed (default 13)")
        subparser.add_argument(
            "--num-layers", type=int, default=12,
            help="transformer layers (default 12, as mBERT, so config layer indices fit)",
        )
        subparser.add_argument(
            "--hidden-size", type=int, default=32, help="hidden size (default 32)"
        )
        subparser.add_argument(
            "--num-heads", type=int, default=2,
            help="attention heads, must divide the hidden size (default 2)",
        )
        subparser.add_argument(
            "--architecture", choices=ARCHITECTURES, default="bert",
            help="bert (mBERT's: WordPiece, token types, a pooler) or xlm-roberta (XLM-R's: "
            "SentencePiece-style pieces, <s> a </s></s> b </s>, no token types, no pooler in "
            "the checkpoint) (default bert)",
        )
        subparser.add_argument(
            "--config", default=DEFAULT_CONFIG,
            help=f"the config the printed overrides are for; they also resize its encoder to "
            f"the tiny hidden size when the file exists (default {DEFAULT_CONFIG})",
        )
        subparser.add_argument(
            "--overrides-only", action="store_true",
            help="print only the overrides JSON (for scripts)",
        )
        subparser.set_defaults(func=build_tiny_model_from_args)
        return subparser


@exit_on_user_error("xfuse-tiny-model")
def build_tiny_model_from_args(args: argparse.Namespace) -> None:
    """
    Builds the model and prints the overrides (alone, with `--overrides-only`).

    # Parameters

    args : `argparse.Namespace`
        The parsed `xfuse-tiny-model` arguments.
    """
    # Imported here so that `import allennlp_xfuse` stays light.
    from allennlp_xfuse.training.overrides import tiny_overrides
    from allennlp_xfuse.training.tiny_model import build_tiny_model

    check_output_path(args.out_dir, "OUT_DIR", directory=True)
    model_dir = build_tiny_model(
        args.out_dir,
        seed=args.seed,
        num_layers=args.num_layers,
        hidden_size=args.hidden_size,
        num_heads=args.num_heads,
        architecture=args.architecture,
    )
    # For an existing config, the overrides also resize its encoder to the tiny hidden size.
    config_file = args.config if os.path.isfile(args.config) else None
    text = json.dumps(tiny_overrides(model_dir, config_file=config_file))
    if args.overrides_only:
        print(text)
        return
    print(
        f"Wrote a tiny {args.architecture} ({args.num_layers} layers, hidden size "
        f"{args.hidden_size}, seed {args.seed}) to {model_dir}.\n"
        f"Train {args.config} on it and the bundled sample (add epochs/batch size to taste):\n"
        f"  allennlp train {args.config} -s runs/tiny --include-package allennlp_xfuse \\\n"
        f"    --overrides {shlex.quote(text)}"
    )
    if not os.path.isfile(args.config):
        print(f"({args.config} not found: set the encoder sizes to {args.hidden_size} per layer "
              f"yourself, or pass --config.)")
