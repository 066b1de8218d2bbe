"""A Hugging Face `datasets` dataset: saved with save_to_disk, or files loaded with load_dataset (a URI too)."""
from __future__ import annotations

from collections.abc import Iterator

from pipeline.base import is_uri
from pipeline.errors import UserError
from pipeline.readers.records import Item, RecordMaker
from pipeline.storage import isdir, isfile

BUILDERS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".txt": "text", ".csv": "csv", ".gz": "json"}


def read_hf_dataset(mk: RecordMaker) -> Iterator[Item]:
    import datasets

    loc = mk.file.rstrip("/")
    if isdir(loc) and (isfile(f"{loc}/dataset_info.json") or isfile(f"{loc}/state.json")):
        ds = datasets.load_from_disk(loc)
    else:
        builder = mk.read.hf_builder or BUILDERS.get("." + loc.rsplit(".", 1)[-1])
        if builder is None:
            raise UserError(f"{mk.entry.uid}: cannot guess the datasets builder for {loc}; set read.hf_builder")
        ds = datasets.load_dataset(builder, data_files=loc if is_uri(loc) else str(loc), split="train")
    if isinstance(ds, datasets.DatasetDict):
        ds = ds[next(iter(ds))]
    for n, rec in enumerate(ds, start=1):
        yield mk.from_mapping(rec, n)
