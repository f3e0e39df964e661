"""
The fusion starts as the baseline (W within about 0.001 of `initial_top_weight` everywhere, so
the output is close to the top layer), and with the shipped optimizer settings it learns to take
a lower layer when only that one is informative, and keeps the top layer when only the top one
is.
"""
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.training.learning_rate_schedulers import LearningRateScheduler
from allennlp.training.optimizers import Optimizer

from allennlp_xfuse.modules import AifSeq2VecEncoder, AttentionalFusion, DlfaSeq2VecEncoder
from allennlp_xfuse.modules.multiscale_channel_attention import NORMS
from tests.helpers import CONFIG_DIR

HIDDEN = 16


def _pair(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    top = torch.randn(3, 5, HIDDEN, generator=generator)
    lower = torch.randn(3, 5, HIDDEN, generator=generator) * 2
    mask = torch.arange(5)[None, :] < torch.tensor([5, 3, 1])[:, None]
    return top, lower, mask


@pytest.mark.parametrize("iterative", [False, True])
@pytest.mark.parametrize("norm", NORMS)
def test_fusion_starts_close_to_the_top_layer(norm, iterative):
    top, lower, mask = _pair()
    fusion = AttentionalFusion(HIDDEN, norm=norm, iterative=iterative)
    fused = fusion(top, lower, mask)
    assert (fusion.last_weights - 0.95).abs().max() < 0.005
    # Z - (0.95 X + 0.05 Y) = (W - 0.95) (X - Y)
    assert ((fused - (0.95 * top + 0.05 * lower)).abs() <= 0.005 * (top - lower).abs()).all()
    # far closer to the top layer than the reference initialization's even mix
    reference = AttentionalFusion(HIDDEN, norm=norm, iterative=iterative, initial_top_weight=None)
    distance = (fused - top).norm()
    assert distance < 0.1 * (reference(top, lower, mask) - top).norm()


def test_every_aif_step_starts_at_the_initial_weight():
    inputs = torch.randn(2, 4, 4 * HIDDEN)
    encoder = AifSeq2VecEncoder(input_dim=4 * HIDDEN, num_layers=4, initial_top_weight=0.9)
    encoder(inputs, torch.ones(2, 4, dtype=torch.bool))
    weights = encoder.fusion_weights()
    assert len(weights) == 3
    for step in weights:
        assert (step - 0.9).abs().max() < 0.005


@pytest.mark.parametrize("value", [0.0, 1.0, 1.5, -0.2])
def test_initial_top_weight_outside_the_unit_interval_is_a_clear_error(value):
    with pytest.raises(ConfigurationError, match="initial_top_weight must be in"):
        AttentionalFusion(HIDDEN, initial_top_weight=value)


class _Probe(torch.nn.Module):
    """
    A dlfa encoder (named as `basic_classifier` names it, so that the shipped parameter groups
    apply) before a frozen linear read-out of one direction: the fusion alone has to learn which
    layer carries the label.
    """

    def __init__(self, direction: torch.Tensor) -> None:
        super().__init__()
        self._seq2vec_encoder = DlfaSeq2VecEncoder(input_dim=2 * HIDDEN)
        self._classification_layer = torch.nn.Linear(HIDDEN, 2, bias=False)
        with torch.no_grad():
            self._classification_layer.weight.copy_(torch.stack([-direction, direction]) * 2)
        self._classification_layer.weight.requires_grad_(False)

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self._classification_layer(self._seq2vec_encoder(inputs, mask))


def _train_mean_weight(informative: str, steps: int = 1000) -> float:
    """Mean W after training on data where only the `informative` layer ("top" or "lower")
    carries the label, with the optimizer and schedule of the shipped dlfa config."""
    torch.manual_seed(0)
    direction = torch.nn.functional.normalize(torch.randn(HIDDEN), dim=0)
    model = _Probe(direction)
    trainer = Params.from_file(str(CONFIG_DIR / "pawsx_dlfa.jsonnet"))["trainer"]
    parameters = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    optimizer = Optimizer.from_params(model_parameters=parameters,
                                      params=trainer["optimizer"].duplicate())
    scheduler = LearningRateScheduler.from_params(
        optimizer=optimizer, num_epochs=1, num_steps_per_epoch=steps,
        params=trainer["learning_rate_scheduler"].duplicate(),
    )
    mask = torch.ones(32, 4, dtype=torch.bool)
    for _ in range(steps):
        labels = torch.randint(0, 2, (32,))
        signal = (2.0 * labels - 1.0)[:, None, None] * direction
        noise = [torch.randn(32, 4, HIDDEN) for _ in range(2)]
        top, lower = (noise[0] + signal, noise[1]) if informative == "top" else (
            noise[0], noise[1] + signal
        )
        loss = torch.nn.functional.cross_entropy(
            model(torch.cat([lower, top], dim=-1), mask), labels
        )
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in parameters], trainer["grad_norm"])
        optimizer.step()
        scheduler.step_batch()
    return float(model._seq2vec_encoder.fusion_weights()[0].mean())


def test_the_fusion_learns_with_the_shipped_optimizer_settings():
    # Adam moves each parameter by about the learning rate per step, so what W can reach is
    # bounded by the summed schedule: 1,000 linearly decaying steps from the shipped fusion_lr
    # (a real PAWS-X run has 7,720). Tiny tensors: one thread is faster than two.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        lower = _train_mean_weight("lower")
        top = _train_mean_weight("top")
    finally:
        torch.set_num_threads(threads)
    assert lower < 0.85  # from 0.95: it takes the informative lower layer
    assert top > 0.9  # and stays near the top layer when that one is the informative one
