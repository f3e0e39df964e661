// POS baseline (Universal Dependencies UPOS, train on English, test zero-shot on XTREME's 33
// languages): the last mBERT layer of the stock mismatched embedder, a linear tagger
// (simple_tagger) on top.
local common = import 'tagging_common.libsonnet';

common.pos_config(embedder=common.baseline_embedder, encoder=common.baseline_encoder)
