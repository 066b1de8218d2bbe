"""The console progress bar of a run: units done, documents, documents/s and MB/s."""
from __future__ import annotations

import time


class Progress:
    """A tqdm bar over units, with documents/s and MB/s in the postfix."""

    def __init__(self, total_units: int, enabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=total_units, unit="file", disable=not enabled, dynamic_ncols=True)
        self.docs = 0
        self.bytes = 0
        self.t0 = time.time()

    def add(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        dt = max(time.time() - self.t0, 1e-9)
        self.bar.set_postfix_str(f"{self.docs:,} docs, {self.docs / dt:,.0f} docs/s, {self.bytes / dt / 1e6:.1f} MB/s")

    def unit_done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
