"""The quality stage against a direct reading of ROOTS on real text, and the chain on planted junk."""
import random

import pytest
from conftest import ROOT, require_bundled_data
from roots_reference import ref_edit, ref_keep, ref_measures

from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.filters.roots import read_wordlist
from pipeline.readers import source_documents
from pipeline.record import Document
from pipeline.stages import StageContext, build_stages

LANGS = ROOT / "languages"


def bundled_docs(lang: str, limit: int) -> list[Document]:
    require_bundled_data()
    docs = list(source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7))
    random.Random(0).shuffle(docs)
    return docs[:limit]


def stages(lang: str, names: list[str]):
    cfg = RunConfig(catalogue=ROOT / "catalogue", languages=LANGS, stages=names)
    return build_stages(StageContext(cfg, lang, {s.uid: s.entry for s in sources_for(ROOT / "catalogue", lang)}))


@pytest.mark.parametrize("lang", ["fr", "en", "es", "pt", "ca", "eu", "ar", "zh", "vi", "id", "hi", "ru", "ja", "de"])
def test_values_and_decisions_equal_the_direct_roots_reading(lang):
    normalise, quality = stages(lang, ["normalise", "quality"])
    docs, _, _ = normalise(bundled_docs(lang, 250))
    originals = [d.text for d in docs]
    kept, rejected, _ = quality([Document(d.id, d.text, d.lang, d.source, d.url_or_path, d.license) for d in docs])
    ours = {d.id: (d.text, d.scores, True) for d in kept} | {r.doc.id: (r.doc.text, r.doc.scores, False) for r in rejected}
    lang_cfg = StageContext(RunConfig(languages=LANGS), lang).language
    stop = read_wordlist(LANGS / lang_cfg.stopwords) if lang_cfg.stopwords else None
    flagged_f = next((f for f in lang_cfg.filters if f.name == "flagged_words"), None)
    flagged = read_wordlist(LANGS / flagged_f.list) if flagged_f else None
    e = lang_cfg.edits
    agree = 0
    for doc, original in zip(docs, originals):
        text, scores, keep = ours[doc.id]
        ref_text = ref_edit(original, e.remove_words_with, e.max_word_length)
        assert text == ref_text, doc.id
        ref_values = ref_measures(ref_text, lang_cfg, stop, flagged)
        for name, value in ref_values.items():
            assert scores[name] == pytest.approx(value, abs=1e-12), (doc.id, name)
        assert keep == ref_keep(ref_values, lang_cfg), doc.id
        agree += 1
    assert agree == len(docs) > 100


def junk_documents() -> dict[str, str]:
    rng = random.Random(7)
    return {
        "keywords": ", ".join(rng.choice(["apt", "paquet", "debian", "serveur", "linux", "gratuit", "télécharger"])
                              for _ in range(80)),
        "repeated_lines": "\n".join(["Cliquez ici pour vous abonner à notre lettre d'information."] * 40),
        "random_chars": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()") for _ in range(1500)),
        "boilerplate": " | ".join(["Accueil", "Contact", "Mentions légales", "Plan du site", "Connexion"] * 30),
        "wrong_language": ("The package manager downloads the index files from every configured repository, "
                           "then computes which packages need to be upgraded and asks the administrator to "
                           "confirm before anything is installed on the system."),
    }


def test_chain_keeps_real_prose_and_drops_planted_junk():
    normalise, langid, quality = stages("fr", ["normalise", "langid", "quality"])
    prose = [d for d in bundled_docs("fr", 2000) if d.source == "debian-handbook" and len(d.text.split()) > 150
             and d.text.count("\n") < len(d.text.split()) / 15][:60]
    junk = [Document(f"junk/{k}", v, "fr", "junk", k, "CC0-1.0") for k, v in junk_documents().items()]
    docs, _, _ = normalise(prose + junk)
    kept, rej1, _ = langid(docs)
    kept, rej2, _ = quality(kept)
    reasons = {r.doc.id: f"{r.stage}:{r.rule}" for r in rej1 + rej2}
    assert all(j.id in reasons for j in junk), reasons
    assert reasons["junk/wrong_language"] == "langid:wrong_language"
    assert reasons["junk/repeated_lines"].startswith("quality:") and "repetition" in reasons["junk/repeated_lines"]
    assert reasons["junk/random_chars"].startswith("langid:")  # not French at all
    # Real prose: the ROOTS quality thresholds keep what language ID lets through ...
    after_lid = [d for d in docs if d.source == "debian-handbook" and d.id not in {r.doc.id for r in rej1}]
    kept_prose = [d for d in kept if d.source == "debian-handbook"]
    assert len(prose) == 60 and len(after_lid) >= 0.6 * len(prose)
    assert len(kept_prose) >= 0.95 * len(after_lid), [reasons.get(p.id) for p in after_lid]
    # ... and what LID drops is the handbook's untranslated English, or French it is unsure of.
    prose_lid = [r for r in rej1 if r.doc.source == "debian-handbook"]
    assert all(r.detail.startswith("predicted en") for r in prose_lid if r.rule == "wrong_language")
    assert all(r.detail.startswith("predicted fr") and r.value < 0.8 for r in prose_lid if r.rule == "min_score")
