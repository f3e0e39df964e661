// NER with attentional fusion over several layers (AIF): per word, starting from the last
// layer, each lower layer is fused in by its own attentional fusion step, then the CRF tagger.
local common = import 'tagging_common.libsonnet';
local layers = [3, 6, 9, -1];  // hidden_states indices, ascending, the top layer last

common.ner_config(
  embedder=common.multilayer_embedder(layers),
  encoder=common.fusion_encoder('aif', layers),
  fusion=true,
)
