"""Creating figures on the non-interactive Agg backend and saving them atomically as PNG."""
from typing import Any, Tuple

from allennlp_xfuse.atomic_files import atomic_path


def new_figure(num_axes: int = 1, width: float = 6.0, height: float = 4.0, **kwargs: Any) -> Tuple:
    """
    Returns `(figure, axes)` with `num_axes` subplots side by side (`axes` is always a list).

    The Agg backend is selected explicitly, and through the object API (no pyplot global state),
    so plotting works without a display and from any thread.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * num_axes, height), layout="constrained")
    axes = figure.subplots(1, num_axes, squeeze=False, **kwargs)[0]
    return figure, list(axes)


def save_png(figure: Any, path: str, dpi: int = 130) -> str:
    """Saves `figure` to `path` as PNG atomically (see `allennlp_xfuse.atomic_files`)."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    return path
