// DLFA (pawsx_dlfa.jsonnet: the fusion layer is set there, or swept with xfuse-sweep) trained robustly: the same model and trainer, on the English
// training data plus a perturbed copy of it (Huang et al., EMNLP 2021: robust training as data
// augmentation). Make the copy first:
//   allennlp xfuse-perturb x-final/en/train.tsv --recipe charnoise --rate 0.1 --seed 1 \
//     --output data/pawsx_robust/en/train.charnoise.jsonl
// and see `robust_training` in pawsx_common.libsonnet for the data path and the schedule.
local common = import 'pawsx_common.libsonnet';

(import 'pawsx_dlfa.jsonnet') + common.robust_training
