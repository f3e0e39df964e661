"""
`allennlp xfuse-inspect ARCHIVE SPLIT`: how much each AIF step of a trained model takes from its
lower layer, per language.
"""
import argparse
from typing import Dict, List

from allennlp.commands.subcommand import Subcommand

from allennlp_xfuse.commands.command_line import exit_on_user_error, format_text_table
from allennlp_xfuse.report.records import FusionWeightStats


@Subcommand.register("xfuse-inspect")
class Inspect(Subcommand):
    """
    Prints, per language and per AIF step, the mean and spread (std over real tokens) of
    `1 - W`, the share of the lower layer in the fused representation, and writes the same as
    `fusion_weights.json` and a bar plot `fusion_weights.png`:

        allennlp xfuse-inspect runs/aif/model.tar.gz PAWSX_DIR --output report/inspect

    SPLIT is any data path the archive's reader accepts (a file, a comma-separated list, a glob)
    or a directory, whose clean split of every language is used.

    Registered as a `Subcommand` with name "xfuse-inspect".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Report the AIF weights of a dlfa/aif archive per language and AIF step: mean and "
            "std over real tokens of 1 - W (the share taken from the lower layer)."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", metavar="ARCHIVE", help="a model.tar.gz")
        subparser.add_argument(
            "data_path", metavar="SPLIT",
            help="data file(s) the archive's reader accepts, or a directory of PAWS-X splits",
        )
        subparser.add_argument(
            "-o", "--output", default="report/inspect",
            help="where to write fusion_weights.json and fusion_weights.png "
            "(default: report/inspect)",
        )
        subparser.add_argument(
            "--cuda-device", type=int, default=-1, help="GPU id, -1 for CPU (default: -1)"
        )
        subparser.add_argument(
            "--batch-size", type=int, default=None,
            help="batch size (default: the config's validation data loader's)",
        )
        subparser.set_defaults(func=inspect_from_args)
        return subparser


@exit_on_user_error("xfuse-inspect")
def inspect_from_args(args: argparse.Namespace) -> None:
    # Imported here: inspecting pulls in models and matplotlib, `import allennlp_xfuse` must not.
    from allennlp_xfuse.report.fusion_weights import inspect_fusion_weights

    inspection = inspect_fusion_weights(
        args.archive_file, args.data_path, output_dir=args.output,
        cuda_device=args.cuda_device, batch_size=args.batch_size,
    )
    print(format_inspection(inspection.stats))
    for name, path in inspection.files.items():
        print(f"{name:>5}: {path}")


def format_inspection(stats: Dict[str, List[FusionWeightStats]]) -> str:
    """A plain-text table: language, step, mean and std of 1 − W, tokens."""
    rows = [("language", "step", "mean 1-W", "std", "tokens")]
    for language, items in stats.items():
        for item in items:
            std = "-" if item.std is None else f"{item.std:.4f}"
            rows.append((language, item.step, f"{item.mean:.4f}", std, str(item.num_tokens)))
    return format_text_table(rows, num_label_columns=2)
