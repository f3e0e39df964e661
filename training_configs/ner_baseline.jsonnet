// NER baseline (WikiANN / PAN-X, train on English, test zero-shot on XTREME's 40 languages):
// the last mBERT layer of the stock mismatched embedder, a CRF tagger on top.
local common = import 'tagging_common.libsonnet';

common.ner_config(embedder=common.baseline_embedder, encoder=common.baseline_encoder)
