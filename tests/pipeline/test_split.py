"""Units smaller than files: a big plain JSONL file is read in byte ranges, a big Parquet file in row groups,
and the run gives the same rows (same ids, same values) as reading each file whole."""
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FRENCH, entry, write_entry

from pipeline.config import RunConfig
from pipeline.executors import LocalExecutor
from pipeline.readers import number_lines, plan_parts, read_file
from pipeline.run import Run


def lines_file(path, n: int = 400) -> None:
    """JSONL with what makes byte ranges hard: a BOM, blank lines, long and short lines, multi-byte text,
    malformed records, a last line without a newline."""
    rng = random.Random(3)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.05:
            out.append("")
        elif r < 0.08:
            out.append('{"text": "broken')
        else:
            text = " ".join(rng.choice(FRENCH) for _ in range(rng.randint(1, 12))) + " é日本" * rng.randint(0, 3)
            out.append(json.dumps({"text": text}, ensure_ascii=False))
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(out).encode())


@pytest.mark.parametrize("unit_bytes", [41, 97, 1000, 4096])  # ranges shorter than most lines, too
def test_jsonl_byte_ranges_read_every_line_once_with_its_number(tmp_path, unit_bytes):
    f = tmp_path / "big.jsonl"
    lines_file(f)
    e = entry("s", "big.jsonl")
    from pipeline.catalogue import CatalogueEntry

    e = CatalogueEntry.model_validate(e)
    whole = [(x.doc if hasattr(x, "doc") else x).id for x in read_file(e, tmp_path, f, "fr", 10**7)]
    parts = number_lines(str(f), plan_parts(e, str(f), f.stat().st_size, unit_bytes), LocalExecutor().map)
    assert len(parts) > 1 and parts[0].first == 1
    split = [(x.doc if hasattr(x, "doc") else x).id for p in parts for x in read_file(e, tmp_path, f, "fr", 10**7, part=p)]
    assert split == whole and len(whole) > 300


def test_a_split_run_gives_the_tables_of_a_whole_run(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    lines_file(src / "big.jsonl", 900)
    rng = random.Random(5)
    words = " ".join(FRENCH).split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 60))) + f" Numéro {i}." for i in range(700)]
    pq.write_table(pa.table({"text": texts, "id": [f"r{i}" for i in range(700)]}), src / "big.parquet", row_group_size=50)
    write_entry(tmp_path / "catalogue", entry("j", "../src/big.jsonl"))
    write_entry(tmp_path / "catalogue", entry("p", "../src/big.parquet", kind="parquet", id_field="id"))
    tables = {}
    for name, unit_bytes in (("whole", 10**9), ("split", 8000)):
        cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / name, executor="local", unit_bytes=unit_bytes,
                        stages=["normalise", "langid", "quality", "dedup"])
        run = Run(cfg, "fr")
        s = run.execute(progress=False)
        tables[name] = (pq.read_table(tmp_path / name / "fr" / "data"), pq.read_table(tmp_path / name / "fr" / "rejected"))
        assert s["units"] == (2 if name == "whole" else len(run.units)) and (name == "whole" or s["units"] > 6)
    for a, b in zip(tables["whole"], tables["split"]):  # the same rows (rejections of a batch come in batch order)
        assert a.num_rows > 200 and a.sort_by("id").equals(b.sort_by("id"))
    assert tables["whole"][0].equals(tables["split"][0])  # kept documents even in the same order
