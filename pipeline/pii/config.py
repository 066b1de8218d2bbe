"""The `pii:` block of a language YAML: the action, phone regions and per-type recogniser settings."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pipeline.base import Strict
from pipeline.pii.entities import ENTITIES, Entity, Tag

Action = Literal["tag", "mask", "hash", "drop"]


class RecogniserConfig(Strict):
    enabled: bool | None = None
    """Run this recogniser for the language; null = the type's default (every type but URL is on)."""
    min_score: float | None = Field(None, ge=0, le=1)
    """Keep a detection at or above this presidio score (0-1; validated checksums score 1.0, a context
    word near the value adds 0.35); null = the type's default (pipeline/pii/entities.py)."""
    context: list[str] = []
    """Words in this language that raise the score when they occur in the 5 words before a value
    (substring match, case-insensitive); replaces the type's English defaults when given."""
    action: Action | None = None
    """Overrides the language's `pii.action` for this entity."""
    deny_before: list[str] = []
    """Words that, right before a value, mean it is something else (IP: `Section 6.1.2.2`, `version
    1.2.3.4`); case-insensitive; added to the built-in ones of the type."""
    allow: list[str] = []
    """Exact values never redacted (e.g. crontab's `@daily` for USER); added to the built-in ones."""


class PiiConfig(Strict):
    action: Action = "tag"
    """tag: `PI:EMAIL` (ROOTS); mask: the value's characters become `*`; hash: `PI:EMAIL:<12 hex of a salted
    sha256>` (the same value gets the same tag within an output folder; salt from $PII_SALT or
    `<output>/.pii_salt`); drop: reject the whole document (`pii:<TYPE>`)."""
    phone_regions: list[str] = ["US", "GB"]
    """phonenumbers regions (ISO 3166) whose national formats count as phone numbers; numbers written
    with +<country code> are found whatever the region."""
    recognisers: dict[Tag, RecogniserConfig] = {}
    """Settings per PII type (EMAIL, IP_ADDRESS, PHONE, CREDIT_CARD, IBAN, CRYPTO, KEY, USER, URL)."""
    window_chars: int = Field(60, ge=20)
    """Text kept on each side of a trigger when presidio analyses a window (characters; context words
    count in the 5 words before a value, so this should hold them)."""

    @field_validator("phone_regions", mode="before")
    @classmethod
    def _regions(cls, v):
        import phonenumbers

        if isinstance(v, list) and any(isinstance(x, bool) for x in v):
            raise ValueError("a region code was read as a boolean: quote region codes in YAML (\"NO\", not NO)")
        unknown = [x for x in v if x not in phonenumbers.SUPPORTED_REGIONS] if isinstance(v, list) else []
        if unknown:
            raise ValueError(f"unknown phone region(s) {unknown}: use ISO 3166 codes that phonenumbers knows (e.g. FR, US)")
        return v

    def enabled(self) -> list[tuple[Entity, RecogniserConfig]]:
        """The types this language redacts, in the table's order, with their settings."""
        out = []
        for e in ENTITIES:
            rc = self.recognisers.get(e.tag, RecogniserConfig())
            if e.enabled if rc.enabled is None else rc.enabled:
                out.append((e, rc))
        return out

    def uses_hash(self) -> bool:
        return self.action == "hash" or any(rc.action == "hash" for rc in self.recognisers.values())
