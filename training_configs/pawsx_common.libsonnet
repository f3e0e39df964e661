// Parts shared by every PAWS-X config: the reader, the data, the classifier head and the
// XTREME fine-tuning recipe (lr 2e-5, 5 epochs, max length 128, batch 32, model selected on
// English dev accuracy).
//
// Defaults are the real thing: bert-base-multilingual-cased from the Hugging Face hub and the
// official PAWS-X release, read through cached_path (`URL!member` opens a file inside the
// tarball). Point a config elsewhere with --overrides, e.g.
//   --overrides '{"train_data_path": "/data/x-final/en/train.tsv", ...}'
// `allennlp xfuse-tiny-model DIR` prints the overrides that run it on a tiny local model and the
// bundled sample.
local pawsx_release = 'https://storage.googleapis.com/paws/pawsx/x-final.tar.gz!x-final/';

{
  model_name: 'bert-base-multilingual-cased',
  hidden_size: 768,
  max_length: 128,
  batch_size: 32,

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
      // On a small GPU, use batch_size 8 and trainer.num_gradient_accumulation_steps 4.
      batch_size: $.batch_size,
      shuffle: true,
    },
    validation_data_loader: { batch_size: 64, shuffle: false },
    trainer: {
      num_epochs: 5,
      validation_metric: '+accuracy',
      optimizer: {
        type: 'huggingface_adamw',
        lr: 2e-5,
        weight_decay: 0.0,
        // the fusion layers start from scratch; a larger lr for them would go here
      },
      learning_rate_scheduler: { type: 'linear_with_warmup', warmup_steps: 0 },
      grad_norm: 1.0,
      cuda_device: -1,
    },
  },
}
