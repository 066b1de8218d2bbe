"""A catalogue entry made on the fly for `python -m pipeline run <stage> --input FILE`."""
from __future__ import annotations

from pathlib import Path

from pipeline.catalogue import CatalogueEntry, Source
from pipeline.errors import UserError


def adhoc_source(path: Path, lang: str, text_field: str, id_field: str | None) -> Source:
    path = Path(path).resolve()
    if not path.is_file():
        raise UserError(f"--input {path}: file not found")
    name = path.name.lower()
    if name.endswith(".parquet"):
        kind = "parquet"
    elif any(name.endswith(s) for s in (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json", ".json.gz", ".json.zst")):
        kind = "jsonl"
    else:
        raise UserError(f"--input {path}: expected .jsonl(.gz/.zst) or .parquet")
    entry = CatalogueEntry.model_validate({
        "uid": "input", "type": "processed_dataset", "name": path.name, "description": f"ad-hoc input {path}",
        "languages": [lang],
        "custodian": {"name": "unknown", "type": "other"},
        "licence": {"text": "unknown", "class": "all_rights_reserved"},
        "pii": {"likelihood": "unclear"}, "category": {"kind": "collection", "domain": "unknown"},
        "media": {"format": kind}, "procurement": {"how": "given on the command line"},
        "read": {"kind": kind, "path": str(path), "text_field": text_field, "id_field": id_field},
    })
    return Source(entry=entry, yaml_path=path.parent / "input.yaml", files=[path])
