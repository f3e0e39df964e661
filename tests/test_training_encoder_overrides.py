"""Moving the shipped configs to another encoder and other data: layers scaled to the encoder's
depth, XTREME's model-selection schedule, validation off, and `allennlp xfuse-overrides`."""
import json

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.training.overrides import (
    LAYERS_KEY,
    model_and_data_overrides,
    scale_layers,
)
from allennlp_xfuse.training.selection_schedule import selection_schedule
from tests.helpers import CONFIG_DIR, run_subcommand, sample_file

AIF = str(CONFIG_DIR / "pawsx_aif.jsonnet")
DLFA = str(CONFIG_DIR / "pawsx_dlfa.jsonnet")

# English PAWS-X train (49,401 pairs) in batches of 32, as the shipped configs train.
PAWSX_TRAIN_PAIRS = 49_401


@pytest.mark.parametrize(
    "num_layers, expected",
    [
        (12, [3, 6, 9, -1]),
        (24, [6, 12, 18, -1]),  # XLM-R large, mBERT-large depths
        (6, [2, 3, 5, -1]),  # 1.5 and 4.5 round half up
        (4, [1, 2, 3, -1]),
    ],
)
def test_layers_keep_their_relative_depth(num_layers, expected):
    assert scale_layers([3, 6, 9, -1], num_layers) == expected


def test_layers_stay_below_the_top_and_never_merge():
    # 11 of 12 on a 6-layer encoder would be 5.5 -> 6, the top itself: kept just below it
    assert scale_layers([11, -1], 6) == [5, -1]
    assert scale_layers([0, 9, -1], 24) == [0, 18, -1]
    with pytest.raises(ConfigurationError, match=r"map to \[1, 2, 2, -1\].*repeats a layer"):
        scale_layers([3, 6, 9, -1], 3)


def test_the_shipped_schedule_is_xtremes_for_english_pawsx():
    schedule = selection_schedule(PAWSX_TRAIN_PAIRS, 32)
    # 1,544 batches per pass = 8 epochs of 193: dev every 193 steps (XTREME: 200)
    assert schedule == (193, 40)
    # the same number of steps, hence the same linear decay, as 5 plain epochs
    assert schedule.batches_per_epoch * schedule.num_epochs == 5 * 1544
    for config in ("pawsx_baseline", "pawsx_dlfa", "pawsx_aif"):
        params = Params.from_file(str(CONFIG_DIR / f"{config}.jsonnet"))
        assert params["data_loader"]["batches_per_epoch"] == schedule.batches_per_epoch
        assert params["trainer"]["num_epochs"] == schedule.num_epochs
        assert params["trainer"]["learning_rate_scheduler"]["type"] == "linear_with_warmup"


def test_schedule_for_other_data_sizes():
    # a pass shorter than ~200 batches: validate once per pass, 5 passes
    assert selection_schedule(720, 32) == (None, 5)
    # 392,702 MultiNLI pairs: 12,272 batches per pass -> 61 epochs of 201 per pass
    schedule = selection_schedule(392_702, 32)
    assert schedule == (201, 305)
    assert abs(schedule.batches_per_epoch * schedule.num_epochs - 5 * 12_272) < 201
    with pytest.raises(ValueError, match="positive sizes"):
        selection_schedule(0, 32)


def test_overrides_for_a_deeper_wider_encoder_load_into_every_config():
    overrides = model_and_data_overrides(AIF, "xlm-roberta-large", hidden_size=1024, num_layers=24)
    assert overrides[LAYERS_KEY] == [6, 12, 18, -1]
    assert overrides["model.seq2vec_encoder.input_dim"] == 4 * 1024
    params = Params.from_file(AIF, json.dumps(overrides))
    assert params["model"]["seq2vec_encoder"]["pooler"]["pretrained_model"] == "xlm-roberta-large"
    # the config's own schedule stays: the data did not change
    assert params["trainer"]["num_epochs"] == 40


def test_other_local_data_gets_its_own_schedule_and_validation_can_be_off(tiny_model_dir):
    train = str(sample_file("en", "train"))
    overrides = model_and_data_overrides(
        DLFA, tiny_model_dir, train_data_path=train, validation=False
    )
    params = Params.from_file(DLFA, json.dumps(overrides))
    assert params["train_data_path"] == train
    assert params.get("validation_data_path") is None
    # 720 sample pairs are 23 batches: one validation (here: one epoch) per pass, 5 passes
    assert params["data_loader"].get("batches_per_epoch") is None
    assert params["trainer"]["num_epochs"] == 5
    with pytest.raises(ConfigurationError, match="with validation off"):
        model_and_data_overrides(
            DLFA, tiny_model_dir, validation_data_path=train, validation=False
        )


def test_xfuse_overrides_prints_the_command(tiny_model_dir, capsys):
    run_subcommand("xfuse-overrides", AIF, tiny_model_dir, "--num-layers", "6")
    output = capsys.readouterr().out
    assert f"{tiny_model_dir}: 6 layers, hidden size 32." in output
    quoted = output.split("--overrides ")[1].splitlines()[0]
    overrides = json.loads(quoted.strip("'"))
    assert overrides[LAYERS_KEY] == [2, 3, 5, -1]
    assert "allennlp train" in output and "The epochs stay the config's" in output


def test_xfuse_overrides_offline_hub_name_says_what_to_give(capsys):
    with pytest.raises(SystemExit) as error:
        run_subcommand("xfuse-overrides", AIF, "no-such-org/no-such-model")
    assert error.value.code == 2
    message = capsys.readouterr().err
    assert "Could not read the configuration of 'no-such-org/no-such-model'" in message
    assert "--hidden-size, --num-layers" in message
    # given the shape, no hub access is needed
    run_subcommand(
        "xfuse-overrides", AIF, "no-such-org/no-such-model", "--hidden-size", "768",
        "--num-layers", "12", "--overrides-only",
    )
    overrides = json.loads(capsys.readouterr().out)
    assert LAYERS_KEY not in overrides  # 12 layers: the config's own
    assert overrides["model.seq2vec_encoder.input_dim"] == 4 * 768


@pytest.mark.parametrize(
    "text, message",
    [('{"trainer": ', "is not valid JSON/Jsonnet"), ("[1, 2]", "must be a JSON object")],
)
def test_xfuse_overrides_rejects_overrides_that_are_no_object(text, message, capsys):
    # the same parsing and messages as xfuse-sweep's --overrides
    with pytest.raises(SystemExit) as error:
        run_subcommand("xfuse-overrides", AIF, "m", "--hidden-size", "8", "--num-layers", "12",
                       "--overrides", text)
    assert error.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("config_name, train, encoder_key, size", [
    ("xnli_aif", "xnli/train-en.tsv", "model.seq2vec_encoder.input_dim", 4 * 32),
    ("ner_dlfa", "panx/en-train", "model.encoder.input_dim", 2 * 32),
    ("pos_baseline", "udpos/UD_English-Sample/en_sample-ud-train.conllu",
     "model.encoder.input_dim", 32),
])
def test_tiny_overrides_run_every_task_on_its_own_sample(tiny_model_dir, config_name, train,
                                                         encoder_key, size):
    from allennlp_xfuse.training.overrides import tiny_overrides

    config = str(CONFIG_DIR / f"{config_name}.jsonnet")
    overrides = tiny_overrides(tiny_model_dir, config_file=config)
    assert overrides["train_data_path"].endswith(train)
    assert overrides[encoder_key] == size  # the tiny model's width x the fused layers
    assert "validation_data_path" in overrides
    # the XNLI config's 100-batch epochs become one validation per pass of its 60 pairs; the
    # taggers validate once per epoch already and keep their schedule
    tagger = config_name != "xnli_aif"
    assert ("data_loader.batches_per_epoch" in overrides) is not tagger
    params = Params.from_file(config, json.dumps(overrides)).as_flat_dict()
    assert params[encoder_key] == size and params["train_data_path"] == overrides["train_data_path"]
