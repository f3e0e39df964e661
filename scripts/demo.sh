#!/usr/bin/env bash
# `make demo`: the whole experiment on the embedded default, offline, on CPU.
#
#   tiny local BERT -> train baseline, dlfa (fusion layers 3 and 9) and aif on the bundled English
#   sample (allennlp's own training, via xfuse-sweep) -> stock `allennlp evaluate` / `predict`
#   -> perturb every language's test split (charnoise, model-agnostic) and attack each model
#   (deepwordbug, model in the loop) -> AIF weight inspection -> XNLI, NER and POS on the same
#   tiny model (baseline vs dlfa@9, test files perturbed) -> one report across the four tasks.
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

step "2b. robust training: dlfa@9 on the English sample plus a charnoise copy of it (Huang et al. 2021)"
quietly perturb_train $ALLENNLP xfuse-perturb "$SAMPLE/en/train.tsv" --recipe charnoise --rate 0.1 \
  --seed 1 --output "$OUT/robust/en/train.charnoise.jsonl" --resume
ROBUST="{\"train_data_path\": \"$SAMPLE/en/train.tsv,$OUT/robust/en/train.charnoise.jsonl\",
         \"validation_data_path\": \"$SAMPLE/en/dev_2k.tsv\", \"trainer.num_epochs\": 6,
         \"trainer.optimizer.lr\": 1e-3, \"data_loader.batch_size\": 16,
         \"data_loader.batches_per_epoch\": null}"
quietly sweep_robust $ALLENNLP xfuse-sweep training_configs/pawsx_dlfa_robust.jsonnet --layers 9 \
  --seeds 1 -s "$OUT/runs" --model-name "$OUT/tiny_model" --overrides "$ROBUST" --file-friendly-logging
echo "   $OUT/runs/dlfa_robust_L9_s1 (trained on $(wc -l < "$OUT/robust/en/train.charnoise.jsonl") perturbed + 720 original pairs)"

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

step "4. perturb every language's test split (charnoise, and code-mixing; the same text for every model)"
quietly perturb $ALLENNLP xfuse-perturb "$SAMPLE/*/test_2k.tsv" --recipe charnoise --rate 0.1 \
  --seed 13 --output "$OUT/adv/shared/all.charnoise.jsonl" --resume
echo "   $OUT/adv/shared/all.charnoise.jsonl"
# code-mixing (Tan & Joty 2021), model-agnostic: 30 % of the translatable words replaced by their
# translation into another language (the shipped dictionaries), the same text for every model
quietly perturb_code_mix $ALLENNLP xfuse-perturb "$SAMPLE/*/test_2k.tsv" --recipe code_mix_random \
  --rate 0.3 --seed 13 --output "$OUT/adv/shared/all.code_mix_random.jsonl" --resume
${PY:-.venv/bin/python} - "$OUT/adv/shared/all.code_mix_random.jsonl" <<'PYTHON'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    record = json.loads(line)
    if record["language"] == "de" and record["sentence1"] != record["original_sentence1"]:
        print(f"   code-mixed (de): {record['sentence1']}\n              was: {record['original_sentence1']}")
        break
PYTHON

step "5. attack each model in every language (deepwordbug, TextAttack, model in the loop)"
for run in baseline_s1 dlfa_L3_s1 dlfa_L9_s1 aif_s1; do
  quietly "attack_$run" $ALLENNLP xfuse-attack "$OUT/runs/$run/model.tar.gz" "$SAMPLE/*/test_2k.tsv" \
    --recipe deepwordbug --seed 13 --output "$OUT/adv/$run/all.deepwordbug.jsonl" --resume
  echo "   $OUT/adv/$run/all.deepwordbug.jsonl"
done

step "6. how much each AIF step takes from the lower layer (1 - W), per language"
$ALLENNLP xfuse-inspect "$OUT/runs/aif_s1/model.tar.gz" "$SAMPLE" --output "$OUT/report/inspect" \
  2> "$LOGS/inspect.log" || { tail -40 "$LOGS/inspect.log"; exit 1; }

step "7. the other tasks on the tiny model: XNLI, NER (PAN-X layout), POS (UD CoNLL-U), baseline vs dlfa@9"
XNLI=allennlp_xfuse/data/sample/xnli
PANX=allennlp_xfuse/data/sample/panx
UDPOS=allennlp_xfuse/data/sample/udpos
for task in xnli ner pos; do
  case $task in
    xnli) DATA="\"train_data_path\": \"$XNLI/train-en.tsv\", \"validation_data_path\": \"$XNLI/dev-en.tsv\"" ;;
    ner)  DATA="\"train_data_path\": \"$PANX/en-train\", \"validation_data_path\": \"$PANX/en-dev\"" ;;
    pos)  DATA="\"train_data_path\": \"$UDPOS/UD_English-Sample/en_sample-ud-train.conllu\",
                \"validation_data_path\": \"$UDPOS/UD_English-Sample/en_sample-ud-dev.conllu\"" ;;
  esac
  OTHER="{$DATA, \"trainer.num_epochs\": 5, \"trainer.optimizer.lr\": 1e-3,
          \"data_loader.batch_size\": 16, \"data_loader.batches_per_epoch\": null}"
  quietly "sweep_$task" $ALLENNLP xfuse-sweep "training_configs/${task}_dlfa.jsonnet" --layers 9 \
    --seeds 1 -s "$OUT/runs_$task" --model-name "$OUT/tiny_model" --overrides "$OTHER" \
    --include-config "training_configs/${task}_baseline.jsonnet" --file-friendly-logging
  echo "   $OUT/runs_$task: $(ls "$OUT/runs_$task" | grep -v '\.' | tr '\n' ' ')"
done
# model-agnostic perturbation of every test file, the same text for every model: XNLI pairs as
# PAWS-X's; NER/POS words edited inside (never split or merged, tags and layout kept)
quietly perturb_xnli $ALLENNLP xfuse-perturb "$XNLI/test-*.tsv" --task xnli --recipe charnoise \
  --rate 0.1 --seed 13 --output "$OUT/adv_tasks/xnli/all.charnoise.jsonl" --resume
[ -f "$OUT/adv_tasks/ner.summary.json" ] || quietly perturb_ner $ALLENNLP xfuse-perturb "$PANX/*-test" --task ner \
  --recipe charnoise --rate 0.2 --seed 13 --output "$OUT/adv_tasks/ner/"
[ -f "$OUT/adv_tasks/pos.summary.json" ] || quietly perturb_pos $ALLENNLP xfuse-perturb "$UDPOS/*/*-ud-test.conllu" \
  --task pos --recipe charnoise --rate 0.2 --seed 13 --output "$OUT/adv_tasks/pos/"
echo "   $OUT/adv_tasks/{xnli,ner,pos} (charnoise; xfuse-perturb --task xnli|ner|pos)"
NER_DLFA=$(dirname "$(ls "$OUT"/runs_ner/*dlfa*/model.tar.gz | head -1)")
quietly evaluate_ner $ALLENNLP evaluate "$NER_DLFA/model.tar.gz" "$OUT/adv_tasks/ner/de-test" \
  --include-package allennlp_xfuse --output-file "$OUT/ner_dlfa_de_charnoise.json"
echo "   stock allennlp evaluate, NER dlfa@9 on perturbed de-test: span F1 $(${PY:-.venv/bin/python} -c \
  'import json,sys; print(round(json.load(open(sys.argv[1]))["f1-measure-overall"], 3))' \
  "$OUT/ner_dlfa_de_charnoise.json")"

step "8. one report across the four tasks: every model on every clean and perturbed split, tables and plots"
$ALLENNLP xfuse-report "$OUT/runs" "$OUT/runs_xnli" "$OUT/runs_ner" "$OUT/runs_pos" \
  --clean "$SAMPLE" --adversarial "$OUT/adv" \
  --task-data "xnli=$XNLI" --task-data "xnli:charnoise=$OUT/adv_tasks/xnli" \
  --task-data "ner=$PANX" --task-data "ner:charnoise=$OUT/adv_tasks/ner" \
  --task-data "pos=$UDPOS" --task-data "pos:charnoise=$OUT/adv_tasks/pos" \
  --output "$OUT/report" 2> "$LOGS/report.log" || { tail -40 "$LOGS/report.log"; exit 1; }
${PY:-.venv/bin/python} - "$OUT/report/results.json" <<'PYTHON'
import json, sys
document = json.load(open(sys.argv[1], encoding="utf-8"))
tables = {table["name"]: table for table in document["tables"]}
# the union of the deepwordbug attacks if there is one, else the clean test splits
name = "union_accuracy/deepwordbug" if "union_accuracy/deepwordbug" in tables else "clean_accuracy"
print(f"   identical inputs, de — {tables[name]['title']}:")
for row in tables[name]["rows"]:
    cell = row["cells"]["de"]
    if cell and cell["ci_low"] is not None:
        print(f"     {row['model']:<30} {cell['mean']:5.1f} %  95% CI [{cell['ci_low']:.1f}, "
              f"{cell['ci_high']:.1f}]")
for row in tables.get(f"difference/{name}", {"rows": []})["rows"]:
    cell = row["cells"]["de"]
    if cell:
        mark = "significant" if cell["significant"] else "not significant"
        print(f"     {row['model']} − baseline: {cell['mean']:+.1f} pp, p = {cell['p_value']:.3f} "
              f"({cell['test']}), Holm-adjusted {cell['p_adjusted']:.3f}: {mark}")
across = tables.get("across_tasks")
if across:
    print(f"   {across['title']}:")
    for row in across["rows"]:
        cells = {k: v for k, v in row["cells"].items()
                 if isinstance(v, dict) and v.get("mean") is not None}
        print(f"     {row['model']:<14} " + "  ".join(f"{k} {v['mean']:.1f}" for k, v in cells.items()))
for chosen in document.get("chosen_layers") or [{"model": "dlfa", "fusion_layer": None}]:
    print(f"   {chosen['model']}: layer chosen on English dev: " + (
        f"L={chosen['fusion_layer']} ({100 * chosen['accuracy']:.1f} %)"
        if chosen["fusion_layer"] is not None else "none"))
PYTHON
echo "   $OUT/report/report.md: across tasks first, then PAWS-X's comparisons on identical inputs"
echo "   (60 English pairs or sentences and 5 epochs for XNLI/NER/POS: the pipeline on every task and script, not learning)"

