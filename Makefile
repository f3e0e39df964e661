VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
OFFLINE := HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

.PHONY: venv test lint demo bench gpu-check clean

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

# On a CUDA GPU: trains, evaluates, predicts, attacks and benchmarks on it, one PASS/FAIL line
# per step, exit 1 if one failed; without one, says so and exits 0. Options: GPU_CHECK_ARGS, e.g.
# "--output-dir DIR", "--steps train-aif,evaluate-aif", "--cpu" (the steps on the CPU, no AMP).
gpu-check: venv
	$(OFFLINE) $(PY) scripts/gpu_check.py $(GPU_CHECK_ARGS)

clean:
	rm -rf $(VENV) demo_output
