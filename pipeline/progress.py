"""The console progress bar of a run: input bytes done out of the total (so an ETA), documents and their rate."""
from __future__ import annotations

import time


class Progress:
    """A tqdm bar over the units' input bytes (on disk), advanced as units finish; the postfix counts documents as
    workers report them. Disabled, it costs nothing."""

    def __init__(self, total_bytes: int, enabled: bool, what: str = "input"):
        from tqdm import tqdm

        self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, desc=what,
                        disable=not enabled, dynamic_ncols=True)
        self.docs = 0
        self.bytes = 0
        self.t0 = time.time()

    def add(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        dt = max(time.time() - self.t0, 1e-9)
        self.bar.set_postfix_str(f"{self.docs:,} docs, {self.docs / dt:,.0f} docs/s, {self.bytes / dt / 1e6:.1f} MB/s of text")

    def unit_done(self, size: int) -> None:
        self.bar.update(size)

    def close(self) -> None:
        self.bar.close()
