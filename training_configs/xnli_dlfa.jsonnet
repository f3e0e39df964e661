// Double-layer feature aggregation (DLFA) on XNLI: the last mBERT layer fused with one lower
// layer by attentional fusion. Change the fusion layer here, or sweep it with
// `allennlp xfuse-sweep`.
local common = import 'xnli_common.libsonnet';
local fusion_layer = 9;  // hidden_states index: 0 = embeddings, 1..12 = transformer layers
local layers = [fusion_layer, -1];

common.fusion_config(
  embedder={
    type: 'multilayer_pretrained_transformer',
    model_name: common.model_name,
    layers: layers,
  },
  encoder={
    type: 'dlfa',
    input_dim: std.length(layers) * common.hidden_size,
    num_layers: std.length(layers),
    reduction_ratio: 4,
    // without the shared head (`pooler: null`): the fused [CLS] itself
    pooling: 'cls',
  },
)
