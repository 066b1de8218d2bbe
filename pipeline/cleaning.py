"""Per-source cleaning steps ROOTS applied before its OSCAR filters, chosen per catalogue entry.

In a catalogue YAML:   cleaning: [{step: remove_lines_with}, {step: drop_small_docs, min_bytes: 300}]
Steps run in the order listed. Line steps edit the text (counted in the `clean` report); a document
left empty by them is dropped as `clean:empty_after_edits`; `drop_small_docs` drops as `clean:min_bytes`.
`remove_frequent_lines` counts lines over the whole input file first (a pre-pass): with the defaults
it is ROOTS's template-line dedup (lines of >= 15 characters seen >= 10 times); with min_chars 0 and
min_count 2 it is ROOTS's newspaper rule (drop any line seen twice).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pipeline.base import Frozen


class Step(Frozen):
    """A cleaning step of a catalogue entry."""


class DropSmallDocs(Step):
    step: Literal["drop_small_docs"]
    min_bytes: int = Field(300, ge=0)
    """Drop documents smaller than this many UTF-8 bytes (ROOTS used 300 and 1024)."""


class RemoveLinesWith(Step):
    step: Literal["remove_lines_with"]
    substrings: list[str] = ["{", "}", "[if", "<script"]
    """Remove every line containing any of these (ROOTS's code-marker rule)."""


class RemoveFrequentLines(Step):
    step: Literal["remove_frequent_lines"]
    min_chars: int = Field(15, ge=0)
    """Only lines at least this long (stripped, characters) are candidates."""
    min_count: int = Field(10, ge=2)
    """Remove a candidate line from every document when it occurs at least this often in the file."""


class NewlinesToSpaces(Step):
    step: Literal["newlines_to_spaces"]


CleaningStep = Annotated[DropSmallDocs | RemoveLinesWith | RemoveFrequentLines | NewlinesToSpaces,
                         Field(discriminator="step")]
