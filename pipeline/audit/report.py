"""`out/<lang>/report.html`: one self-contained page to audit a run (no server, no network, no script).

Read from what the run wrote (reports/*.json, manifest.json, the measured values in data/ and rejected/):
the flow of documents and bytes through the stages; per stage and per source the documents kept and
dropped by rule; for every threshold a histogram of the measured values over the documents that reached
its stage, with the threshold drawn in red and the share it discards (ROOTS's tuning app showed the same);
per rule the dropped examples the stage report kept and the kept documents closest to the threshold;
dedup's cluster sizes; PII counts by type; the language mix LID saw. Every text is already PII-redacted
(the pii stage redacts kept and rejected documents alike) and is HTML-escaped here. Plots are inline SVG.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.audit.datacard import CARD, empty_note, language_card, stage_params
from pipeline.audit.measured import column, histogram, knobs, load_values, random_sample, reached, share_beyond
from pipeline.base import location
from pipeline.language import LanguageConfig
from pipeline.shards import write_text_atomic
from pipeline.stages import BY_NAME
from pipeline.stages.base import Knob

EXCERPT = 600    # characters shown at once
FULL = 20_000    # characters shown when an excerpt is opened
SAMPLE = 5       # random documents per source, kept and rejected
SEED = 0
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.muted{color:#777}.drop{color:#b00}
pre{white-space:pre-wrap;background:#f8f8f8;border:1px solid #eee;padding:6px;margin:4px 0;font-size:12px;max-height:12em;overflow:auto}
details{margin:.4em 0}summary{cursor:pointer}
details.more>summary{list-style:none}details.more[open]>summary>pre{display:none}.grid{display:flex;flex-wrap:wrap;gap:1em}
.card{border:1px solid #ddd;padding:.6em;border-radius:4px}
"""


def esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, int) or float(v).is_integer() and abs(v) >= 1:
        return f"{int(v):,}"
    return f"{v:.4g}"


def flow_svg(stages: list[dict]) -> str:
    """One bar per stage: documents out of documents in, widths relative to the first stage's input."""
    if not stages:
        return ""
    top = max(stages[0]["docs_in"], 1)
    w, row = 600, 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w + 330}" height="{row * len(stages) + 10}" '
             f'role="img" aria-label="documents through the stages">']
    for i, s in enumerate(stages):
        y = 5 + i * row
        win, wout = w * s["docs_in"] / top, w * s["docs_out"] / top
        parts.append(f'<text x="0" y="{y + 18}" font-size="13">{esc(s["stage"])}</text>')
        parts.append(f'<rect x="90" y="{y}" width="{win:.1f}" height="24" fill="#f3c5c5"/>')
        parts.append(f'<rect x="90" y="{y}" width="{wout:.1f}" height="24" fill="#6a9fd4"/>')
        mb_in, mb_out = s["bytes_in"] / 1e6, s["bytes_out"] / 1e6
        parts.append(f'<text x="{90 + w + 8}" y="{y + 17}" font-size="12">{s["docs_in"]:,} → {s["docs_out"]:,} docs; '
                     f'{mb_in:.2f} → {mb_out:.2f} MB</text>')
    parts.append("</svg>")
    return "".join(parts)


def ticks(lo: float, hi: float, log: bool) -> list[float]:
    """Round values to label an axis from lo to hi: 1-2-5 steps, or powers of ten (and 2x, 5x) on a log scale."""
    if hi <= lo:
        return [lo]
    if log:
        out = [m * 10.0 ** e for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
               for m in (1, 2, 5)]
        inside = [t for t in out if lo <= t <= hi]
        return [t for t in inside if len(inside) <= 7 or np.log10(t).is_integer()] or [lo, hi]
    raw = (hi - lo) / 5
    mag = 10.0 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [float(t) for t in np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)]


def histogram_svg(h: dict, k: Knob, share: float, label: str) -> str:
    """Bars over the measured range with an x axis (ticks; log scale when the range needs it), a y axis of
    document counts, and the thresholds in red (an arrow when one lies beyond the values)."""
    if not h["n"]:
        return f'<p class="muted">{esc(label)}: no measured values.</p>'
    w, ht, left, right, top_pad = 400, 140, 48, 24, 28
    counts, edges, log = h["counts"], h["edges"], h.get("log", False)
    lo, hi = edges[0], edges[-1]
    top = max(counts) or 1
    bw = w / len(counts)

    def x_of(v: float) -> float:
        c = min(max(v, lo), hi)
        frac = np.log(c / lo) / np.log(hi / lo) if log and hi > lo else (c - lo) / ((hi - lo) or 1)
        return left + w * float(frac)

    base = top_pad + ht
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + w + right}" height="{base + 58}" role="img" '
             f'aria-label="histogram of {esc(label)}">']
    for i, c in enumerate(counts):
        bh = ht * c / top
        parts.append(f'<rect x="{left + i * bw:.1f}" y="{base - bh:.1f}" width="{max(bw - 1, 1):.1f}" height="{bh:.1f}" '
                     f'fill="#6a9fd4"><title>{fmt(edges[i])} – {fmt(edges[i + 1])}: {c:,}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + w}" y2="{base}" stroke="#444"/>'
                 f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{base}" stroke="#444"/>')
    for t in ticks(lo, hi, log):
        x = x_of(t)
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#444"/>'
                     f'<text x="{x:.1f}" y="{base + 15}" font-size="10" text-anchor="middle">{fmt(t)}</text>')
    for c in (0, top // 2, top) if top > 1 else (0, top):
        y = base - ht * c / top
        parts.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#444"/>'
                     f'<text x="{left - 6}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{c:,}</text>')
    parts.append(f'<text x="{left + w / 2}" y="{base + 28}" font-size="11" text-anchor="middle">{esc(k.column)}'
                 f'{" (log scale)" if log else ""}</text>'
                 f'<text x="4" y="{top_pad - 14}" font-size="10" fill="#555">documents</text>')
    for t, name in ((k.min, "min"), (k.max, "max")):
        if t is None:
            continue
        x = x_of(t)
        beyond = " →" if t > hi else "← " if t < lo else ""
        text = f"{beyond}{name} {fmt(t)}" if t < lo else f"{name} {fmt(t)}{beyond}"
        parts.append(f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{base}" stroke="#d00" stroke-width="2"/>')
        anchor = "end" if x > left + w - 60 else "start" if x < left + 60 else "middle"  # keep the label inside
        parts.append(f'<text x="{x:.1f}" y="{base + 44}" font-size="11" fill="#d00" text-anchor="{anchor}">{esc(text)}</text>')
    parts.append(f'<text x="{left + w}" y="{top_pad - 14}" font-size="12" fill="#d00" text-anchor="end">'
                 f'{share * 100:.1f} % discarded</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(items: list[tuple[str, int]], width: int = 420) -> str:
    if not items:
        return '<p class="muted">none</p>'
    top = max(v for _, v in items) or 1
    row = 20
    lab = 12 + 7 * max(len(str(name)) for name, _ in items)  # room for the longest label, not a fixed 110 px
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{lab + width + 90}" height="{row * len(items) + 6}">']
    for i, (name, v) in enumerate(items):
        y = 3 + i * row
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{esc(name)}</text>')
        parts.append(f'<rect x="{lab}" y="{y}" width="{width * v / top:.1f}" height="15" fill="#8bb86a"/>')
        parts.append(f'<text x="{lab + 4 + width * v / top:.1f}" y="{y + 12}" font-size="11">{v:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def dropped_table(rep: dict) -> str:
    rows = ['<tr><th class="l">rule</th><th>docs</th><th>bytes</th><th>% of input docs</th></tr>']
    for rule, d in sorted(rep.get("dropped", {}).items(), key=lambda kv: -kv[1]["docs"]):
        rows.append(f'<tr><td class="l">{esc(rule)}</td><td>{d["docs"]:,}</td><td>{d["bytes"]:,}</td>'
                    f'<td>{100 * d["docs"] / max(rep["docs_in"], 1):.1f}</td></tr>')
    if len(rows) == 1:
        return '<p class="muted">nothing dropped</p>'
    return "<table>" + "".join(rows) + "</table>"


def source_table(rep: dict) -> str:
    per = rep.get("per_source", {})
    rules = sorted({r for s in per.values() for r in s.get("dropped", {})})
    head = "".join(f"<th>{esc(r)}</th>" for r in rules)
    rows = [f'<tr><th class="l">source</th><th>docs in</th><th>kept</th>{head}</tr>']
    for src, s in sorted(per.items()):
        cells = "".join(f'<td>{s["dropped"].get(r, {}).get("docs", 0):,}</td>' for r in rules)
        rows.append(f'<tr><td class="l">{esc(src)}</td><td>{s["docs_in"]:,}</td><td>{s["docs_out"]:,}</td>{cells}</tr>')
    return "<table>" + "".join(rows) + "</table>"


def excerpt_html(text: str, lang: str) -> str:
    """A document's text for a reader of its language: `lang` and `dir="auto"` (Arabic, Hebrew, Urdu read right
    to left, mixed runs ordered by the browser), the first EXCERPT characters, the rest up to FULL on a click."""
    attrs = f'lang="{"zxx" if lang == "code" else esc(lang)}" dir="auto"'  # zxx: no human language (code)
    head = f"<pre {attrs}>{esc(text[:EXCERPT])}</pre>"
    if len(text) <= EXCERPT:
        return head
    more = f"{len(text) - FULL:,} more characters not shown" if len(text) > FULL else ""
    return (f"<details class='more'><summary>{head}<span class='muted'>show all {len(text):,} characters</span></summary>"
            f"<pre {attrs}>{esc(text[:FULL])}</pre>{more}</details>")


def examples_html(examples: list[dict], lang: str) -> str:
    out = []
    for e in examples:
        said = [f"{name} {fmt(e[name])}" for name in ("value", "threshold") if e.get(name) is not None]
        meta = " · ".join([esc(e.get("id")), *said]) + f' {esc(e.get("detail") or "")}'
        out.append(f'<div class="ex"><span class="muted">{meta}</span>{excerpt_html(e.get("text") or "", lang)}</div>')
    return "".join(out) or '<p class="muted">no examples</p>'


def sample_html(sample: dict[str, dict[str, list[dict]]], lang: str, seed: int) -> list[str]:
    """The random documents of each source, kept and rejected, for a native speaker to read."""
    h = ["<h2 id='sample'>A random sample to read</h2>",
         f"<p class='muted'>Per source, documents drawn at random (seed {seed}: the same documents on every rebuild of "
         "these shards) from the kept ones and from the rejected ones, so a reader judges the output as it is, "
         "not only the cases near a threshold.</p>"]
    for src, parts in sorted(sample.items()):
        for kind in ("kept", "rejected"):
            rows = parts.get(kind, [])
            if not rows:
                continue
            items = [{**r, "detail": f"{r['stage']}:{r['rule']}" if r.get("rule") else ""} for r in rows]
            h.append(f"<details class='sample' id='sample-{esc(kind)}-{esc(src)}'><summary><b>{esc(src)}</b>: "
                     f"{len(rows)} {kind} at random</summary>{examples_html(items, lang)}</details>")
    return h


def near_threshold(table: pa.Table, k: Knob, n: int) -> list[dict]:
    """Kept documents whose value is closest to the threshold (the ones a tighter threshold would drop first)."""
    kept = table.filter(pc.is_null(table["stage"]))
    v = column(kept, k.column)
    ok = ~np.isnan(v)
    if not ok.any() or (k.min is None and k.max is None):
        return []
    dist = np.full(len(v), np.inf)
    if k.min is not None:
        dist = np.minimum(dist, np.abs(v - k.min))
    if k.max is not None:
        dist = np.minimum(dist, np.abs(v - k.max))
    dist[~ok] = np.inf
    idx = [int(i) for i in np.argsort(dist, kind="stable")[:n] if np.isfinite(dist[i])]
    rows = kept.take(pa.array(idx, pa.int64())).select(["id", "text"]).to_pylist()
    return [{"id": r["id"], "text": r["text"], "value": float(v[i]), "threshold": k.min if k.min is not None else k.max}
            for r, i in zip(rows, idx)]


def stage_section(s: dict, cls, stage_knobs: list[Knob], table: pa.Table | None, n_examples: int, params: str,
                  lang: str) -> list[str]:
    """One stage's part of the page: drops by rule and source, threshold histograms, examples, its panels."""
    name = s["stage"]
    h = [f'<h2 id="stage-{esc(name)}">Stage <code>{esc(name)}</code></h2>',
         f'<p>{s["docs_in"]:,} documents in, {s["docs_out"]:,} out.</p>']
    if params:
        h.append(f"<p class='muted'>parameters: <code>{esc(params)}</code></p>")
    h.append("<h3>Dropped by rule</h3>" + dropped_table(s))
    h.append("<details><summary>per source</summary>" + source_table(s) + "</details>")
    if stage_knobs and table is not None:
        sub = table.filter(pa.array(reached(table, name)))
        h.append('<h3>Thresholds</h3><div class="grid">')
        for k in stage_knobs:
            vals = column(sub, k.column)
            h.append(f'<div class="card" id="hist-{esc(k.key)}"><b>{esc(k.key)}</b> '
                     f'<span class="muted">({np.count_nonzero(~np.isnan(vals)):,} measured)</span><br>'
                     + histogram_svg(histogram(vals), k, share_beyond(vals, k), k.key) + "</div>")
        h.append("</div>")
    for rule, exs in s.get("examples", {}).items():
        h.append(f"<details><summary>examples dropped by <b>{esc(rule)}</b> ({len(exs)})</summary>"
                 + examples_html(exs[:n_examples], lang) + "</details>")
    for k in stage_knobs if table is not None else []:
        near = near_threshold(table, k, n_examples)
        if near:
            h.append(f"<details><summary>kept, closest to the <b>{esc(k.key)}</b> threshold ({len(near)})</summary>"
                     + examples_html(near, lang) + "</details>")
    for panel in cls.panels(s):
        h.append(f"<h3 id='{esc(panel.id)}'>{esc(panel.title)}</h3>" + bars_svg(panel.items))
    for label, samples in s.get("samples", {}).items():
        h.append(f"<details><summary>{esc(cls.samples_title)}: {esc(label)} ({len(samples)})</summary>"
                 + examples_html(samples[:n_examples], lang) + "</details>")
    return h


def build_report(out_dir: Path, language: LanguageConfig, n_examples: int = 3, config: dict | None = None,
                 entries: dict | None = None) -> str:
    out_dir = location(out_dir)
    reports = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out_dir / "reports").glob("*.json")}
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    stages = [reports[s] for s in manifest["stages"] if s in reports]
    run = reports.get("run", {})
    ks = knobs(language)
    ks = [k for k in ks if k.stage in manifest["stages"]]
    table = load_values(out_dir, [k.column for k in ks], text=True) if ks else None
    lang = manifest["lang"]
    h = [f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Run report: {esc(lang)}</title>'
         f"<style>{CSS}</style></head><body>",
         f"<h1>Run report: {esc(language.name)} (<code>{esc(lang)}</code>)</h1>",
         f'<p>config hash <code>{esc(manifest["config_hash"])}</code> · language file <code>{esc(manifest["language_file"])}</code> · '
         f'{manifest["documents_in"]:,} documents in, <b>{manifest["documents_kept"]:,} kept</b>, '
         f'{manifest["documents_rejected"]:,} rejected · {fmt(run.get("seconds"))} s wall</p>',
         f"<p class='drop'><b>{esc(empty_note(manifest))}</b></p>" if empty_note(manifest) else "",
         '<p class="muted">Every excerpt below has been through PII redaction (values appear as PI:&lt;TYPE&gt;).</p>',
         "<h2 id='flow'>Flow through the stages</h2>", flow_svg(stages),
         "<table><tr><th class='l'>stage</th><th>docs in</th><th>docs out</th><th>dropped</th><th>MB in</th>"
         "<th>MB out</th><th>CPU s</th></tr>"]
    for s in stages:
        h.append(f'<tr><td class="l"><a href="#stage-{esc(s["stage"])}">{esc(s["stage"])}</a></td><td>{s["docs_in"]:,}</td>'
                 f'<td>{s["docs_out"]:,}</td><td class="drop">{s["docs_in"] - s["docs_out"]:,}</td>'
                 f'<td>{s["bytes_in"] / 1e6:.2f}</td><td>{s["bytes_out"] / 1e6:.2f}</td><td>{fmt(s.get("seconds"))}</td></tr>')
    h.append("</table>")
    h.append("<h2>Sources</h2><table><tr><th class='l'>source</th><th class='l'>licence</th><th>kept docs</th></tr>")
    last = stages[-1] if stages else {"per_source": {}}
    for uid, src in manifest["sources"].items():
        kept = last["per_source"].get(uid, {}).get("docs_out", 0)
        h.append(f'<tr><td class="l">{esc(uid)}</td><td class="l">{esc(src["licence"])} ({esc(src["licence_class"])})</td>'
                 f"<td>{kept:,}</td></tr>")
    h.append("</table>")

    h += sample_html(random_sample(out_dir, SAMPLE, SEED), lang, SEED)
    for s in stages:
        h += stage_section(s, BY_NAME[s["stage"]], [k for k in ks if k.stage == s["stage"]], table, n_examples,
                           stage_params(s["stage"], language, config, entries), lang)
    h.append("</body></html>")
    return "\n".join(h)


def write_outputs_docs(out_dir: Path, language: LanguageConfig, entries: dict, config: dict | None = None) -> None:
    """report.html and the data card (README.md) from what the run wrote."""
    out_dir = location(out_dir)
    write_text_atomic(build_report(out_dir, language, config=config, entries=entries), out_dir / "report.html")
    write_text_atomic(language_card(out_dir, language, entries, config), out_dir / CARD)


def write_after_run(out_dir: Path, run) -> None:
    """The writer a run calls when it has finished (pipeline/run.py: `writers`)."""
    write_outputs_docs(out_dir, run.ctx.language, run.ctx.sources, run.config.model_dump(mode="json"))


def write_run_docs(version: Path, multirun, summary: dict) -> None:
    """`_run/README.md` (its card) and `_run/report.html` of a multi-language run: languages, shares, routing."""
    from pipeline.audit.datacard import multi_card

    card = multi_card(multirun.config.output, multirun.langs, multirun.config.catalogue, summary, prefix="../")
    write_text_atomic(card, version / CARD)
    rows = "".join(f"<tr><td class='l'>{esc(src)}</td><td class='l'>{esc(dest)}</td><td>{n:,}</td></tr>"
                   for src, row in sorted(summary["routing"].items()) for dest, n in sorted(row.items()))
    langs = "".join(f"<li><a href='../{esc(lang)}/report.html'>{esc(lang)}</a></li>" for lang in multirun.langs)
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Run report: {esc(', '.join(multirun.langs))}"
            f"</title><style>{CSS}</style></head><body><h1>Multi-language run</h1>"
            f"<p>{summary['documents_kept']:,} documents kept, {summary['documents_rejected']:,} rejected, "
            f"{summary['run_level_rejected']:,} of them before any language took them · {fmt(summary['seconds'])} s wall</p>"
            f"<h2>Languages</h2><ul>{langs}</ul><h2 id='routing'>Where the documents went</h2><table><tr>"
            f"<th class='l'>source</th><th class='l'>destination</th><th>documents</th></tr>{rows}</table></body></html>")
    write_text_atomic(page, version / "report.html")


def run_writers(cfg) -> list:
    """What a run writes besides its shards and reports: report.html and the data card, unless turned off."""
    return [write_after_run] if cfg.report_html else []
