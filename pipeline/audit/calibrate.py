"""`python -m pipeline calibrate perplexity|filters --lang xx`: propose thresholds from measured values.

`filters` (calibrate_filters, below): every threshold of the language from the tails of reference text.
`perplexity`:

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


SIZE_GUARDS = frozenset({"word_count.min", "word_count.max"})  # a length policy (ROOTS: 100,000-word cap against
# giant files; a minimum length a document must have), not a property of clean text


def _round(v: float) -> float:
    """Three significant digits: a threshold a person can read and write."""
    return float(f"{v:.3g}")


def calibrate_filters(out_dir: Path, languages_dir: Path, lang: str, reference: list[str] | None = None,
                      q: float = 1.0, examples: int = 1, write: bool = False, loosen_only: bool = False) -> str:
    """Every threshold of the language, proposed from the values the last run measured on reference text, the
    way FineWeb-2 chose its thresholds: a `min` becomes the q-th percentile of the reference documents'
    values, a `max` the (100 - q)-th, so that about q % of clean reference text would fail each filter on its
    own. `reference`: the sources taken as clean text of the language (default: every source of the run, then
    whatever junk they hold shifts the proposal: say so). Only bounds the language sets are proposed. For each
    proposal alone, and for all together, what the stage would newly drop and newly keep (the tuner's
    simulation on stored values: no re-scoring). `write`: save them into languages/<lang>.yaml with the method
    and the reference as a comment after each value. `loosen_only`: a proposal that would drop more than the
    current bound stays unproposed (a narrow reference has narrow tails; the current values, e.g. ROOTS's, were
    chosen against junk the reference does not hold)."""
    import datetime

    from pipeline.audit.measured import column, fixed_rule, reached
    from pipeline.audit.tune import Tuner

    tuner = Tuner(out_dir, languages_dir, lang)
    sources = np.array(tuner.table["source"].to_pylist(), dtype=object)
    known = sorted(set(sources.tolist()))
    if reference:
        unknown = sorted(set(reference) - set(known))
        if unknown:
            raise UserError(f"reference source(s) {unknown} not in the run of {lang}; its sources: {known}")
        ref = np.isin(sources, reference)
    else:
        ref = np.ones(len(sources), bool)
    ref_name = ", ".join(reference) if reference else f"all sources ({', '.join(known)})"
    lines = [f"{lang}: thresholds from the q={q:g} % tails of reference text: {ref_name}",
             f"method: min = p{q:g}, max = p{100 - q:g} of the values of the reference documents the stage measured "
             "(FineWeb-2's way); each change alone, then all together, on the last run's stored values",
             f"{'threshold':<34} {'now':>9} {'proposed':>9} {'ref docs':>9} {'newly dropped':>14} {'newly kept':>11}"]
    proposals: dict[str, dict] = {}
    comments: dict[str, str] = {}
    today = datetime.date.today().isoformat()
    fixed = {s: fixed_rule(tuner.table, s, tuner.language) for s in tuner.stages}
    for k in tuner.knobs:
        v = column(tuner.table, k.column)[reached(tuner.table, k.stage) & ref & ~fixed[k.stage]]
        v = v[~np.isnan(v)]  # reference documents the stage measured, less those a rule without threshold dropped
        for bound, pct in (("min", q), ("max", 100 - q)):
            if getattr(k, bound) is None or not k.keys[0 if bound == "min" else 1]:
                continue
            line, value, more = _propose(tuner, k, bound, pct, v, examples, loosen_only)
            lines += [line, *more]
            if value is not None:
                proposals.setdefault(k.key, {})[bound] = value
                comments[f"{k.key}.{bound}"] = f"p{pct:g} of {len(v):,} docs of {ref_name} (calibrate filters, {today})"
    together = tuner.simulate(proposals, n_examples=0)["stages"]
    lines.append("all together: " + "; ".join(
        f"{s}: {r['docs_out']:,} of {r['docs_in']:,} kept (now {tuner.baseline[s]['docs_out']:,}), "
        f"+{r['newly_dropped']:,} dropped, +{r['newly_kept']:,} kept" for s, r in together.items()))
    if write:
        saved = tuner.save(proposals, comments=comments)
        lines.append(f"written to {saved['saved']}: {len(saved['changed'])} value(s) changed")
    else:
        lines.append(f"nothing written; --write saves them into {tuner.target_file()} with a comment each")
    return "\n".join(lines)


def _propose(tuner, k, bound: str, pct: float, v: np.ndarray, examples: int,
             loosen_only: bool = False) -> tuple[str, float | None, list[str]]:
    """One bound's line of the table, its proposed value (None: it stays) and example lines."""
    label, now = f"{k.key}.{bound}", getattr(k, bound)
    if f"{k.name}.{bound}" in SIZE_GUARDS:
        return f"{label:<34} {now:>9.4g} {'-':>9} {'':>9}   (a size guard, not a property of clean text)", None, []
    if not len(v):
        return f"{label:<34} {now:>9.4g} {'-':>9} {0:>9}   (no reference document reached {k.stage})", None, []
    value = _round(float(np.percentile(v, pct)))
    if (bound == "max" and value <= v.min()) or (bound == "min" and value >= v.max()):
        end = "minimum" if bound == "max" else "maximum"
        return (f"{label:<34} {now:>9.4g} {'-':>9} {len(v):>9,}   (the reference's p{pct:g} is its {end}, {value:g}: "
                "no tail to cut, the bound stays)"), None, []
    if loosen_only and (value < now if bound == "max" else value > now):
        return f"{label:<34} {now:>9.4g} {'-':>9} {len(v):>9,}   (p{pct:g} = {value:g} is tighter: stays, loosen-only)", None, []
    sim = tuner.simulate({k.key: {bound: value}}, n_examples=examples)["stages"][k.stage]
    more = [f"{'':>36}{'drops' if e['rule'] else 'keeps'} {e['id']}: {' '.join(e['text'].split())[:110]}"
            for e in sim["examples_dropped"] + sim["examples_kept"]]
    return (f"{label:<34} {now:>9.4g} {value:>9.4g} {len(v):>9,} {sim['newly_dropped']:>14,} {sim['newly_kept']:>11,}",
            value, more)
