// Parts shared by every XNLI config: the PAWS-X configs' model, head, optimizer and fusion
// learning rate (pawsx_common.libsonnet), with XNLI's reader, data and selection schedule.
//
// XTREME's XNLI recipe (google-research/xtreme, scripts/train_xnli.sh with
// third_party/run_classify.py), for bert-base-multilingual-cased: lr 2e-5, 5 epochs, max length
// 128, batch 8 x 4 gradient accumulation steps = 32 pairs per optimizer step, AdamW without
// weight decay or warmup, linear decay, gradient norm 1.0; train on English MultiNLI, evaluate
// English dev every 100 steps (--save_steps 100 --save_only_best_checkpoint) and keep the best
// checkpoint; test zero-shot on the 15 XNLI languages. The same as PAWS-X's but for the
// validation interval (100 steps instead of 200) and the data.
//
// Data defaults are the official downloads, read through cached_path (`URL!member` opens a file
// inside the zip): XTREME's own training file, XNLI-MT-1.0's English MultiNLI train set
// (multinli.train.en.tsv, 392,702 pairs, from which XTREME makes its train-en.tsv), and
// XNLI-1.0's dev file, of which the reader keeps the English rows (`languages`; XTREME's
// dev-en.tsv is those 2,490 rows). (MultiNLI 1.0's multinli_1.0_train.jsonl is read too.)
// Zero-shot test, one language at a time (the archived reader keeps the English rows of
// multilingual files):
//   allennlp evaluate model.tar.gz \
//     'https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip!XNLI-1.0/xnli.test.tsv' \
//     --overrides '{"dataset_reader.languages": ["de"]}' --cuda-device 0 \
//     --include-package allennlp_xfuse
// or on one-language files (XTREME's dev-de.tsv, read whole). Other data:
//   --overrides '{"train_data_path": "/data/xnli/train-en.tsv",
//                 "validation_data_path": "/data/xnli/dev-en.tsv"}'
local pawsx = import 'pawsx_common.libsonnet';

local xnli_mt_release = 'https://dl.fbaipublicfiles.com/XNLI/XNLI-MT-1.0.zip!XNLI-MT-1.0/';
local xnli_release = 'https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip!XNLI-1.0/';

// Model selection as XTREME's: English dev every 100 steps over 5 passes, best kept. An AllenNLP
// epoch is cut to 100 batches (the loader carries on where it stopped): English MultiNLI train is
// 392,702 pairs = 12,272 batches of 32 per pass, so 614 epochs of 100 batches are 61,400 steps,
// 5 passes (61,360) within one epoch, with 614 dev evaluations (XTREME: 613). These are
// allennlp_xfuse/training/selection_schedule.py's numbers for that data:
// selection_schedule(392702, 32, steps_between_validations=100). Plain per-pass epochs instead:
//   --overrides '{"data_loader.batches_per_epoch": null, "trainer.num_epochs": 5}'
local batches_per_validation = 100;
local num_validations = 614;

pawsx {
  // config(embedder, encoder): a full XNLI experiment around a token embedder and a seq2vec
  // encoder (fusion_config, inherited, adds the fusion learning rate to it).
  config(embedder, encoder):: super.config(embedder, encoder) + {
    dataset_reader+: {
      type: 'xnli',
      // From files that hold several languages (XNLI-1.0's xnli.dev.tsv / xnli.test.tsv), read
      // the English rows: XTREME selects on English dev only (zero-shot: no target-language
      // data). One-language files (MultiNLI, dev-de.tsv) are read whole.
      languages: ['en'],
    },
    train_data_path: xnli_mt_release + 'multinli/multinli.train.en.tsv',
    validation_data_path: xnli_release + 'xnli.dev.tsv',
    data_loader+: { batches_per_epoch: batches_per_validation },
    trainer+: {
      num_epochs: num_validations,
      // A full training checkpoint (model and optimizer state, about 2 GB for mBERT) at each of
      // the 614 epochs would write over a terabyte; the best model (best.th, what the archive
      // holds) is saved whenever dev improves, whatever the checkpointer does. Checkpoints to
      // resume from are taken every 30 minutes instead.
      checkpointer: { save_completed_epochs: false, save_every_num_seconds: 1800 },
    },
  },
}
