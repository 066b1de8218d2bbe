"""Benchmarks and evaluations (make bench, bench-scale, lid-eval, quality-eval, pii-eval, dedup-eval, faults)."""
from __future__ import annotations

import json
from pathlib import Path


def bench_catalogue(folder: Path, uid: str, lang: str, path: str, description: str) -> Path:
    """A catalogue folder with one JSONL source a benchmark built from bundled documents (`path` relative to the
    catalogue folder, ids in the `id` field)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{uid}.yaml").write_text(json.dumps({
        "uid": uid, "type": "processed_dataset", "name": uid, "description": description, "languages": [lang],
        "custodian": {"name": "bench", "type": "other"}, "licence": {"text": "mixed", "class": "open"},
        "pii": {"likelihood": "unclear"}, "category": {"kind": "collection", "domain": "documentation"},
        "media": {"format": "jsonl"}, "procurement": {"how": "built by the benchmark"},
        "read": {"kind": "jsonl", "path": path, "id_field": "id"}}))
    return folder
