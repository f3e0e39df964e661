// Parts shared by every PAWS-X config: the reader, the data, the classification head and the
// XTREME fine-tuning recipe (lr 2e-5, 5 epochs, max length 128, batch 32, model selected on
// English dev accuracy every ~200 steps).
//
// Defaults are the real thing: bert-base-multilingual-cased from the Hugging Face hub and the
// official PAWS-X release, read through cached_path (`URL!member` opens a file inside the
// tarball). Point a config elsewhere with --overrides, e.g.
//   --overrides '{"train_data_path": "/data/x-final/en/train.tsv", ...}'
// `allennlp xfuse-overrides CONFIG MODEL` prints the overrides that run a config on another
// encoder (model name everywhere, sizes, layers scaled to its depth, data, validation on/off);
// `allennlp xfuse-tiny-model DIR` those that run it on a tiny local model and the bundled sample.
//
// Device: no config sets trainer.cuda_device, so AllenNLP's trainer takes GPU 0 when there is
// one and the CPU otherwise. (`allennlp evaluate` and `predict` default to the CPU: give them
// --cuda-device 0.)
local pawsx_release = 'https://storage.googleapis.com/paws/pawsx/x-final.tar.gz!x-final/';

// The fusion layers start from scratch, while the encoder and the pooler are pretrained: at the
// encoder's 2e-5, with linear decay over PAWS-X's 7,720 steps, the fusion gates barely move (on
// a toy task whose optimum is W -> 1, mean W went from 0.5 to 0.59; to 0.98 at 1e-3). So the
// fusion parameters get their own learning rate (same schedule, same linear decay).
local fusion_lr = 1e-3;

// The parameters of the fusion encoder's fusion steps, as basic_classifier names them
// (`_seq2vec_encoder.fusion.<...>`). Not the head (`_seq2vec_encoder.pooler.<...>`): it is
// pretrained, so it keeps the encoder's lr.
local fusion_parameters = '^_seq2vec_encoder\\.fusion\\.';

// Model selection as XTREME's: English dev every ~200 steps over 5 passes, best kept. An
// AllenNLP epoch is cut to 193 batches (the loader carries on where it stopped, so the data
// order is that of plain passes): English PAWS-X train is 49,401 pairs = 1,544 batches of 32 per
// pass = 8 x 193, so 40 epochs are 5 passes and 7,720 steps, the same steps and linear decay
// as 5 plain epochs, with 40 dev evaluations instead of 5 (XTREME: ~39). The numbers assume
// that train set and batch size: `allennlp xfuse-overrides` recomputes them for other local
// data (allennlp_xfuse/training/selection_schedule.py). Plain per-pass epochs instead:
//   --overrides '{"data_loader.batches_per_epoch": null, "trainer.num_epochs": 5}'
local batches_per_validation = 193;
local num_validations = 40;
// AllenNLP's batches, each padded in one array per key instead of one tensor per pair: the
// input side of `allennlp evaluate` and `xfuse-report` keeps up with a GPU (README, Benchmarks).
local collate_fn = { type: 'batched_padding' };

{
  model_name: 'bert-base-multilingual-cased',
  hidden_size: 768,
  max_length: 128,
  batch_size: 32,

  // Mixed precision (trainer.use_amp: fp16 autocast and gradient scaling). Off by default because
  // AllenNLP refuses AMP on the CPU ("Using AMP requires a cuda device") and the configs must run
  // anywhere; on a GPU switch it on with --overrides '{"trainer.use_amp": true}'.
  use_amp: false,

  // The classification head of every config: XTREME's (BertForSequenceClassification), i.e.
  // BERT's pretrained pooler (dense + tanh on [CLS]) before basic_classifier's linear layer.
  // The baseline uses it as its seq2vec encoder; the fusion encoders pool their fused tokens
  // through it (`pooler`), so baseline and fusion differ only in the fusion. The raw [CLS]
  // instead is one override away:
  //   baseline: --overrides '{"model.seq2vec_encoder": {"type": "cls_pooler", "embedding_dim": 768}}'
  //   dlfa/aif: --overrides '{"model.seq2vec_encoder.pooler": null}'  (then `pooling` applies)
  head: { type: 'bert_pooler', pretrained_model: $.model_name },

  // config(embedder, encoder): a full experiment around a token embedder and a seq2vec encoder.
  config(embedder, encoder):: {
    dataset_reader: {
      type: 'pawsx',
      tokenizer: {
        type: 'pretrained_transformer',
        model_name: $.model_name,
        // the reader adds [CLS] s1 [SEP] s2 [SEP] itself, after truncating the pair
        add_special_tokens: false,
      },
      token_indexers: {
        tokens: { type: 'pretrained_transformer', model_name: $.model_name },
      },
      max_length: $.max_length,
    },
    train_data_path: pawsx_release + 'en/train.tsv',
    validation_data_path: pawsx_release + 'en/dev_2k.tsv',
    // zero-shot: evaluate every language's test_2k.tsv with `allennlp evaluate` afterwards
    model: {
      type: 'basic_classifier',
      text_field_embedder: { token_embedders: { tokens: embedder } },
      seq2vec_encoder: encoder,
      dropout: 0.1,
      // wordpiece ids come from the transformer's vocabulary, not AllenNLP's "tokens"
      // namespace; naming an (empty) namespace of their own keeps make_output_human_readable
      // from decoding them against the wrong vocabulary
      namespace: 'tags',
    },
    data_loader: {
      // On a small GPU, use batch_size 8, trainer.num_gradient_accumulation_steps 4 and
      // batches_per_epoch 772 (4 x 193: an epoch counts batches, not optimizer steps).
      batch_size: $.batch_size,
      shuffle: true,
      batches_per_epoch: batches_per_validation,
      collate_fn: collate_fn,
    },
    validation_data_loader: { batch_size: 64, shuffle: false, collate_fn: collate_fn },
    trainer: {
      num_epochs: num_validations,
      validation_metric: '+accuracy',
      optimizer: {
        type: 'huggingface_adamw',
        lr: 2e-5,
        weight_decay: 0.0,
      },
      learning_rate_scheduler: { type: 'linear_with_warmup', warmup_steps: 0 },
      grad_norm: 1.0,
      use_amp: $.use_amp,
    },
  },

  // Robust training (Huang et al., EMNLP 2021), as data: the `*_robust.jsonnet` configs are
  // their standard config plus `robust_training`, which trains on the English training data
  // and a perturbed copy of it (`allennlp xfuse-perturb`, see README "Robust training"). The
  // copy is looked for at `robust_train_data_path`, relative to the directory `allennlp train`
  // runs in; another copy, several copies or other originals (a comma list or a glob):
  //   --overrides '{"train_data_path": "/data/x-final/en/train.tsv,/data/robust/train.*.jsonl"}'
  // A JSON-lines file in train_data_path is what marks a run as robust (`+robust` in the report).
  robust_train_data_path: 'data/pawsx_robust/en/train.charnoise.jsonl',

  // With one perturbed copy a pass is 98,802 pairs = 3,088 batches of 32: an epoch of 206
  // batches (15 per pass, English dev every 206 steps) and 75 epochs are 5 passes (15,450
  // steps, as 5 plain passes' 15,440 within one epoch), selection_schedule(98802, 32). So the
  // robust model sees every original pair as often as the standard one, and every perturbed
  // copy as often again (twice the steps). `allennlp xfuse-overrides` recomputes the numbers
  // for other local data.
  robust_training:: {
    train_data_path: pawsx_release + 'en/train.tsv,' + $.robust_train_data_path,
    data_loader+: { batches_per_epoch: 206 },
    trainer+: { num_epochs: 75 },
  },

  // fusion_config(embedder, encoder): config() around a fusion encoder (dlfa, aif): the fused
  // tokens go through `head`, and the fusion parameters train at `fusion_lr`. (Only here: the
  // baseline has no fusion parameters, and AllenNLP warns about a group that matches nothing.)
  fusion_config(embedder, encoder):: $.config(embedder, encoder { pooler: $.head }) + {
    trainer+: {
      optimizer+: { parameter_groups: [[[fusion_parameters], { lr: fusion_lr }]] },
    },
  },
}
