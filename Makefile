VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
OFFLINE := HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

.PHONY: venv test lint demo bench bench-gpu gpu-check clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-allennlp.txt requirements-dev.txt setup.py scripts/install_nltk_data.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip wheel
	$(PY) -m pip install -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --no-deps -r requirements-allennlp.txt
	$(PY) -m pip install --no-deps -e .
	$(PY) scripts/install_nltk_data.py
	touch $@

test: venv
	$(OFFLINE) $(PY) -m pytest tests

lint: venv
	$(VENV)/bin/ruff check allennlp_xfuse tests scripts benchmarks

demo: venv
	$(OFFLINE) bash scripts/demo.sh

bench: venv
	$(OFFLINE) $(PY) benchmarks/fusion_overhead.py
	$(OFFLINE) $(PY) benchmarks/evaluate_throughput.py
	$(OFFLINE) $(PY) benchmarks/attack_throughput.py
	$(OFFLINE) $(PY) benchmarks/reader_throughput.py

# On a CUDA GPU: README's GPU figures at BERT-base size (batch 32 x 128): the fusion's training
# step and head under bf16 (eager and compiled), fp16 and float32, then evaluate vs Hugging Face
# (PAWSX_DEV='/data/pawsx/*/dev-*.tsv' for the real dev sets instead of the sample), the same with
# the input side in one worker process, and the input side of an evaluation on that
# host's CPU. About 14 minutes; without a GPU the first benchmark says so in one line and make
# stops.
GPU_BENCH_ARGS := --device cuda --batch-size 32 --reps 20 --train-reps 20 --head-reps 100
bench-gpu: venv
	$(OFFLINE) $(PY) benchmarks/fusion_overhead.py $(GPU_BENCH_ARGS) --amp bf16 --implementations eager,compiled
	$(OFFLINE) $(PY) benchmarks/fusion_overhead.py $(GPU_BENCH_ARGS) --amp fp16
	$(OFFLINE) $(PY) benchmarks/fusion_overhead.py $(GPU_BENCH_ARGS)
	$(OFFLINE) $(PY) benchmarks/evaluate_throughput.py --device cuda $(if $(PAWSX_DEV),--data '$(PAWSX_DEV)')
	$(OFFLINE) $(PY) benchmarks/evaluate_throughput.py --device cuda $(if $(PAWSX_DEV),--data '$(PAWSX_DEV)') --data-loader '{"num_workers": 1, "max_instances_in_memory": 2048}'
	$(OFFLINE) $(PY) benchmarks/reader_throughput.py --input-side

# On a CUDA GPU: trains, evaluates, predicts, attacks and benchmarks on it, one PASS/FAIL line
# per step, exit 1 if one failed; without one, says so and exits 0. Options: GPU_CHECK_ARGS, e.g.
# "--output-dir DIR", "--steps train-aif,evaluate-aif", "--cpu" (the steps on the CPU, no AMP).
gpu-check: venv
	$(OFFLINE) $(PY) scripts/gpu_check.py $(GPU_CHECK_ARGS)

clean:
	rm -rf $(VENV) demo_output
