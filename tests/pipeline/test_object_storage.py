"""Inputs and outputs on object storage: an S3 API served on 127.0.0.1 by moto (started and stopped here), and
an `hf://` path through a local fsspec filesystem (no Hub can be reached): the same tables as the same files
on local disk. Credentials come from the environment, as s3fs reads them."""
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FRENCH, entry, write_entry
from fsspec.implementations.dirfs import DirFileSystem
from upath import UPath

from pipeline.audit.report import run_writers
from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.run import Run

KEY_ID, SECRET = "AKIAROOTSTESTKEY", "s3cr3t-Zq9-never-written"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3(monkeypatch, tmp_path):
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for key, value in {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "ROOTS_PIPELINE_CACHE": str(tmp_path / "cache")}.items():
        monkeypatch.setenv(key, value)
    fsspec.filesystem("s3").clear_instance_cache()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        fs = fsspec.filesystem("s3", skip_instance_cache=True)
        for bucket in ("corpus", "builds"):
            fs.mkdir(bucket)
        yield fs
    finally:
        server.terminate()
        server.wait(timeout=10)


class LocalHub(DirFileSystem):
    """`hf://datasets/...` served from a local folder, as the Hub would serve it."""

    protocol = "hf"

    def __init__(self, *args, **kwargs):
        super().__init__(path=str(LocalHub.root), fs=fsspec.filesystem("file"))


def make_inputs(folder: Path) -> None:
    (folder / "web").mkdir(parents=True)
    rows = [{"id": f"w{i}", "text": f"{FRENCH[i % 4]} {FRENCH[(i * 3 + 1) % 4]} Article {i}."} for i in range(60)]
    rows.append({"id": "w0", "text": "Un doublon d'identifiant."})
    (folder / "web" / "fr-0.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:30]))
    (folder / "web" / "fr-1.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[30:]) + "{broken\n")
    texts = [f"{FRENCH[i % 4]} Page {i} du manuel, avec des détails sur la configuration du système." for i in range(40)]
    (folder / "hub" / "datasets" / "org" / "manuals").mkdir(parents=True)
    pq.write_table(pa.table({"text": texts}), folder / "hub" / "datasets" / "org" / "manuals" / "fr.parquet")


def catalogue(folder: Path, web: str, hub: str) -> Path:
    write_entry(folder, entry("web", web, id_field="id"))
    write_entry(folder, entry("manuals", hub, kind="parquet"))
    return folder


def test_inputs_and_output_on_s3_and_hf_give_the_tables_of_local_disk(tmp_path, s3, monkeypatch):
    data = tmp_path / "data"
    make_inputs(data)
    s3.put(str(data / "web") + "/", "corpus/web/", recursive=True)
    LocalHub.root = data / "hub"
    fsspec.register_implementation("hf", LocalHub, clobber=True)
    try:
        remote = catalogue(tmp_path / "cat-remote", "s3://corpus/web/{lang}-*.jsonl", "hf://datasets/org/manuals/{lang}.parquet")
        local = catalogue(tmp_path / "cat-local", "../data/web/{lang}-*.jsonl", "../data/hub/datasets/org/manuals/{lang}.parquet")
        stages = ["normalise", "langid", "quality", "pii", "dedup"]
        on_s3 = RunConfig(catalogue=remote, output="s3://builds/out", executor="local", stages=stages)
        summary = Run(on_s3, "fr", writers=run_writers(on_s3)).execute(progress=False)
        on_disk = RunConfig(catalogue=local, output=tmp_path / "out", executor="local", stages=stages)
        Run(on_disk, "fr", writers=run_writers(on_disk)).execute(progress=False)
    finally:
        fsspec.register_implementation("hf", "huggingface_hub.HfFileSystem", clobber=True)
    build = UPath("s3://builds/out/fr")
    manifest = json.loads((build / "manifest.json").read_text())
    assert summary["output"] == "s3://builds/out/fr" and manifest["documents_in"] == 102
    for part in ("data", "rejected"):
        got = pa.concat_tables([pq.read_table((build / s["path"]).open("rb")) for s in manifest[part]])
        want = pq.read_table(tmp_path / "out" / "fr" / part)
        assert got.num_rows > 5 and got.equals(want), part
    assert (build / "report.html").exists() and (build / "README.md").exists()
    for key in s3.find("builds"):  # no credential written anywhere
        blob = s3.cat(key)
        assert KEY_ID.encode() not in blob and SECRET.encode() not in blob, key

    # a second run publishes by its manifest, and leaves no shard of the first one behind
    first = {s["path"] for s in manifest["data"]}
    Run(on_s3.model_copy(update={"normalise": on_s3.normalise.model_copy(update={"min_chars": 80})}), "fr").execute(progress=False)
    second = json.loads((build / "manifest.json").read_text())
    on_store = {f"data/{p.name}" for p in (build / "data").iterdir()}
    assert on_store == {s["path"] for s in second["data"]} and not on_store & first


def test_an_unreachable_or_empty_uri_is_one_clear_error(tmp_path, s3):
    cat = catalogue(tmp_path / "cat", "s3://corpus/nothing/*.jsonl", "s3://no-such-bucket/x.parquet")
    with pytest.raises(UserError, match="field 'read.path'"):
        Run(RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", stages=["normalise"]), "fr")
