from setuptools import find_packages, setup

# allennlp 2.10.1 and allennlp-models 2.10.1 are not listed in install_requires: their own
# metadata pins torch<1.13 and transformers<4.21, which cannot resolve on Python 3.11.
# Install the stack with `make venv` (requirements.txt, then requirements-allennlp.txt with
# --no-deps), see README.
setup(
    name="allennlp-xfuse",
    version="0.1.0",
    description="Feature aggregation over multilingual encoder layers for zero-shot "
    "cross-lingual transfer in AllenNLP, with adversarial robustness evaluation.",
    packages=find_packages(include=["allennlp_xfuse", "allennlp_xfuse.*"]),
    package_data={
        "allennlp_xfuse": [
            "data/sample/**/*.tsv",
            "data/sample/**/*.jsonl",
            "data/sample/panx/*",
            "data/sample/udpos/**/*.conllu",
            "data/sample/udpos/README.md",
            "data/sample/xnli/README.md",
            "attacks/dictionaries/*.txt",
            "attacks/dictionaries/README.md",
        ]
    },
    python_requires=">=3.9",
)
