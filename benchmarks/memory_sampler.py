"""Peak resident memory of the process during a block, sampled from /proc (Linux)."""
import os
import threading
import time
from typing import Optional

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """The resident set size of this process now, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE


class PeakMemory:
    """
    `with PeakMemory() as peak: ...` then `peak.extra_mb`: the highest resident set size seen
    while the block ran, minus the size when it started. A thread samples every `interval`
    seconds (torch kernels release the GIL, so it keeps sampling during them). CPU tensors show
    up in RSS; memory freed and kept by the allocator does not lower later samples, so run each
    measured block after a warm-up. GPU memory is not resident memory: on CUDA the benchmarks
    read the CUDA allocator's peak instead (`bench_device.peak_extra_mb`).

    # Parameters

    interval : `float`, optional (default = `0.002`)
        Seconds between samples.
    """

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.start = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.interval)

    def __enter__(self) -> "PeakMemory":
        self.start = self.peak = rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def extra_mb(self) -> float:
        return (self.peak - self.start) / 2**20

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20
