#!/usr/bin/env bash
# `make demo`: the whole experiment on the embedded default, offline, on CPU.
#
#   tiny local BERT -> train baseline, dlfa (fusion layers 3 and 9) and aif on the bundled English
#   sample (allennlp's own training, via xfuse-sweep) -> stock `allennlp evaluate` / `predict`
#   -> perturb every language's test split (charnoise, model-agnostic) and attack each model
#   (deepwordbug, model in the loop) -> report: tables + plots -> AIF weight inspection.
#
# The numbers describe a 12-layer, 32-wide random-initialized model trained on 720 pairs; they
# show the pipeline, not mBERT. Re-running reuses what is finished (runs, attacks, evaluations).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${DEMO_OUTPUT:-demo_output}
ALLENNLP=${ALLENNLP:-.venv/bin/allennlp}
SAMPLE=allennlp_xfuse/data/sample/pawsx
LOGS="$OUT/logs"
mkdir -p "$LOGS"

step() { echo; echo "== $*"; }
quietly() {  # run a command with its log in $LOGS/<name>.log; show the log's end if it fails
  local name=$1; shift
  "$@" > "$LOGS/$name.log" 2>&1 || { tail -40 "$LOGS/$name.log"; echo "failed: $*"; exit 1; }
}

step "1. tiny local BERT (12 layers like mBERT, hidden 32, vocabulary from the samples)"
[ -f "$OUT/tiny_model/config.json" ] || quietly tiny_model $ALLENNLP xfuse-tiny-model "$OUT/tiny_model" --seed 13
echo "   $OUT/tiny_model"

step "2. train baseline, dlfa@3, dlfa@9 and aif on the English sample (allennlp xfuse-sweep)"
TRAIN="{\"train_data_path\": \"$SAMPLE/en/train.tsv\", \"validation_data_path\": \"$SAMPLE/en/dev_2k.tsv\",
        \"trainer.num_epochs\": 12, \"trainer.optimizer.lr\": 1e-3, \"data_loader.batch_size\": 16,
        \"data_loader.batches_per_epoch\": null}"
quietly sweep $ALLENNLP xfuse-sweep training_configs/pawsx_dlfa.jsonnet --layers 3,9 --seeds 1 \
  -s "$OUT/runs" --model-name "$OUT/tiny_model" --overrides "$TRAIN" \
  --include-config training_configs/pawsx_baseline.jsonnet \
  --include-config training_configs/pawsx_aif.jsonnet --file-friendly-logging
ls -d "$OUT"/runs/*/ | sed 's/^/   /'

step "3. stock allennlp evaluate (German test split) and allennlp predict --predictor pawsx"
quietly evaluate $ALLENNLP evaluate "$OUT/runs/aif_s1/model.tar.gz" "$SAMPLE/de/test_2k.tsv" \
  --include-package allennlp_xfuse --output-file "$OUT/aif_de_metrics.json"
echo "   aif, de: $(cat "$OUT/aif_de_metrics.json" | tr -d '\n ' | cut -c1-120)"
cat > "$OUT/pairs.jsonl" <<'JSON'
{"sentence1": "In 1996, Emma Turner moved from Leeds to Bristol.", "sentence2": "Emma Turner moved from Leeds to Bristol in 1996."}
{"sentence1": "In 1996, Emma Turner moved from Leeds to Bristol.", "sentence2": "In 1996, Emma Turner moved from Bristol to Leeds."}
JSON
quietly predict $ALLENNLP predict "$OUT/runs/aif_s1/model.tar.gz" "$OUT/pairs.jsonl" --predictor pawsx \
  --include-package allennlp_xfuse --output-file "$OUT/predictions.jsonl" --silent
${PY:-.venv/bin/python} - "$OUT/pairs.jsonl" "$OUT/predictions.jsonl" <<'PYTHON'
import json, sys
for pair, prediction in zip(open(sys.argv[1]), open(sys.argv[2])):
    pair, prediction = json.loads(pair), json.loads(prediction)
    print(f"   label {prediction['label']}  p(paraphrase) = {prediction['label_probs']['1']:.2f}"
          f"  | {pair['sentence1']} | {pair['sentence2']}")
PYTHON

step "4. perturb every language's test split (charnoise, rate 0.1, same text for every model)"
quietly perturb $ALLENNLP xfuse-perturb "$SAMPLE/*/test_2k.tsv" --recipe charnoise --rate 0.1 \
  --seed 13 --output "$OUT/adv/shared/all.charnoise.jsonl" --resume
echo "   $OUT/adv/shared/all.charnoise.jsonl"

step "5. attack each model in every language (deepwordbug, TextAttack, model in the loop)"
for run in baseline_s1 dlfa_L3_s1 dlfa_L9_s1 aif_s1; do
  quietly "attack_$run" $ALLENNLP xfuse-attack "$OUT/runs/$run/model.tar.gz" "$SAMPLE/*/test_2k.tsv" \
    --recipe deepwordbug --seed 13 --output "$OUT/adv/$run/all.deepwordbug.jsonl" --resume
  echo "   $OUT/adv/$run/all.deepwordbug.jsonl"
done

step "6. how much each AIF step takes from the lower layer (1 - W), per language"
$ALLENNLP xfuse-inspect "$OUT/runs/aif_s1/model.tar.gz" "$SAMPLE" --output "$OUT/report/inspect" \
  2> "$LOGS/inspect.log" || { tail -40 "$LOGS/inspect.log"; exit 1; }

step "7. report: every model on every clean and adversarial split, tables and plots"
$ALLENNLP xfuse-report "$OUT/runs" --clean "$SAMPLE" --adversarial "$OUT/adv" \
  --output "$OUT/report" 2> "$LOGS/report.log" || { tail -40 "$LOGS/report.log"; exit 1; }
