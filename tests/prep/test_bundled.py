"""The bundled-data extractors on small real-shaped inputs, and a real run on the bundled data."""

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, require_bundled_data

from pipeline.config import RunConfig
from pipeline.htmltext import html_sections
from pipeline.prep.bundled import docbook_html, fortunes, lang_code
from pipeline.run import Run

PAGE = """<html><head><title>t</title><script>alert(1)</script></head><body>
<div class="navheader">Précédent | Suivant</div>
<h1>6. APT</h1><h2>6.1. Le fichier sources.list</h2>
<p>Chaque ligne active du fichier <code>sources.list</code> décrit une source.</p>
<ul><li>deb : paquets binaires</li><li>deb-src : paquets source</li></ul>
<h2>6.2. Mise à jour</h2><p>La commande <b>apt update</b> télécharge les listes.</p>
</body></html>"""


def test_html_sections_split_at_headings_and_keep_paragraphs():
    sections = html_sections(PAGE.encode(), ("navheader",))
    assert [h for h, _ in sections] == ["6. APT", "6.1. Le fichier sources.list", "6.2. Mise à jour"]
    assert sections[1][1] == ("6.1. Le fichier sources.list\n\nChaque ligne active du fichier sources.list décrit "
                              "une source.\n\ndeb : paquets binaires\n\ndeb-src : paquets source")
    assert "alert" not in str(sections) and "Précédent" not in str(sections)


def test_docbook_extractor_glues_heading_only_sections(tmp_path):
    page = tmp_path / "usr/share/doc/debian-handbook/html/pt-BR/apt.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE, encoding="utf-8")
    recs = list(docbook_html(tmp_path, "debian-handbook"))
    assert [lang for lang, _ in recs] == ["pt", "pt"]
    assert recs[0][1]["text"].startswith("6. APT\n\n6.1. Le fichier")
    assert recs[1][1]["id"].endswith("apt.html#1")


def test_fortunes_split_on_percent_lines_and_skip_offensive(tmp_path):
    base = tmp_path / "usr/share/games/fortunes"
    (base / "off").mkdir(parents=True)
    (base / "es").mkdir()
    (base / "es" / "amistad").write_text("Primera frase.\n\t-- Autor\n%\nSegunda frase.\n%\n", encoding="utf-8")
    (base / "es" / "amistad.dat").write_bytes(b"\x00\x01")
    (base / "off" / "rude").write_text("no\n%\n")
    recs = list(fortunes(tmp_path, "fortunes-es"))
    assert [r["text"] for _, r in recs] == ["Primera frase.\n\t-- Autor", "Segunda frase."]
    assert {lang for lang, _ in recs} == {"es"}


@pytest.mark.parametrize("locale,code", [("fr-FR", "fr"), ("zh-TW", "zh"), ("pt-BR", "pt"), ("br", "pt"),
                                          ("min", "en"), ("nb-NO", "nb"), ("eu", "eu")])
def test_lang_codes(locale, code):
    assert lang_code(locale) == code


def test_real_bundled_french_run_conserves_every_document(tmp_path):
    require_bundled_data()
    cfg = RunConfig(catalogue=ROOT / "catalogue", output=tmp_path, executor="local", languages=ROOT / "languages",
                    stages=["clean", "normalise", "langid", "quality"])  # perplexity has its own tests
    summary = Run(cfg, "fr").execute(progress=False)
    kept = pq.read_table(tmp_path / "fr" / "data", columns=["id", "source", "n_bytes"])
    rejected = pq.read_table(tmp_path / "fr" / "rejected", columns=["id"])
    ids = kept.column("id").to_pylist() + rejected.column("id").to_pylist()
    assert len(ids) == len(set(ids)) == summary["documents_in"] > 1000
    assert set(kept.column("source").to_pylist()) == {"debian-handbook", "maint-guide", "debian-reference"}
