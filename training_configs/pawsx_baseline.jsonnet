// The paper's baseline: the last mBERT layer only, [CLS] vector, linear classifier.
local common = import 'pawsx_common.libsonnet';

common.config(
  embedder={ type: 'pretrained_transformer', model_name: common.model_name },
  encoder={ type: 'cls_pooler', embedding_dim: common.hidden_size },
)
