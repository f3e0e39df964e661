// Parts shared by the NER (WikiANN / PAN-X) and POS (Universal Dependencies) configs: the
// readers, the data, the tagging heads and XTREME's fine-tuning recipe for both tasks
// (google-research/xtreme scripts/train_panx.sh and train_udpos.sh, run_tag.py): lr 2e-5,
// 10 epochs, max length 128 wordpieces, batch 32 (8 x 4 gradient accumulation for mBERT),
// AdamW without weight decay, linear decay without warmup, gradient norm 1.0, the first
// wordpiece of each word carries its label, model selected on English dev (PAN-X span F1,
// UD POS seqeval F1 there, accuracy here).
//
// Departures from XTREME, all documented in README:
// - selection once per epoch (the training sets are about 20k sentences: ~625 steps an epoch),
//   where XTREME evaluates English dev every 1000 (PAN-X) or 500 (UD POS) steps;
// - long sentences are folded, not split: XTREME cuts a sentence into separate examples of at
//   most 128 wordpieces; here the indexer and embedder (max_length 128) encode every 128-piece
//   window of the sentence separately and put them back together, so each sentence stays one
//   instance and every word is tagged and scored;
// - NER uses allennlp-models' crf_tagger (XTREME: a softmax per token); its CRF transitions
//   start random, so they train at the fusion learning rate, not at the encoder's 2e-5;
// - UD multiword tokens: the syntactic words are tagged, as UD defines them (XTREME replaces
//   them by the surface form with one head word's tag).
//
// Defaults are the real thing: bert-base-multilingual-cased from the Hugging Face hub,
// UD 2.5 as XTREME uses it (read through cached_path from the LINDAT tarball, `URL!member`), and
// PAN-X from a local copy: PAN-X has no direct download (XTREME asks for AmazonPhotos.zip from
// the Amazon Drive link in its scripts/download_data.sh). Unzip it where you run allennlp:
//   unzip -j AmazonPhotos.zip -d panx_dataset
// and the configs read panx_dataset/en.tar.gz!train and !dev (each <lang>.tar.gz holds train,
// dev and test); evaluate with panx_dataset/de.tar.gz!test. Elsewhere, give the paths with
// --overrides '{"train_data_path": "...", "validation_data_path": "..."}'.
//
// Device: no config sets trainer.cuda_device, so AllenNLP's trainer takes GPU 0 when there is
// one and the CPU otherwise (`allennlp evaluate` / `predict` default to the CPU: --cuda-device 0).
local ud_release = 'https://lindat.mff.cuni.cz/repository/xmlui/bitstream/handle/11234/1-3105/ud-treebanks-v2.5.tgz!ud-treebanks-v2.5/';
// XTREME trains on every English UD 2.5 train file (its preprocessing drops sentences whose text
// the treebank does not distribute) and selects on all English dev files: EWT, GUM, LinES and
// ParTUT here.
local english_treebanks = [
  'UD_English-EWT/en_ewt', 'UD_English-GUM/en_gum', 'UD_English-LinES/en_lines',
  'UD_English-ParTUT/en_partut',
];
local english_ud(split) = std.join(',', [ud_release + t + '-ud-' + split + '.conllu' for t in english_treebanks]);
local panx_dir = 'panx_dataset/';

// The fusion layers (and the CRF transitions) start from scratch, while the encoder is
// pretrained: at the encoder's 2e-5 they barely move (see pawsx_common.libsonnet), so they get
// their own learning rate, with the same linear decay.
local new_parameters_lr = 1e-3;
// Parameter names as crf_tagger and simple_tagger give them (`encoder.fusion.<...>`, `crf.<...>`).
local fusion_parameters = '^encoder\\.fusion\\.';
local crf_parameters = '^crf\\.';

{
  model_name: 'bert-base-multilingual-cased',
  hidden_size: 768,
  // wordpieces per window, [CLS]/[SEP] included (longer sentences are folded, see above)
  max_length: 128,
  batch_size: 32,
  num_epochs: 10,
  // XTREME labels a word by its first wordpiece
  sub_token_mode: 'first',
  // Mixed precision: off because AllenNLP refuses AMP on the CPU; on a GPU:
  // --overrides '{"trainer.use_amp": true}'.
  use_amp: false,

  panx_train: panx_dir + 'en.tar.gz!train',
  panx_dev: panx_dir + 'en.tar.gz!dev',
  ud_train: english_ud('train'),
  ud_dev: english_ud('dev'),

  indexers: {
    tokens: { type: 'pretrained_transformer_mismatched', model_name: $.model_name, max_length: $.max_length },
  },

  // The baseline: the last layer of the stock mismatched embedder, passed through unchanged.
  baseline_embedder: {
    type: 'pretrained_transformer_mismatched',
    model_name: $.model_name,
    max_length: $.max_length,
    sub_token_mode: $.sub_token_mode,
  },
  baseline_encoder: { type: 'pass_through', input_dim: $.hidden_size },

  // Several layers per word (`layers`: hidden_states indices, ascending, the top layer last),
  // fused per word by a Seq2Seq fusion encoder ("dlfa" or "aif").
  multilayer_embedder(layers):: {
    type: 'multilayer_pretrained_transformer_mismatched',
    model_name: $.model_name,
    max_length: $.max_length,
    sub_token_mode: $.sub_token_mode,
    layers: layers,
  },
  fusion_encoder(type, layers):: {
    type: type,
    input_dim: std.length(layers) * $.hidden_size,
    num_layers: std.length(layers),
    reduction_ratio: 4,
  },

  // The experiment around a tagger model; `new_parameters`: regexes of the parameters that
  // start from scratch and train at new_parameters_lr (none: one learning rate).
  config(reader, train, dev, model, metric, new_parameters):: {
    dataset_reader: { type: reader, token_indexers: $.indexers },
    train_data_path: train,
    validation_data_path: dev,
    // zero-shot: evaluate each language's test file with `allennlp evaluate` afterwards
    model: model,
    data_loader: { batch_size: $.batch_size, shuffle: true },
    validation_data_loader: { batch_size: 64, shuffle: false },
    trainer: {
      num_epochs: $.num_epochs,
      validation_metric: metric,
      optimizer: {
        type: 'huggingface_adamw',
        lr: 2e-5,
        weight_decay: 0.0,
        [if std.length(new_parameters) > 0 then 'parameter_groups']:
          [[new_parameters, { lr: new_parameters_lr }]],
      },
      learning_rate_scheduler: { type: 'linear_with_warmup', warmup_steps: 0 },
      grad_norm: 1.0,
      use_amp: $.use_amp,
    },
  },

  // NER on PAN-X: allennlp-models' crf_tagger, BIO spans, span F1 on English dev.
  ner_config(embedder, encoder, fusion=false):: $.config(
    'panx', $.panx_train, $.panx_dev,
    {
      type: 'crf_tagger',
      text_field_embedder: { token_embedders: { tokens: embedder } },
      encoder: encoder,
      label_encoding: 'BIO',
      // decoding never produces an invalid BIO sequence (e.g. O -> I-PER)
      constrain_crf_decoding: true,
      include_start_end_transitions: true,
      calculate_span_f1: true,
      // the dropout of BERT's token classification head
      dropout: 0.1,
    },
    '+f1-measure-overall',
    [crf_parameters] + (if fusion then [fusion_parameters] else []),
  ),

  // POS on UD: simple_tagger (a linear layer and a softmax per word, as XTREME's head),
  // accuracy on English dev.
  pos_config(embedder, encoder, fusion=false):: $.config(
    'ud_pos', $.ud_train, $.ud_dev,
    {
      type: 'simple_tagger',
      text_field_embedder: { token_embedders: { tokens: embedder } },
      encoder: encoder,
    },
    '+accuracy',
    if fusion then [fusion_parameters] else [],
  ),
}
