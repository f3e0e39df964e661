"""
The per-channel statistics of the AIF weights (`FusionWeightCollector.channel_results`): checked
against values computed by hand on a hand-built `W` with padding, the shift from a freshly
initialized copy, the report's channel tables and the printed `xfuse-inspect` table.
"""
import copy
from typing import List, Optional

import pytest
import torch

from allennlp_xfuse.commands.inspect import format_inspection
from allennlp_xfuse.modules import AifSeq2VecEncoder
from allennlp_xfuse.report.fusion_weights import FusionWeightCollector, initial_fusion_encoder
from allennlp_xfuse.report.records import FusionWeightStats, MetricsRecord
from allennlp_xfuse.report.tables import build_fusion_channel_tables, build_fusion_weight_table

# Real tokens: row 0 has two, row 1 one; the rest is padding, filled with W = 0, which would
# drag every mean down and count as saturated if it were not left out.
REAL_WEIGHTS = [
    [[0.05, 0.5, 0.95, 0.6], [0.15, 0.5, 0.85, 0.2]],
    [[0.10, 0.2, 0.99, 0.4]],
]
MASK = torch.tensor([[True, True, False], [True, False, False]])


class _FixedWeightEncoder(torch.nn.Module):
    """Stands in for a fusion encoder whose last `W` is given."""

    def __init__(self, weights: torch.Tensor) -> None:
        super().__init__()
        self.weights = weights

    def forward(self, inputs: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return inputs

    def fusion_weights(self) -> List[torch.Tensor]:
        return [self.weights]


class _Model(torch.nn.Module):
    """Calls its encoder the way `basic_classifier` does, with the batch's metadata."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor, metadata: List[dict]) -> None:
        self.encoder(tokens, mask=mask)


def _hand_built_weights() -> torch.Tensor:
    weights = torch.zeros(2, 3, 4)
    for row, tokens in enumerate(REAL_WEIGHTS):
        weights[row, : len(tokens)] = torch.tensor(tokens)
    return weights


def _collect(languages: List[str]) -> dict:
    model = _Model(_FixedWeightEncoder(_hand_built_weights()))
    collector = FusionWeightCollector(model, step_labels=["L1"])
    model(tokens=torch.zeros(2, 3, 4), mask=MASK,
          metadata=[{"language": language} for language in languages])
    return collector.channel_results()


def test_channel_statistics_by_hand():
    (stats,) = _collect(["de", "de"])["de"]
    assert stats.step == "L1" and stats.lower_layer == 1
    assert stats.num_tokens == 3 and stats.num_channels == 4
    # each channel's mean W over the three real tokens: 0.1, 0.4, 0.93, 0.4
    assert stats.channel_min == pytest.approx(0.1)
    assert stats.channel_max == pytest.approx(0.93)
    assert stats.channel_median == pytest.approx(0.4)
    # linear interpolation between the sorted channel means 0.1, 0.4, 0.4, 0.93
    assert stats.channel_q10 == pytest.approx(0.1 + 0.3 * 0.3)
    assert stats.channel_q25 == pytest.approx(0.1 + 0.75 * 0.3)
    assert stats.channel_q75 == pytest.approx(0.4 + 0.25 * 0.53)
    assert stats.channel_q90 == pytest.approx(0.4 + 0.7 * 0.53)
    mean = (0.1 + 0.4 + 0.93 + 0.4) / 4
    variance = ((0.1 - mean) ** 2 + 2 * (0.4 - mean) ** 2 + (0.93 - mean) ** 2) / 4
    assert stats.channel_std == pytest.approx(variance ** 0.5)
    assert stats.mean == pytest.approx(1 - mean)
    # saturated: 0.05 below 0.1 (0.10 is not), 0.95 and 0.99 above 0.9, out of 12 gates
    assert stats.saturated_low == pytest.approx(1 / 12)
    assert stats.saturated_high == pytest.approx(2 / 12)
    assert stats.saturated == pytest.approx(3 / 12)
    # no initialized copy to compare with
    assert stats.initial_mean is None and stats.initial_shift is None
    assert stats.moved_channels is None


def test_channel_statistics_per_language():
    stats = _collect(["de", "ja"])
    assert stats["de"][0].num_tokens == 2 and stats["ja"][0].num_tokens == 1
    assert stats["ja"][0].channel_min == pytest.approx(0.1)
    assert stats["ja"][0].channel_max == pytest.approx(0.99)
    assert stats["de"][0].channel_max == pytest.approx(0.9)
    assert stats["de"][0].saturated == pytest.approx(2 / 8)


def _encoder() -> AifSeq2VecEncoder:
    return AifSeq2VecEncoder(input_dim=3 * 16, num_layers=3, reduction_ratio=4)


def _run(model: _Model, seed: int = 0) -> None:
    generator = torch.Generator().manual_seed(seed)
    mask = torch.arange(6)[None, :] < torch.tensor([6, 4, 2, 1])[:, None]
    with torch.no_grad():
        model(tokens=torch.randn(4, 6, 48, generator=generator), mask=mask,
              metadata=[{"language": "fr"}] * 4)


def test_initialization_shift_is_zero_untrained_and_positive_after_perturbing():
    torch.manual_seed(3)
    encoder = _encoder().eval()
    initial = copy.deepcopy(encoder)  # before the collector hooks the encoder
    model = _Model(encoder)
    collector = FusionWeightCollector(model, step_labels=["L2", "L1"])
    collector.compare_with_initialization(initial)
    _run(model)
    untrained = collector.channel_results()["fr"]
    assert [s.step for s in untrained] == ["L2", "L1"]
    for stats in untrained:
        assert stats.initial_shift == pytest.approx(0.0, abs=1e-7)
        assert stats.moved_channels == 0.0
        assert stats.initial_mean == pytest.approx(0.95, abs=2e-3)
        # the default initialization starts every gate at 0.95: all saturated high
        assert stats.saturated_high == 1.0

    # half of the channels of the top step now lean to the lower layer
    with torch.no_grad():
        bias = encoder.fusion.steps[0].attention.local_branch.expand_norm.bias
        bias[:8] -= 6.0
    collector.reset()
    _run(model)
    top, lower = collector.channel_results()["fr"]
    assert top.initial_shift > 0.3
    assert top.moved_channels == pytest.approx(0.5)
    assert top.channel_min < 0.1 and top.channel_max > 0.9
    assert top.saturated_low == pytest.approx(0.5) and top.saturated_high == pytest.approx(0.5)
    assert lower.moved_channels == 0.0


def test_initial_encoder_from_config_matches_an_untrained_model():
    config = {
        "model": {
            "type": "basic_classifier",
            "seq2vec_encoder": {
                "type": "aif", "input_dim": 48, "num_layers": 3, "reduction_ratio": 4,
                # would need pretrained weights to build: must be left out
                "pooler": {"type": "bert_pooler", "pretrained_model": "/nonexistent"},
            },
        }
    }
    initial = initial_fusion_encoder(config)
    assert isinstance(initial, AifSeq2VecEncoder) and not initial.training
    assert initial.pooler is None
    assert initial_fusion_encoder({"model": {"type": "basic_classifier"}}) is None

    torch.manual_seed(5)  # another random draw than the reference's
    model = _Model(_encoder().eval())
    collector = FusionWeightCollector(model)
    collector.compare_with_initialization(initial)
    _run(model)
    for stats in collector.channel_results()["fr"]:
        # both start within about 0.001 of initial_top_weight, whatever the draw
        assert stats.initial_shift < 5e-3
        assert stats.moved_channels == 0.0


def _stats(step: str, median: float) -> FusionWeightStats:
    return FusionWeightStats(
        step=step, mean=0.5, std=0.001, num_tokens=40, num_channels=16,
        channel_min=0.01, channel_q10=0.05, channel_q25=0.2, channel_median=median,
        channel_q75=0.8, channel_q90=0.95, channel_max=0.99, channel_std=0.26,
        saturated=0.126, saturated_low=0.06, saturated_high=0.066,
        initial_mean=0.95, initial_shift=0.4, moved_channels=0.75,
    )


def test_format_inspection_prints_the_channel_columns():
    printed = format_inspection({"de": [_stats("L9", 0.5)]})
    header, _, row = printed.splitlines()
    assert header.split() == [
        "language", "step", "tokens", "1-W", "mean", "W", "min", "q10", "q25", "median", "q75",
        "q90", "max", "ch", "std", "W<0.1", "W>0.9", "W0", "mean", "|W-W0|", "moved",
    ]
    assert row.split() == [
        "de", "L9", "40", "0.500", "0.010", "0.050", "0.200", "0.500", "0.800", "0.950",
        "0.990", "0.260", "0.060", "0.066", "0.950", "0.400", "0.750",
    ]


def test_report_channel_tables():
    records = [
        MetricsRecord(model="aif", family="aif", seed=seed, language=language, kind="clean",
                      accuracy=0.8, fusion_weights=[_stats("L9", 0.5 + 0.1 * seed)])
        for seed in (1, 2) for language in ("en", "de")
    ]
    tables = {table.name: table for table in build_fusion_channel_tables(records)}
    assert sorted(tables) == [
        "fusion_channel_std/clean", "fusion_initial_shift/clean", "fusion_median/clean",
        "fusion_moved_channels/clean", "fusion_saturated/clean",
    ]
    (row,) = tables["fusion_median/clean"].rows
    assert row.step == "L9"
    assert row.cells["de"].mean == pytest.approx(0.65)
    assert row.cells["de"].n == 2
    assert tables["fusion_saturated/clean"].rows[0].cells["en"].mean == pytest.approx(0.126)
    # the old table is unchanged, and plain statistics give no channel tables
    assert build_fusion_weight_table(records).rows[0].cells["de"].mean == pytest.approx(0.5)
    for record in records:
        record.fusion_weights = [
            FusionWeightStats(step="L9", mean=0.5, std=0.1, num_tokens=4)
        ]
    assert build_fusion_channel_tables(records) == []
