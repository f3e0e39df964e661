// POS tagging (UD) with double-layer feature aggregation: per word, the last mBERT layer fused
// with one lower layer by attentional fusion, then simple_tagger.
local common = import 'tagging_common.libsonnet';
local fusion_layer = 9;  // hidden_states index: 0 = embeddings, 1..12 = transformer layers
local layers = [fusion_layer, -1];

common.pos_config(
  embedder=common.multilayer_embedder(layers),
  encoder=common.fusion_encoder('dlfa', layers),
  fusion=true,
)
