from pathlib import Path

import pytest
from conftest import ROOT, entry, write_entry

from pipeline.catalogue import load_catalogue, sources_for
from pipeline.config import load_config
from pipeline.errors import UserError


def test_every_bundled_entry_validates():
    entries = load_catalogue(ROOT / "catalogue")
    uids = {e.uid for _, e in entries}
    assert {"debian-handbook", "maint-guide", "debian-reference", "libreoffice-help", "fortunes", "python-stdlib"} <= uids
    covered = {lang for _, e in entries for lang in e.languages}
    # the ROOTS OSCAR languages the Debian sources carry, plus the code slice
    assert {"en", "fr", "es", "pt", "ca", "eu", "ar", "zh", "vi", "id", "hi", "code"} <= covered
    for _, e in entries:
        assert e.licence.text and e.custodian.name and e.procurement.how


def test_every_config_validates():
    from pipeline.stages import STAGE_NAMES
    from trainer.config import load_train_config

    loaded = {p.name: (load_train_config if p.name == "train.yaml" else load_config)(p)
              for p in (ROOT / "configs").glob("*.yaml")}
    assert set(loaded) >= {"default.yaml", "train.yaml"}
    assert loaded["default.yaml"].stages == list(STAGE_NAMES)  # the shipped run runs every stage, in order
    assert {"en", "fr", "zh", "code"} <= set(loaded["train.yaml"].languages)


def test_unknown_key_names_file_and_field(tmp_path: Path):
    data = entry("x", "../x.jsonl")
    data["custodian"]["emial"] = "typo"
    p = write_entry(tmp_path, data)
    with pytest.raises(UserError) as e:
        load_catalogue(tmp_path)
    assert str(p) in str(e.value) and "custodian.emial" in str(e.value) and "unknown key" in str(e.value)


def test_bad_choice_lists_valid_values(tmp_path: Path):
    data = entry("x", "../x.jsonl")
    data["licence"]["class"] = "free-ish"
    write_entry(tmp_path, data)
    with pytest.raises(UserError) as e:
        load_catalogue(tmp_path)
    assert "licence.class" in str(e.value) and "public_domain" in str(e.value)


def test_missing_input_file_names_the_field(tmp_path: Path):
    p = write_entry(tmp_path / "cat", entry("x", "../nowhere/{lang}.jsonl"))
    with pytest.raises(UserError) as e:
        sources_for(tmp_path / "cat", "fr")
    assert str(p) in str(e.value) and "read.path" in str(e.value) and "nowhere/fr.jsonl" in str(e.value)


def test_uncovered_language_lists_covered_ones(tmp_path: Path):
    (tmp_path / "x.jsonl").write_text("{}\n")
    write_entry(tmp_path / "cat", entry("x", "../x.jsonl", languages=("fr", "eu")))
    with pytest.raises(UserError, match="no source covers language 'de'; covered: eu, fr"):
        sources_for(tmp_path / "cat", "de")


def test_duplicate_uid_rejected(tmp_path: Path):
    write_entry(tmp_path / "a", entry("same", "x"))
    write_entry(tmp_path / "b", entry("same", "y"))
    with pytest.raises(UserError, match="'same' is already used"):
        load_catalogue(tmp_path)


def test_not_yaml_is_a_clear_error(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("uid: [unclosed\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_catalogue(tmp_path)
