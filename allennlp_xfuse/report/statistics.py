"""Mean and sample standard deviation over seeds."""
import math
from dataclasses import dataclass
from typing import Optional, Sequence


@dataclass(frozen=True)
class Summary:
    """
    The mean of some values and, when there are at least two, their sample standard deviation.

    # Parameters

    mean : `float`
    std : `Optional[float]`
        Sample standard deviation (ddof = 1); `None` for a single value, where it is undefined.
    n : `int`
        How many values were summarised.
    """

    mean: float
    std: Optional[float]
    n: int


def summarize(values: Sequence[float]) -> Optional[Summary]:
    """
    Returns the `Summary` of `values`, or `None` when there are none.

    The standard deviation is the sample one (ddof = 1): seeds are a sample of the training
    randomness, and this is what papers report as "± std over seeds".
    """
    values = [float(value) for value in values]
    if not values:
        return None
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return Summary(mean=mean, std=None, n=1)
    variance = math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1)
    return Summary(mean=mean, std=math.sqrt(variance), n=len(values))


def mean_of_all(values: Sequence[Optional[float]]) -> Optional[float]:
    """The mean of `values`, or `None` if any is missing (an average over a partial set of
    languages would not be comparable with the other rows)."""
    if not values or any(value is None for value in values):
        return None
    return math.fsum(values) / len(values)  # type: ignore[arg-type]
