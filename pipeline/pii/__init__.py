"""PII detection and redaction with presidio-analyzer: `entities` (the table of PII types: one record each),
`config` (the `pii:` block of a language YAML), `redactor` (finding and rewriting, fast on long texts)."""
