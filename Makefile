VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
OFFLINE := HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

.PHONY: venv test lint demo bench clean

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

clean:
	rm -rf $(VENV) demo_output
