"""One pass, many languages: a multilingual JSONL and a WARC (built here from real paragraphs of five languages,
shuffled) read once, each document routed to its language; per language the same kept documents as
single-language builds of the same source; a language not built is recorded once at the run level."""
import io
import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, entry, require_bundled_data, write_entry

from pipeline.audit.report import run_writers, write_run_docs
from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.multirun import MultiRun
from pipeline.readers import source_documents
from pipeline.run import Run

BUILT = ["fr", "en", "de", "es"]
STAGES = ["normalise", "langid", "quality", "dedup"]


def paragraphs(lang: str, n: int) -> list[str]:
    docs = source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7)
    out = [p.strip() for d in docs for p in d.text.split("\n\n") if 200 < len(p.strip()) < 1500]
    return random.Random(lang).sample(out, n)


def warc(path: Path, pages: list[tuple[str, str]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, text in pages:
            body = f"<html><body><p>{text}</p></body></html>".encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    require_bundled_data()
    root = tmp_path_factory.mktemp("multi")
    rows = [(lang, text) for lang in [*BUILT, "it"] for text in paragraphs(lang, 40)]
    random.Random(1).shuffle(rows)
    src = root / "src"
    src.mkdir()
    (src / "mixed.jsonl").write_text("".join(json.dumps({"id": f"m{i}", "text": t, "gold": g}, ensure_ascii=False) + "\n"
                                             for i, (g, t) in enumerate(rows[:120])), encoding="utf-8")
    warc(src / "mixed.warc.gz", [(f"https://example.org/{i}", t) for i, (_, t) in enumerate(rows[120:])])
    write_entry(root / "catalogue", entry("web", "../src/mixed.jsonl", languages=BUILT, id_field="id", meta_fields=["gold"]))
    write_entry(root / "catalogue", {**entry("crawl", "../src/mixed.warc.gz", kind="warc", languages=["detect"]),
                                     "media": {"format": "warc"}})
    return root


def kept_ids(out: Path, lang: str) -> set[str]:
    return set(pq.read_table(out / lang / "data", columns=["id"])["id"].to_pylist())


def test_one_pass_routes_each_document_once_and_equals_single_language_builds(mixed, monkeypatch):
    import pipeline.readers.jsonl as jsonl_reader
    import pipeline.readers.warc as warc_reader

    read: dict[str, int] = {}
    real = jsonl_reader.open_input

    class Counting(io.RawIOBase):  # every byte a reader takes from an input file, counted
        def __init__(self, fh, name):
            self.fh, self.name = fh, name
            read.setdefault(name, 0)

        def readable(self):
            return True

        def seekable(self):
            return self.fh.seekable()

        def seek(self, *a):
            return self.fh.seek(*a)

        def tell(self):
            return self.fh.tell()

        def readinto(self, b):
            n = self.fh.readinto(b)
            read[self.name] += n
            return n

        def close(self):
            self.fh.close()
            super().close()

    def counting(loc):
        return io.BufferedReader(Counting(real(loc), Path(loc).name))

    monkeypatch.setattr(jsonl_reader, "open_input", counting)
    monkeypatch.setattr(warc_reader, "open_input", counting)
    cfg = RunConfig(catalogue=mixed / "catalogue", output=mixed / "multi", executor="local", stages=STAGES)
    result = MultiRun(cfg, BUILT, writers=run_writers(cfg), run_writers=[write_run_docs]).execute(progress=False)
    sizes = {p.name: p.stat().st_size for p in (mixed / "src").iterdir()}
    assert read == sizes  # every input file read exactly once, whole

    run = result["run"]
    everything = sum(1 for _ in open(mixed / "src" / "mixed.jsonl")) + 80
    langs = result["languages"]
    assert sum(s["documents_in"] for s in langs.values()) + run["run_level_rejected"] == everything
    not_built = pq.read_table(mixed / "multi" / "_run" / "rejected").to_pylist()
    assert {r["rule"] for r in not_built} == {"not_built"}  # nothing else is lost before routing here
    assert sum("predicted it" in r["detail"] for r in not_built) >= 30  # the Italian paragraphs (+ a few shell listings)
    assert run["routing"]["web"]["fr"] > 10 and run["routing"]["crawl"]["langid:not_built"] > 5

    for lang in BUILT:  # the same kept documents as a build of that one language
        single = RunConfig(catalogue=mixed / "catalogue", output=mixed / "single", executor="local", stages=STAGES)
        Run(single, lang).execute(progress=False)
        assert kept_ids(mixed / "multi", lang) == kept_ids(mixed / "single", lang) and kept_ids(mixed / "multi", lang), lang
        kept = pq.read_table(mixed / "multi" / lang / "data", columns=["lang", "lang_pred2"]).to_pylist()
        assert {r["lang"] for r in kept} == {lang} and any(r["lang_pred2"] for r in kept)  # second best kept too
    everywhere = [i for lang in BUILT for i in kept_ids(mixed / "multi", lang)]
    assert len(everywhere) == len(set(everywhere))  # no document went to two languages
    card = (mixed / "multi" / "_run" / "README.md").read_text()
    assert "## Where the documents went" in card and "| web | fr |" in card


def test_a_rerun_resumes_and_the_counts_still_add_up(mixed):
    cfg = RunConfig(catalogue=mixed / "catalogue", output=mixed / "multi2", executor="local", stages=STAGES)
    first = MultiRun(cfg, BUILT).execute(progress=False)
    again = MultiRun(cfg, BUILT)
    assert not again.pending()
    second = again.execute(progress=False)
    assert second["run"]["units_resumed"] == len(again.units) and second["run"]["documents_kept"] == first["run"]["documents_kept"]


def test_killed_in_a_shared_unit_the_rerun_resumes_and_gives_the_same_builds(mixed, tmp_path):
    import os
    import subprocess
    import sys

    import yaml

    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"catalogue": str(mixed / "catalogue"), "output": str(tmp_path / "out"),
                                      "executor": "local", "stages": STAGES}))
    cmd = [sys.executable, "-m", "pipeline", "corpus", "--langs", ",".join(BUILT), "--config", str(config), "--no-progress"]
    env = {**os.environ, "ROOTS_FAILPOINT": f"unit:before_stats@{tmp_path / 'killed'}"}
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == -9 and (tmp_path / "killed").exists()
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    cfg = RunConfig(catalogue=mixed / "catalogue", output=mixed / "reference", executor="local", stages=STAGES)
    MultiRun(cfg, BUILT).execute(progress=False)
    for lang in [*BUILT, "_run"]:
        for part in ("data", "rejected") if lang != "_run" else ("rejected",):
            got = pq.read_table(tmp_path / "out" / lang / part)
            want = pq.read_table(mixed / "reference" / lang / part)
            assert got.sort_by("id").equals(want.sort_by("id")), (lang, part)
