"""`python -m pipeline calibrate perplexity --lang xx`: propose a perplexity maximum from measured values.

A locally trained model has its own scale, so ROOTS's maxima (tuned on Wikipedia models) do not
transfer. This reads the perplexities already stored by the last run (`data/` and `rejected/` of
out/<lang>/: nothing is re-scored), prints the distribution, and for each candidate percentile shows
how many documents that maximum would drop, with the documents just above it as examples. The chosen
value goes into languages/<lang>.yaml (`perplexity.max`) by hand.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from pipeline.audit.measured import load_values
from pipeline.errors import UserError


def load_scored(out_dir: Path):
    """id, source, text and perplexity of every document the last run scored (kept and rejected)."""
    t = load_values(out_dir, ["perplexity"], text=True)
    t = t.filter(pc.is_valid(t["perplexity"]))
    if not t.num_rows:
        raise UserError(f"no perplexity values under {out_dir}: run `make corpus LANG={out_dir.name}` with the "
                        "perplexity stage first (perplexity.max: null keeps every document)")
    return t


def calibrate(out_dir: Path, percentiles: list[float], examples: int = 2) -> str:
    t = load_scored(out_dir)
    ppl = t["perplexity"].to_numpy()
    lines = [f"{len(ppl):,} documents with a perplexity in {out_dir}",
             "distribution: " + ", ".join(f"p{q:g}={np.percentile(ppl, q):,.0f}" for q in (10, 30, 50, 60, 90, 99))]
    order = np.argsort(ppl)
    lines.append(f"{'candidate':>10} {'max':>10} {'dropped':>9} {'share':>7}")
    for q in percentiles:
        cut = float(np.percentile(ppl, q))
        dropped = int((ppl > cut).sum())
        lines.append(f"{'p' + format(q, 'g'):>10} {cut:>10,.0f} {dropped:>9,} {dropped / len(ppl):>7.1%}")
        above = [i for i in order if ppl[i] > cut][:examples]
        for i in above:
            text = " ".join(t["text"][i].as_py().split())[:160]
            lines.append(f"{'':>12}just above: {ppl[i]:,.0f} {t['id'][i].as_py()}: {text}")
    worst = order[-examples:][::-1]
    lines.append("highest: " + "; ".join(f"{ppl[i]:,.0f} {t['id'][i].as_py()}" for i in worst))
    suggestion = float(np.percentile(ppl, percentiles[len(percentiles) // 2]))
    lines.append(f"\nsuggested (p{percentiles[len(percentiles) // 2]:g}): in languages/{out_dir.name}.yaml set\n"
                 f"perplexity:\n  max: {suggestion:.0f}")
    return "\n".join(lines)
