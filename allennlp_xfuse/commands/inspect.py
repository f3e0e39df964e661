"""
`allennlp xfuse-inspect ARCHIVE SPLIT`: how much each AIF step of a trained model takes from its
lower layer, per language, channel by channel, and how far its weights moved from initialization.
"""
import argparse
from typing import Dict, List, Optional, Sequence

from allennlp.commands.subcommand import Subcommand

from allennlp_xfuse.commands.command_line import (
    check_output_path,
    exit_on_user_error,
    format_text_table,
)
from allennlp_xfuse.report.records import FusionWeightStats


@Subcommand.register("xfuse-inspect")
class Inspect(Subcommand):
    """
    Prints, per language and per AIF step, over real tokens: the mean of `1 - W` (the share of
    the lower layer in the fused representation), the distribution across channels of each
    channel's mean `W` (min, quantiles, max, std), the share of saturated gates (`W < 0.1`,
    `W > 0.9`) and the shift from a freshly initialized copy of the fusion (mean `|W - W0|`,
    share of channels whose mean `W` moved by more than 0.1); writes the same as
    `fusion_weights.json` and a bar plot `fusion_weights.png`:

        allennlp xfuse-inspect runs/aif/model.tar.gz PAWSX_DIR --output report/inspect

    SPLIT is any data path the archive's reader accepts (a file, a comma-separated list, a glob)
    or a directory, whose clean split of every language is used.

    Why per channel: with `norm: layer_norm` (the default) the last LayerNorm of each attention
    branch centres the gate's input across channels, so a token's channel-averaged `W` is set by
    the norms' biases, not by the token (about 0.5 under AFF's reference initialization): its
    spread over tokens is near 0 by construction and is not printed (it stays in the JSON).

    Registered as a `Subcommand` with name "xfuse-inspect".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Report the AIF weights of a dlfa/aif archive per language and AIF step, over real "
            "tokens: mean 1 - W (the share taken from the lower layer), the distribution across "
            "channels of W, saturated gates and the shift from initialization."
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
    from allennlp_xfuse.archive_safety import reading_archive
    from allennlp_xfuse.report.fusion_weights import inspect_fusion_weights

    check_output_path(args.output, "--output", directory=True)
    with reading_archive(args.archive_file):
        inspection = inspect_fusion_weights(
            args.archive_file, args.data_path, output_dir=args.output,
            cuda_device=args.cuda_device, batch_size=args.batch_size,
        )
    print(format_inspection(inspection.stats))
    print(INSPECTION_LEGEND)
    for name, path in inspection.files.items():
        print(f"{name:>5}: {path}")


# The printed columns after language and step: header, attribute of `FusionWeightStats`.
_COLUMNS = (
    ("tokens", "num_tokens"),
    ("1-W mean", "mean"),
    ("W min", "channel_min"),
    ("q10", "channel_q10"),
    ("q25", "channel_q25"),
    ("median", "channel_median"),
    ("q75", "channel_q75"),
    ("q90", "channel_q90"),
    ("max", "channel_max"),
    ("ch std", "channel_std"),
    ("W<0.1", "saturated_low"),
    ("W>0.9", "saturated_high"),
    ("W0 mean", "initial_mean"),
    ("|W-W0|", "initial_shift"),
    ("moved", "moved_channels"),
)

#: Printed under the table: what the columns mean.
INSPECTION_LEGEND = "\n".join((
    "1-W mean: share taken from the lower layer, over real tokens and channels",
    "W min .. max, ch std: across channels, of each channel's mean W over real tokens",
    "W<0.1, W>0.9: share of saturated gates (token x channel)",
    "W0 mean, |W-W0|: a freshly initialized copy on the same inputs; mean |W - W0|",
    "moved: share of channels whose mean W moved by more than 0.1 from the copy's",
))


def format_inspection(stats: Dict[str, Sequence[FusionWeightStats]]) -> str:
    """
    A plain-text table, one row per language and step: tokens, mean `1 - W`, the per-channel
    distribution of `W`, the saturated shares and the shift from initialization (`-` where a
    statistic is missing, e.g. plain `FusionWeightStats` or no initialized copy).

    # Parameters

    stats : `Dict[str, Sequence[FusionWeightStats]]`
        Language -> statistics of every step (`FusionWeightStats` for the channel columns).
    """
    rows: List[Sequence[str]] = [("language", "step") + tuple(h for h, _ in _COLUMNS)]
    for language, items in stats.items():
        for item in items:
            rows.append(
                (language, item.step)
                + tuple(_format(getattr(item, name, None)) for _, name in _COLUMNS)
            )
    return format_text_table(rows, num_label_columns=2)


def _format(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"
