"""`make tune LANG=xx`: move a language's thresholds in a local web page and see what each change drops.

The page (served on 127.0.0.1 only, by the standard library's HTTP server; no file leaves the machine)
shows, for every threshold of the language (LID minimum score, each ROOTS quality filter's min/max,
perplexity max), the histogram of the values the last run measured over the documents that reached the
stage, with the threshold as a red line. Moving a threshold re-applies the stage's rules to the stored
values (pipeline/measured.py: no re-scoring), so the counts shown are the ones a re-run would produce for
that stage, with examples of documents the change would newly drop or newly keep. "Save" writes the
values back into `languages/<lang>.yaml` with its comments and layout kept (ruamel.yaml round trip; a
language that ran on `default.yaml` gets its own file), checks that the file still loads, and the next
`make corpus LANG=xx` applies it.

Limits, said on the page too: documents an earlier stage dropped were never measured by the later ones,
so loosening LID cannot tell what quality would do with the newly admitted documents (counted as
"unmeasured"); datatrove filters decide by reason, not by threshold, so their last decision stands.
"""
from __future__ import annotations

import argparse
import hmac
import io
import json
import math
import secrets
import shutil
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pyarrow as pa
from pydantic import ValidationError

from pipeline.audit.measured import as_counts, column, histogram, knobs, load_values, reached, simulate_stage
from pipeline.base import check_lang
from pipeline.errors import UserError, cli_main
from pipeline.language import LanguageConfig, language_file, load_language
from pipeline.shards import write_text_atomic
from pipeline.stages.base import Knob
from pipeline.yamlio import add_eol_comment, describe_validation_error

EXCERPT = 300


class Tuner:
    """The measured values of one run and the language file they came from; simulate and save."""

    def __init__(self, out_dir: Path, languages_dir: Path, lang: str):
        self.out_dir, self.languages_dir, self.lang = Path(out_dir), Path(languages_dir), check_lang(lang)
        manifest = self.out_dir / "manifest.json"
        if not manifest.is_file():
            raise UserError(f"{manifest} not found: run `make corpus LANG={lang}` first")
        self.language = load_language(self.languages_dir, lang)
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        if recorded.get("profile", "shipped") != "shipped":  # its thresholds are not the file's, which tuning edits
            raise UserError(f"{self.out_dir} was built with `profile: {recorded['profile']}`: rebuild without it first")
        ran = recorded["stages"]
        self.knobs = [k for k in knobs(self.language) if k.stage in ran]
        self.stages = [s for s in ran if any(k.stage == s for k in self.knobs)]
        self.table = load_values(self.out_dir, [k.column for k in self.knobs], text=True)
        self.texts = self.table["text"]
        self.ids = self.table["id"].to_pylist()
        self.baseline = {s: simulate_stage(self.table, s, self.knobs, self.language) for s in self.stages}

    def with_thresholds(self, thresholds: dict[str, dict]) -> list[Knob]:
        """The knobs with new values: {"quality.word_count": {"min": 10, "max": null}, ...}; unknown keys fail."""
        by_key = {k.key: k for k in self.knobs}
        unknown = sorted(set(thresholds) - set(by_key))
        if unknown:
            raise UserError(f"unknown threshold(s) {unknown}; valid: {sorted(by_key)}")
        out = []
        for k in self.knobs:
            new = thresholds.get(k.key, {})
            lo, hi = (_number(new.get(b, getattr(k, b)), f"{k.key}.{b}") for b in ("min", "max"))
            if lo is not None and hi is not None and lo > hi:
                raise UserError(f"{k.key}: min {lo} > max {hi}")
            out.append(k.with_bounds(lo, hi))
        data = self.language.model_dump()
        for k in out:
            apply_knob(data, k)
        try:  # the same models as the YAML: a ratio outside 0-1 or a negative count is refused here too
            LanguageConfig.model_validate(data)
        except ValidationError as e:
            raise UserError(describe_validation_error(self.target_file(), e)) from None
        return out

    def simulate(self, thresholds: dict[str, dict], n_examples: int = 3) -> dict:
        ks = self.with_thresholds(thresholds)
        stages = {}
        for s in self.stages:
            res = simulate_stage(self.table, s, ks, self.language)
            base = self.baseline[s]
            idx = np.nonzero(res["mask"])[0]
            now_drop = np.array([r is not None for r in res["rules"]], dtype=bool)
            was_drop = np.array([r is not None for r in base["rules"]], dtype=bool)
            newly_dropped = idx[now_drop & ~was_drop][:n_examples]
            newly_kept = idx[~now_drop & was_drop][:n_examples]
            rules = dict(zip(idx.tolist(), res["rules"].tolist()))
            stages[s] = {**as_counts(res),
                         "newly_dropped": int((now_drop & ~was_drop).sum()), "newly_kept": int((~now_drop & was_drop).sum()),
                         "examples_dropped": [self._example(i, rules[i], ks) for i in newly_dropped.tolist()],
                         "examples_kept": [self._example(i, None, ks) for i in newly_kept.tolist()]}
        return {"stages": stages}

    def _example(self, i: int, rule: str | None, ks: list[Knob]) -> dict:
        text = self.texts[i].as_py() or ""
        values = {k.key: _finite(self.table[k.column][i].as_py()) for k in ks}
        return {"id": self.ids[i], "rule": rule, "values": values, "text": text[:EXCERPT]}

    def state(self) -> dict:
        out = []
        for k in self.knobs:
            sub = self.table.filter(pa.array(reached(self.table, k.stage)))
            h = histogram(column(sub, k.column), bins=50)
            out.append({"key": k.key, "stage": k.stage, "name": k.name, "column": k.column, "min": k.min, "max": k.max,
                        "histogram": h})
        return {"lang": self.lang, "language_file": str(self.target_file()), "knobs": out,
                "current": self.simulate({})}

    def target_file(self) -> Path:
        return self.languages_dir / f"{self.lang}.yaml"

    def save(self, thresholds: dict[str, dict], comments: dict[str, str] | None = None) -> dict:
        """Write the thresholds into languages/<lang>.yaml, keeping its comments; validate; return the change.
        `comments`: {"quality.word_count.min": "how it was chosen"}, written after each changed value."""
        from ruamel.yaml import YAML

        ks = self.with_thresholds(thresholds)
        target = self.target_file()
        source = language_file(self.languages_dir, self.lang)
        yaml = YAML()
        yaml.representer.add_representer(type(None), _null)  # `max: null` stays `max: null`, not `max:`
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        doc = yaml.load(source.read_text(encoding="utf-8"))
        if source != target:
            doc["code"] = self.lang
            doc["name"] = self.language.name if self.language.name != "Default profile" else self.lang
        changed = []
        for k in ks:
            made = apply_knob(doc, k)
            changed += made
            notes = [(key, (comments or {}).get(f"{k.key}.{bound}")) for bound, key in zip(("min", "max"), k.keys)]
            notes = [(key, n) for key, n in notes if made and key and n]
            if not notes:
                continue
            parent, at, node = _where(doc, k)
            if node.fa.flow_style():  # `- {name: x, min: 1}`: one comment after the entry, not inside the braces
                add_eol_comment(parent, at, "; ".join(f"{key}: {n}" for key, n in notes))
            else:
                for key, n in notes:
                    add_eol_comment(node, key, n)
        buf = io.StringIO()
        yaml.dump(doc, buf)
        backup = target.read_bytes() if target.exists() else None
        write_text_atomic(buf.getvalue(), target)
        try:
            load_language(self.languages_dir, self.lang)
        except UserError:
            if backup is None:
                target.unlink()
            else:
                target.write_bytes(backup)
            raise
        return {"saved": str(target), "changed": changed}


def _where(doc, k: Knob):
    """(parent, key or index in it, the mapping that holds a knob's bounds); in a list (filters), the entry of
    that name."""
    parent, at, node = None, None, doc
    for part in k.yaml:
        parent = node
        at = next(i for i, f in enumerate(node) if f["name"] == part) if isinstance(node, list) else part
        node = node[at]
    return parent, at, node


def apply_knob(doc, k: Knob) -> list[dict]:
    """Set a knob's bounds in a language document (a YAML mapping or its plain dict); the changes made."""
    node = _where(doc, k)[2]
    changed = []
    for bound, key in zip(("min", "max"), k.keys):
        if key:
            changed += _set(node, key, getattr(k, bound), f"{k.key}.{bound}" if all(k.keys) else k.key)
    return changed


def _number(v, where: str) -> float | None:
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise UserError(f"{where}: {v!r} is not a number") from None
    if not math.isfinite(f):
        raise UserError(f"{where}: {v!r} is not a finite number")
    return f


def _null(representer, _value):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _finite(v):
    return v if v is None or (isinstance(v, float) and math.isfinite(v)) or not isinstance(v, float) else None


def _set(mapping, key: str, value: float | None, label: str) -> list[dict]:
    """Set `mapping[key] = value` (whole numbers as ints, as the YAMLs write them); the change, if any."""
    old = mapping.get(key)
    if value is not None and float(value).is_integer() and (isinstance(old, int) or (old is None and value >= 1)):
        value = int(value)
    if old == value or (value is None and key not in mapping):
        return []
    mapping[key] = value
    return [{"threshold": label, "old": old, "new": value}]


PAGE = Path(__file__).with_name("tune.html")


MAX_BODY = 1_000_000  # bytes: a threshold request is a few hundred


class TunerServer(ThreadingHTTPServer):
    """The page and its API on 127.0.0.1. Every API call needs this session's token (it is in the page the server
    sends, so another web page the user opens cannot learn it); a Host or Origin other than this server's own is
    refused (no DNS rebinding, no cross-site request); bodies need a Content-Length of at most MAX_BODY bytes."""

    daemon_threads = True

    def __init__(self, tuner: Tuner, port: int):
        super().__init__(("127.0.0.1", port), TunerHandler)
        self.tuner, self.token, self.lock = tuner, secrets.token_urlsafe(24), threading.Lock()


class TunerHandler(BaseHTTPRequestHandler):
    server: TunerServer
    timeout = 30  # seconds a client may take to send its request

    def log_message(self, *args) -> None:  # quiet: the terminal shows the URL and saves only
        pass

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj: object) -> None:
        self._send(code, json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str).encode(), "application/json")

    def _refused(self) -> str | None:
        """Why this request may not be served (None: it may)."""
        port = self.server.server_address[1]
        own = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if self.headers.get("Host") not in own:
            return "wrong Host"
        origin = self.headers.get("Origin")
        if origin is not None and origin.removeprefix("http://") not in own:
            return "cross-origin request"
        if self.path.startswith("/api/") and not hmac.compare_digest(self.headers.get("X-Tuner-Token", ""), self.server.token):
            return "missing or wrong session token (reload the page the tuner printed)"
        return None

    def do_GET(self) -> None:  # noqa: N802
        if (why := self._refused()) is not None:
            return self._json(403, {"error": why})
        if self.path in ("/", "/index.html"):
            self._send(200, PAGE.read_bytes().replace(b"__TUNER_TOKEN__", self.server.token.encode()),
                       "text/html; charset=utf-8")
        elif self.path == "/api/state":
            with self.server.lock:
                self._json(200, self.server.tuner.state())
        else:
            self._json(404, {"error": f"no such page: {self.path}"})

    def _body(self) -> dict:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise UserError("a request body needs a Content-Length (a whole number of bytes)")
        if int(length) > MAX_BODY:
            raise UserError(f"request body over {MAX_BODY:,} bytes")
        body = json.loads(self.rfile.read(int(length)) or b"{}")
        if not isinstance(body, dict) or not isinstance(body.get("thresholds", {}), dict):
            raise UserError('expected {"thresholds": {...}}')
        return body

    def do_POST(self) -> None:  # noqa: N802
        if (why := self._refused()) is not None:
            return self._json(403, {"error": why})
        tuner = self.server.tuner
        try:
            thresholds = self._body().get("thresholds", {})
            with self.server.lock:
                if self.path == "/api/simulate":
                    self._json(200, tuner.simulate(thresholds))
                elif self.path == "/api/save":
                    result = tuner.save(thresholds)
                    print(f"saved {result['saved']}: {json.dumps(result['changed'])}", flush=True)
                    self._json(200, result)
                else:
                    self._json(404, {"error": f"no such endpoint: {self.path}"})
        except UserError as e:
            self._json(400, {"error": str(e)})
        except (ValueError, AttributeError) as e:
            self._json(400, {"error": f"bad request: {e}"})


def serve(tuner: Tuner, port: int = 8765) -> TunerServer:
    """Start the tuner's server on 127.0.0.1:port (0 = any free port) in a background thread; its session
    token is `server.token`."""
    server = TunerServer(tuner, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline tune", description=__doc__.split("\n")[0])
    ap.add_argument("--lang", required=True)
    ap.add_argument("--out", type=Path, default=Path("out"), help="output root of the run to read")
    ap.add_argument("--languages", type=Path, default=Path("languages"))
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--no-browser", action="store_true", help="only print the address")
    args = ap.parse_args(argv)
    tuner = Tuner(args.out / args.lang, args.languages, args.lang)
    try:
        server = serve(tuner, args.port)
    except OSError as e:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {e} (try --port 0)") from None
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"tuning {args.lang}: {url}  (Ctrl-C to stop; Save writes {tuner.target_file()})", flush=True)
    if not args.no_browser and shutil.which("xdg-open"):
        webbrowser.open(url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
