"""The report's figures are written, are PNG files, and are not trivially small."""
import os

import pytest

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.report.plots import plot_fusion_weight_bars, write_plots
from allennlp_xfuse.report.records import FusionWeightStats, MetricsRecord
from allennlp_xfuse.report.tables import build_fusion_weight_table, build_tables
from tests.helpers import ADVERSARIAL, FUSION, RUNS, assert_png


@pytest.fixture
def records():
    result = []
    for run, (model, family, layer, seed, accuracies) in RUNS.items():
        for language, accuracy in zip(PAWSX_LANGUAGES, accuracies):
            weights = [
                FusionWeightStats(step=step, mean=mean + 0.01 * PAWSX_LANGUAGES.index(language),
                                  std=0.05, num_tokens=50)
                for step, mean in FUSION.get(run, [])
            ]
            result.append(MetricsRecord(model=model, family=family, fusion_layer=layer, seed=seed,
                                        run=run, language=language, kind="clean",
                                        accuracy=accuracy, fusion_weights=weights))
    for run, language, recipe, target, accuracy, original, success in ADVERSARIAL:
        model, family, layer, seed, _ = RUNS[run]
        result.append(MetricsRecord(model=model, family=family, fusion_layer=layer, seed=seed,
                                    run=run, language=language, kind="adversarial",
                                    recipe=recipe, target=target, accuracy=accuracy,
                                    original_accuracy=original, success_rate=success))
    return result


def test_report_plots_are_valid_pngs(records, tmp_path):
    tables = build_tables(records)
    written = write_plots(tables, build_fusion_weight_table(records), str(tmp_path))
    assert sorted(written) == [
        "accuracy_bars", "accuracy_heatmap", "fusion_weights", "robustness_drop"
    ]
    for path in written.values():
        assert_png(path)
    # atomic saving leaves no temporary files behind
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in written.values())


def test_plots_without_adversarial_or_fusion_data(records, tmp_path):
    clean_baseline = [r for r in records if r.kind == "clean" and r.family == "baseline"]
    for record in clean_baseline:
        record.fusion_weights = []
    written = write_plots(build_tables(clean_baseline), None, str(tmp_path))
    assert sorted(written) == ["accuracy_bars", "accuracy_heatmap"]
    for path in written.values():
        assert_png(path)


def test_inspect_bars(tmp_path):
    stats = {
        language: [FusionWeightStats("L9", 0.2 + 0.01 * i, 0.05, 40),
                   FusionWeightStats("L6", 0.3, 0.1, 40)]
        for i, language in enumerate(PAWSX_LANGUAGES)
    }
    path = plot_fusion_weight_bars(stats, str(tmp_path / "weights.png"), title="aif")
    assert_png(path)
    # per-channel statistics: the bars show the spread across channels (q10-q90)
    channels = {
        language: [FusionWeightStats("L9", 0.4, 0.001, 40, channel_q10=0.1, channel_q90=0.9)]
        for language in PAWSX_LANGUAGES
    }
    assert_png(plot_fusion_weight_bars(channels, str(tmp_path / "channels.png"), title="aif"))
