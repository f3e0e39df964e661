// The paper's baseline: the last mBERT layer only, XTREME's head (BERT's pretrained pooler on
// [CLS], then a linear classifier), as in XTREME's published mBERT PAWS-X numbers.
local common = import 'pawsx_common.libsonnet';

common.config(
  embedder={ type: 'pretrained_transformer', model_name: common.model_name },
  encoder=common.head,
)
