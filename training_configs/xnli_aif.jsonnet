// Attentional fusion over several layers (AIF) on XNLI: starting from the last layer, each
// lower layer is fused in by its own attentional fusion step (top to bottom).
local common = import 'xnli_common.libsonnet';
local layers = [3, 6, 9, -1];  // hidden_states indices, ascending, the top layer last

common.fusion_config(
  embedder={
    type: 'multilayer_pretrained_transformer',
    model_name: common.model_name,
    layers: layers,
  },
  encoder={
    type: 'aif',
    input_dim: std.length(layers) * common.hidden_size,
    num_layers: std.length(layers),
    reduction_ratio: 4,
    // without the shared head (`pooler: null`): the fused [CLS] itself
    pooling: 'cls',
  },
)
