"""The one record type every stage takes and yields, and the verdict a dropped document carries.

A `Document` has a stable `id` (source uid + native id, or source uid + file + line) so that scores can
be joined back across runs. `scores` holds the numbers stages measured (one column each in the output).
A dropped document becomes a `Rejection`: the document plus the stage, the rule, the measured value and
the threshold that removed it, so nothing is ever dropped without a reason that can be audited.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Document:
    id: str
    text: str
    lang: str
    source: str
    url_or_path: str
    license: str
    meta: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)


@dataclass(slots=True)
class Rejection:
    doc: Document
    stage: str
    rule: str
    value: float | None
    threshold: float | None
    detail: str = ""
    stored: bool = True
    """False for a document removed on request: counted in the stage report, never written anywhere."""
