"""
Benchmark (c): attack throughput, in model queries per second, of the xfuse TextAttack wrapper
(`allennlp_xfuse.attacks.model_wrapper.AllenNlpModelWrapper`: the model's own reader, batches
padded to their longest pair) versus TextAttack's `HuggingFaceModelWrapper` (the Hugging Face
tokenizer, every query padded to the tokenizer's `model_max_length`, 512) on the same model,
examples and recipe.

1. Full attacks: the shipped baseline config trained for a few seconds on the tiny local BERT
   and the bundled sample, `deepwordbug` (the xfuse recipe, language-specific stopwords) on the
   first `--num-examples` German test pairs, each example seeded as `xfuse-attack` seeds it.
   Both wrappers see the same model: the HF one wraps the archive's own transformer and linear
   layer in a `transformers.PreTrainedModel`, with the labels in dataset order.
2. BERT-base-sized encoder (random weights): one batch of `--bert-base-queries` queries through
   each wrapper, since full attacks at 512 wordpieces per query take minutes there.

Both wrappers run on `--device` (cpu or cuda) under the same `--amp` autocast (none, bf16,
fp16). On the CPU the ratios use CPU seconds (the machine is shared); on CUDA, wall seconds
between synchronizations (the host thread mostly waits for the GPU).

    python benchmarks/attack_throughput.py [--num-examples 20] [--bert-base-queries 8]
    python benchmarks/attack_throughput.py --device cuda --amp bf16 --bert-base-queries 64
"""
import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_device import (  # noqa: E402
    add_device_arguments,
    autocast,
    cuda_index,
    describe,
    resolve_device,
    synchronize,
)
from bench_models import (  # noqa: E402
    CONFIG_DIR,
    REPO_ROOT,
    build_bert_base,
    build_classifier,
    build_tiny,
    setup_offline,
)

SAMPLE_DIR = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"


def train_tiny_baseline(tiny_dir: str, run_dir: str, device) -> str:
    """
    The baseline config trained 3 epochs on the bundled sample with the tiny model; returns the
    archive. Cached: an archive already in `run_dir` is reused, whatever device trained it.

    # Parameters

    tiny_dir : `str`
        The tiny model's directory.
    run_dir : `str`
        The serialization directory (replaced when it has no archive).
    device : `torch.device`
        Where to train (AllenNLP's `trainer.cuda_device`).
    """
    archive = os.path.join(run_dir, "model.tar.gz")
    if os.path.isfile(archive):
        return archive
    from allennlp.commands.train import train_model_from_file

    from allennlp_xfuse.training.overrides import model_and_data_overrides

    config = str(CONFIG_DIR / "pawsx_baseline.jsonnet")
    overrides = model_and_data_overrides(
        config, tiny_dir, train_data_path=str(SAMPLE_DIR / "en" / "train.tsv"),
        validation_data_path=str(SAMPLE_DIR / "en" / "dev_2k.tsv"))
    overrides.update({"trainer.num_epochs": 3, "trainer.optimizer.lr": 1e-3,
                      "data_loader.batch_size": 16, "trainer.cuda_device": cuda_index(device)})
    train_model_from_file(config, run_dir, overrides=json.dumps(overrides), force=True)
    return archive


def huggingface_wrapper(model, tokenizer):
    """TextAttack's `HuggingFaceModelWrapper` around the AllenNLP model's transformer and
    classification layer (CLS vector -> linear, the `basic_classifier` + `cls_pooler` forward),
    logits reordered to dataset label order as the xfuse wrapper's probabilities are. On the
    device of the model's parameters (TextAttack moves the inputs there).

    # Parameters

    model : `Model`
        An AllenNLP `basic_classifier` with a `pretrained_transformer` embedder and [CLS] head.
    tokenizer : `PreTrainedTokenizerBase`
        The transformer's Hugging Face tokenizer.
    """
    import torch
    from textattack.models.wrappers import HuggingFaceModelWrapper
    from transformers import BertPreTrainedModel
    from transformers.modeling_outputs import SequenceClassifierOutput

    from allennlp_xfuse.attacks.model_wrapper import dataset_label_order

    transformer = model._text_field_embedder._token_embedders["tokens"].transformer_model

    class ClsLinearBert(BertPreTrainedModel):
        def __init__(self) -> None:
            super().__init__(transformer.config)
            self.bert = transformer
            self.classifier = model._classification_layer
            self.register_buffer("order", torch.tensor(dataset_label_order(model.vocab)))

        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, **kwargs):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            logits = self.classifier(hidden[:, 0]).index_select(-1, self.order)
            # float32 out of autocast: TextAttack turns the logits into NumPy arrays, and NumPy
            # has no bfloat16 ("Got unsupported ScalarType BFloat16" under --amp bf16)
            return SequenceClassifierOutput(logits=logits.float())

    # the label-order buffer is created on the CPU; it must sit with the logits
    device = next(transformer.parameters()).device
    return HuggingFaceModelWrapper(ClsLinearBert().to(device).eval(), tokenizer)


def run_attacks(wrapper, examples, seed: int, batch_size: int, device, amp: str) -> dict:
    """
    `deepwordbug` on every example through `wrapper`; queries, seconds and outcomes.

    # Parameters

    wrapper : `ModelWrapper`
    examples : `List[PairExample]`
        All of one language.
    seed : `int`
        Seeds each example as `xfuse-attack` does.
    batch_size : `int`
        Queries per model call.
    device : `torch.device`
        The wrapper's model's device (synchronized before the clock stops).
    amp : `str`
        The autocast around the attacks (`none`, `bf16`, `fp16`).
    """
    from textattack.shared.utils import set_seed

    from allennlp_xfuse.attacks.recipes import AttackRecipe
    from allennlp_xfuse.attacks.runner import attack_one, example_seed
    from allennlp_xfuse.attacks.textattack_shims import use_segmentation

    recipe = AttackRecipe.from_spec("deepwordbug")
    statuses, queries = [], 0
    synchronize(device)
    started_cpu, started = time.process_time(), time.perf_counter()
    with use_segmentation(examples[0].language), autocast(device, amp):
        attack = recipe.attack_for(wrapper, examples[0].language, None, batch_size)
        for example in examples:
            set_seed(example_seed(seed, example))
            record = attack_one(attack, example)
            statuses.append(record["status"])
            queries += record["num_queries"]
    synchronize(device)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {"queries": queries, "seconds": seconds, "cpu_seconds": cpu,
            "queries_per_s": queries / seconds, "queries_per_cpu_s": queries / cpu,
            "statuses": statuses}


def time_calls(wrapper, texts, warmup, device, amp: str) -> float:
    """
    Seconds of one call of `wrapper` on `texts`, after a warm-up call: CPU seconds on the CPU,
    wall seconds between synchronizations on CUDA.

    # Parameters

    wrapper : `ModelWrapper`
    texts : `List[Tuple[str, str]]`
    warmup : `List[Tuple[str, str]]`
    device : `torch.device`
    amp : `str`
        The autocast around both calls.
    """
    clock = time.perf_counter if device.type == "cuda" else time.process_time
    with autocast(device, amp):
        wrapper(warmup)
        synchronize(device)
        started = clock()
        wrapper(texts)
        synchronize(device)
    return clock() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-examples", type=int, default=20)
    parser.add_argument("--language", default="de")
    parser.add_argument("--batch-size", type=int, default=32, help="queries per model call")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--bert-base-queries", type=int, default=8,
                        help="queries in the BERT-base call (0 skips it)")
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "xfuse_bench"))
    add_device_arguments(parser)
    args = parser.parse_args()

    setup_offline()
    import torch

    device = resolve_device(args, "attack_throughput.py")
    on_cuda = device.type == "cuda"

    torch.set_num_threads(1)
    logging.disable(logging.INFO)
    from allennlp.data import DatasetReader
    from allennlp.models.archival import load_archive
    from transformers import AutoTokenizer

    import allennlp_xfuse  # noqa: F401
    from allennlp_xfuse.attacks.examples import load_examples
    from allennlp_xfuse.attacks.model_wrapper import AllenNlpModelWrapper

    started = time.time()
    tiny = build_tiny(os.path.join(args.work_dir, "tiny"))
    archive = load_archive(train_tiny_baseline(tiny, os.path.join(args.work_dir, "attack_run"),
                                               device), cuda_device=cuda_index(device))
    examples = load_examples(str(SAMPLE_DIR / args.language / "test_2k.tsv"),
                             num_examples=args.num_examples, require_labels=True)
    wrappers = {
        "xfuse": AllenNlpModelWrapper(archive.model, archive.validation_dataset_reader,
                                      batch_size=args.batch_size),
        "huggingface": huggingface_wrapper(archive.model, AutoTokenizer.from_pretrained(tiny)),
    }
    pairs = [(e.sentence1, e.sentence2) for e in examples]
    # TextAttack softmaxes the HF wrapper's logits; the xfuse wrapper returns probabilities
    with autocast(device, args.amp):
        hf_probs = torch.softmax(torch.as_tensor(wrappers["huggingface"](pairs)).double(), -1)
        agree = float(abs(torch.as_tensor(wrappers["xfuse"](pairs)) - hf_probs).max())
    attacks = {name: run_attacks(wrapper, examples, args.seed, args.batch_size, device, args.amp)
               for name, wrapper in wrappers.items()}

    bert_base = None
    if args.bert_base_queries:
        model_dir = build_bert_base(os.path.join(args.work_dir, "bert_base_12"), tiny)
        model, _, params = build_classifier("baseline", model_dir)
        model.to(device).eval()
        reader = DatasetReader.from_params(params.duplicate().pop("dataset_reader"))
        big = {"xfuse": AllenNlpModelWrapper(model, reader, batch_size=args.batch_size),
               "huggingface": huggingface_wrapper(model, AutoTokenizer.from_pretrained(model_dir))}
        texts = (pairs * args.bert_base_queries)[:args.bert_base_queries]
        bert_base = {name: args.bert_base_queries / time_calls(wrapper, texts, pairs[:1],
                                                               device, args.amp)
                     for name, wrapper in big.items()}

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    print(f"# Attack throughput, xfuse wrapper vs TextAttack HuggingFaceModelWrapper — {now} UTC, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, 1 thread, torch {torch.__version__}; "
          f"device {describe(device, args.amp)}")
    print(f"# tiny BERT (12 layers, hidden 32) baseline trained 3 epochs on the sample; "
          f"deepwordbug on {len(examples)} {args.language} test pairs; "
          f"max |p_xfuse - p_hf| = {agree:.2e}")
    for name, result in attacks.items():
        counts = {s: result["statuses"].count(s) for s in sorted(set(result["statuses"]))}
        print(f"{name:<12} {result['queries']:>6} queries in {result['seconds']:7.2f} s wall "
              f"({result['cpu_seconds']:7.2f} s CPU): {result['queries_per_s']:8.1f} q/s, "
              f"{result['queries_per_cpu_s']:8.1f} q/CPU-s  {counts}")
    # on CUDA the host's CPU time is mostly waiting for the GPU: compare wall time there
    rate_key, rate_unit = ("queries_per_s", "wall second") if on_cuda else (
        "queries_per_cpu_s", "CPU second")
    ratio = attacks["xfuse"][rate_key] / attacks["huggingface"][rate_key]
    same = attacks["xfuse"]["statuses"] == attacks["huggingface"]["statuses"]
    print(f"ratio xfuse / huggingface (queries per {rate_unit}): {ratio:.2f}; "
          f"same outcomes: {same}")
    if bert_base:
        per = "q/s" if on_cuda else "q/CPU-s"
        print(f"# BERT-base-sized (random weights), one call of {args.bert_base_queries} queries: "
              f"xfuse {bert_base['xfuse']:.2f} {per}, huggingface "
              f"{bert_base['huggingface']:.3f} {per}, ratio "
              f"{bert_base['xfuse'] / bert_base['huggingface']:.1f}")
    print(f"# total {time.time() - started:.0f} s")
    print(json.dumps({"benchmark": "attack_throughput", "args": vars(args), "attacks": attacks,
                      "bert_base_queries_per_s": bert_base,
                      "bert_base_clock": "wall" if on_cuda else "cpu",
                      "max_probability_gap": agree}))


if __name__ == "__main__":
    main()
