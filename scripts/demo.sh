#!/usr/bin/env bash
# `make demo`: the whole path on the embedded default, offline, on CPU.
# tiny local BERT -> train the AIF config on the bundled English sample with `allennlp train`
# -> `allennlp evaluate` on every language's sample test split -> `allennlp predict`.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${DEMO_OUTPUT:-demo_output}
ALLENNLP=${ALLENNLP:-.venv/bin/allennlp}
PY=${PY:-.venv/bin/python}
SAMPLE=allennlp_xfuse/data/sample/pawsx
LANGS="en de es fr ja ko zh"
CONFIG=training_configs/pawsx_aif.jsonnet
mkdir -p "$OUT/eval"

echo "== 1. tiny local BERT (12 layers, hidden 32, WordPiece vocab from the sample)"
$ALLENNLP xfuse-tiny-model "$OUT/tiny_model" --seed 13

echo "== 2. allennlp train $CONFIG (tiny model, bundled English sample)"
# the tiny model's overrides for this config, plus a schedule fit for a random tiny model
OVERRIDES=$($ALLENNLP xfuse-tiny-model "$OUT/tiny_model" --config "$CONFIG" --overrides-only \
  | $PY -c 'import json, sys; o = json.load(sys.stdin); o.update({"trainer.num_epochs": 15,
    "trainer.optimizer.lr": 1e-3, "data_loader.batch_size": 16}); print(json.dumps(o))')
rm -rf "$OUT/runs/aif"
$ALLENNLP train "$CONFIG" -s "$OUT/runs/aif" --include-package allennlp_xfuse \
  --overrides "$OVERRIDES" --file-friendly-logging > "$OUT/train.log" 2>&1 \
  || { tail -30 "$OUT/train.log"; exit 1; }
echo "   archive: $OUT/runs/aif/model.tar.gz (log: $OUT/train.log)"

echo "== 3. allennlp evaluate on every language's sample test split"
for lang in $LANGS; do
  $ALLENNLP evaluate "$OUT/runs/aif/model.tar.gz" "$SAMPLE/$lang/test_2k.tsv" \
    --include-package allennlp_xfuse --output-file "$OUT/eval/$lang.json" > "$OUT/eval_$lang.log" 2>&1 \
    || { tail -30 "$OUT/eval_$lang.log"; exit 1; }
done

echo "== 4. allennlp predict --predictor pawsx"
cat > "$OUT/pairs.jsonl" <<'JSON'
{"sentence1": "Anna moved from Berlin to Paris in 2010.", "sentence2": "In 2010, Anna moved from Berlin to Paris."}
{"sentence1": "Anna moved from Berlin to Paris in 2010.", "sentence2": "Anna moved from Paris to Berlin in 2010."}
{"sentence1": "Der Fluss fließt von Norden nach Süden.", "sentence2": "Von Norden nach Süden fließt der Fluss."}
JSON
$ALLENNLP predict "$OUT/runs/aif/model.tar.gz" "$OUT/pairs.jsonl" --predictor pawsx \
  --include-package allennlp_xfuse --output-file "$OUT/predictions.jsonl" --silent 2> "$OUT/predict.log"
$PY - "$OUT" $LANGS <<'PYTHON'
import json, sys
out, langs = sys.argv[1], sys.argv[2:]
for line, pair in zip(open(f"{out}/predictions.jsonl"), open(f"{out}/pairs.jsonl")):
    p, q = json.loads(line), json.loads(pair)
    print(f"   {p['label']}  p(1)={p['label_probs']['1']:.2f}  {q['sentence1']} || {q['sentence2']}")
print("\n   zero-shot accuracy (trained on English only), AIF on the tiny model")
accuracies = {lang: json.load(open(f"{out}/eval/{lang}.json"))["accuracy"] for lang in langs}
print("   " + " ".join(f"{lang:>6}" for lang in langs) + "    avg")
print("   " + " ".join(f"{100 * accuracies[lang]:6.1f}" for lang in langs)
      + f" {100 * sum(accuracies.values()) / len(langs):6.1f}")
PYTHON
