// The paper's baseline on XNLI: the last mBERT layer only, XTREME's head (BERT's pretrained
// pooler on [CLS], then a linear classifier over entailment / neutral / contradiction), as in
// XTREME's published mBERT XNLI numbers.
local common = import 'xnli_common.libsonnet';

common.config(
  embedder={ type: 'pretrained_transformer', model_name: common.model_name },
  encoder=common.head,
)
