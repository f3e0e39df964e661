"""
What a trained run is, read from its config: the table row it belongs to (`"baseline"`,
`"dlfa@9"`, `"aif"`, and `"dlfa@9+robust"` for a run trained on augmented data), its family,
fusion layer and seed.
"""
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

from allennlp_xfuse.training.augmented_data import trains_on_augmented_data
from allennlp_xfuse.training.run_names import seed_from_name, strip_seed

FUSION_ENCODER_TYPES = ("dlfa", "aif")
MULTILAYER_EMBEDDER_PREFIX = "multilayer_pretrained_transformer"

#: Added to the row name of a run trained on augmented data (robust training): `dlfa@9+robust`
#: is `dlfa@9` trained on the original plus perturbed English data. The family stays `dlfa`.
ROBUST_SUFFIX = "+robust"


def is_robust_model(model: str) -> bool:
    """
    Whether a results-table row name is that of a robustly trained model (`dlfa@9+robust`).

    # Parameters

    model : `str`
        A `ModelIdentity.model` / `MetricsRecord.model`.
    """
    return model.endswith(ROBUST_SUFFIX)


def standard_model_name(model: str) -> str:
    """
    The row name of the standard-trained counterpart of a model: `dlfa@9+robust` -> `dlfa@9`
    (other names are returned as they are).

    # Parameters

    model : `str`
        A `ModelIdentity.model` / `MetricsRecord.model`.
    """
    return model[: -len(ROBUST_SUFFIX)] if is_robust_model(model) else model


@dataclass(frozen=True)
class ModelIdentity:
    """
    # Parameters

    model : `str`
        The results-table row (runs that differ only by seed share it).
    family : `str`
        `"baseline"`, `"dlfa"` or `"aif"`.
    fusion_layer : `Optional[int]`
        dlfa: the hidden_states index fused with the top layer.
    seed : `Optional[int]`
    layers : `Optional[List[int]]`
        The embedder's `layers`, when it is a multi-layer embedder.
    fusion : `Optional[str]`
        The encoder's `fusion` choice ("aif" unless an ablation).
    robust : `bool`, optional (default = `False`)
        Trained on augmented data (robust training): its `train_data_path` names a JSON-lines
        file (see `allennlp_xfuse.training.augmented_data`).
    """

    model: str
    family: str
    fusion_layer: Optional[int]
    seed: Optional[int]
    layers: Optional[List[int]] = None
    fusion: Optional[str] = None
    robust: bool = False

    def step_labels(self, num_steps: int) -> List[str]:
        """
        Labels of the AIF steps in `fusion_weights()` order (top step first): the lower layer
        each step fuses in, e.g. `["L9", "L6", "L3"]` for layers `[3, 6, 9, -1]`.
        """
        if self.layers and len(self.layers) - 1 == num_steps:
            return [f"L{layer}" for layer in reversed(self.layers[:-1])]
        return [f"step{index + 1}" for index in range(num_steps)]


def _dicts(value: Any) -> Iterator[Dict[str, Any]]:
    """Every dict nested in a config, depth first."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _dicts(child)
    elif isinstance(value, list):
        for child in value:
            yield from _dicts(child)


def identify_model(
    config: Dict[str, Any], run_name: str, name_from_run: bool = False
) -> ModelIdentity:
    """
    Reads a run's identity from its training config (AllenNLP's `config.json`).

    The family is the type of the fusion encoder anywhere in the model (`dlfa` or `aif`;
    anything else is a baseline); the fusion layer of `dlfa` is the first (lower) of the
    embedder's `layers`; the seed is the config's `random_seed`, else the `_s<seed>` suffix of
    the run directory name. Non-default `fusion` ablations are named too (`dlfa-sum@9`), and so
    is robust training (`dlfa@9+robust`): a run whose `train_data_path` names augmented data
    (a JSON-lines file, as `xfuse-perturb` writes), whatever its config file was called, so a
    robust config whose data were overridden to the original file alone is not called robust.

    # Parameters

    config : `Dict[str, Any]`
    run_name : `str`
        The run directory's name.
    name_from_run : `bool`, optional (default = `False`)
        Name the row after the run directory (without its seed suffix) instead of the config,
        for runs whose configs differ in ways the config-derived name does not show.
    """
    model_config = config.get("model", config)
    encoder = next(
        (d for d in _dicts(model_config) if d.get("type") in FUSION_ENCODER_TYPES), None
    )
    embedder = next(
        (
            d for d in _dicts(model_config)
            if str(d.get("type", "")).startswith(MULTILAYER_EMBEDDER_PREFIX)
        ),
        None,
    )
    layers = embedder.get("layers") if embedder else None
    layers = [int(layer) for layer in layers] if isinstance(layers, list) else None

    family = str(encoder["type"]) if encoder else "baseline"
    fusion = str(encoder.get("fusion", "aif")) if encoder else None
    fusion_layer = layers[0] if family == "dlfa" and layers else None
    name = family if fusion in (None, "aif") else f"{family}-{fusion}"
    if family == "dlfa" and fusion_layer is not None:
        name = f"{name}@{fusion_layer}"
    robust = trains_on_augmented_data(config)
    if robust:
        name += ROBUST_SUFFIX
    if name_from_run:
        name = strip_seed(run_name)

    seed = config.get("random_seed")
    seed = int(seed) if isinstance(seed, (int, float)) and not isinstance(seed, bool) else None
    if seed is None:
        seed = seed_from_name(run_name)
    return ModelIdentity(name, family, fusion_layer, seed, layers, fusion, robust)
