"""AllenNLP's own model checks on models that use the xfuse components.

`ensure_model_can_train_save_and_load` trains through `train_model_from_file`, archives,
reloads, checks every trainable parameter gets a gradient and that the reloaded model predicts
the same outputs on the same batch.
"""

import json

import pytest
from allennlp.common.testing import ModelTestCase

from tests.helpers import CONFIG_DIR, REPO_ROOT, tiny_training_overrides

# BERT's pooler is never used (the fusion encoders pool themselves), so it gets no gradient.
# (basic_classifier names its embedder `_text_field_embedder`, simple_tagger without the `_`.)
POOLER = {
    f"{owner}text_field_embedder.token_embedder_tokens.{prefix}transformer_model.pooler.dense.{p}"
    for owner in ("", "_")
    for prefix in ("", "_matched_embedder.")
    for p in ("weight", "bias")
}


class TestModelsWithFusion(ModelTestCase):
    @pytest.fixture(autouse=True)
    def _tiny_model(self, tiny_model_dir):
        self.tiny_model_dir = tiny_model_dir

    @pytest.mark.parametrize("config_name", ["pawsx_dlfa", "pawsx_aif", "pawsx_baseline"])
    def test_classifier_trains_saves_and_reloads(self, config_name):
        overrides = tiny_training_overrides(
            config_name, self.tiny_model_dir, num_epochs=1, train_split="dev_2k"
        )
        self.ensure_model_can_train_save_and_load(
            CONFIG_DIR / f"{config_name}.jsonnet",
            overrides=json.dumps(overrides),
            gradients_to_ignore=POOLER,
            tolerance=1e-5,
        )

    @pytest.mark.parametrize("fusion", ["aif", "concat", "scalar_mix"])
    @pytest.mark.parametrize("encoder_type", ["dlfa", "aif"])
    def test_tagger_with_seq2seq_fusion(self, encoder_type, fusion):
        model_name = self.tiny_model_dir
        with open(f"{model_name}/config.json", encoding="utf-8") as config_file:
            hidden = json.load(config_file)["hidden_size"]
        overrides = {
            "dataset_reader.token_indexers.tokens.model_name": model_name,
            "model.text_field_embedder.token_embedders.tokens.model_name": model_name,
            "model.encoder.type": encoder_type,
            "model.encoder.input_dim": 2 * hidden,
            "model.encoder.fusion": fusion,
            "train_data_path": str(REPO_ROOT / "tests" / "fixtures" / "tagging.txt"),
            "validation_data_path": str(REPO_ROOT / "tests" / "fixtures" / "tagging.txt"),
        }
        self.ensure_model_can_train_save_and_load(
            REPO_ROOT / "tests" / "fixtures" / "tagger_fusion.jsonnet",
            overrides=json.dumps(overrides),
            gradients_to_ignore=POOLER,
            tolerance=1e-5,
        )
