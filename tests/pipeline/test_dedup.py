"""Dedup: exact keys, vectorised MinHash against a per-document loop, components, a real run, quality."""
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, entry, write_entry
from test_quality_chain import bundled_docs

from pipeline.config import RunConfig
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import MERSENNE, exact_key, permutations, shingles, signatures
from pipeline.dedup.steps import connected_components
from pipeline.evals.dedup_eval import evaluate
from pipeline.executors import LocalExecutor
from pipeline.run import Run


def test_exact_key_ignores_spacing_digits_and_punctuation():
    assert exact_key("Hello, world 1!") == exact_key("Hello  world 2") == exact_key("Helloworld")
    assert exact_key("Hello world") != exact_key("hello world")  # case is kept, as ROOTS did
    assert len(exact_key("x")) == 16


def test_vectorised_signatures_equal_a_per_document_loop():
    cfg = DedupConfig()
    perms = permutations(cfg)
    docs = [d.text for d in bundled_docs("fr", 50)] + ["", "un deux"]
    batch = signatures(docs, cfg, "whitespace", perms)
    a, b = (int(x) for x in perms[0][0]), (int(x) for x in perms[1][0])
    a, b = list(a), list(b)
    assert all(x % 2 == 1 and x < int(MERSENNE) for x in a)  # odd multipliers: bijections on 64 bits
    for text, sig in zip(docs, batch):
        hs = [int(h) for h in shingles(text, 5, "whitespace")]
        expected = [min((h * a[k] + b[k]) % 2**64 for h in hs) for k in range(len(a))]  # plain Python ints
        assert sig.tolist() == expected


def test_shingles_made_for_a_batch_equal_each_text_alone():
    """Texts of 0 to 6 words (fewer than n words: one shingle; none: one zero), case folding that lengthens a
    text (İ), in random mixes with real documents."""
    import random

    from pipeline.dedup.minhash import batch_shingles

    rng = random.Random(0)
    pool = ["", "un", "un deux", "a b c d", "a b c d e", "İstanbul İİ x", "12 34", "a b c d e f", "ß", "...", "x y"] + \
        [d.text for d in bundled_docs("fr", 40)]
    for _ in range(200):
        texts = [rng.choice(pool) for _ in range(rng.randint(0, 9))]
        got, offsets = batch_shingles(texts, 5)
        assert len(offsets) == len(texts) + 1
        for i, t in enumerate(texts):
            assert got[offsets[i]:offsets[i + 1]].tolist() == shingles(t, 5, "whitespace").tolist(), (texts, i)


def test_forced_breaks_end_words_whatever_the_text_holds():
    """The batch joins texts at positions it forces to be breaks: a letter there ends a word too (the dedup
    evaluation measures the former shingling by swapping the break table, where the join character was a
    letter and words ran across documents)."""
    from pipeline.dedup.minhash import _word_hashes, word_hashes

    cps = np.frombuffer("abxcd".encode("utf-32-le"), dtype=np.uint32)
    hashes, starts = _word_hashes(cps, np.array([2]))
    assert hashes.tolist() == word_hashes("ab cd").tolist() and starts.tolist() == [0, 3]


def test_connected_components_match_union_find(tmp_path):
    rng = np.random.default_rng(0)
    n = 500
    src, dst = rng.integers(0, n, 300), rng.integers(0, n, 300)
    chain = np.arange(100, 160)  # a long path, the worst case for label propagation
    src, dst = np.concatenate([src, chain[:-1]]), np.concatenate([dst, chain[1:]])
    files = []
    for i in range(3):  # three edge partitions, as the shuffle writes them
        f = tmp_path / f"e{i}.parquet"
        pq.write_table(pa.table({"src": src[i::3], "dst": dst[i::3]}), f)
        files.append(str(f))
    labels, rounds = connected_components(files, n, LocalExecutor().map)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(src, dst):
        ra, rb = find(int(a)), find(int(b))
        parent[max(ra, rb)] = min(ra, rb)
    expected = [min(i for i in range(n) if find(i) == find(v)) for v in range(n)]
    assert labels.tolist() == expected and rounds < 15


def test_run_drops_planted_duplicates_with_reasons(tmp_path: Path):
    real = [d for d in bundled_docs("fr", 3000) if d.source == "debian-handbook" and len(d.text) > 1500][:40]
    base = real[0].text
    rows = [{"id": f"r{i}", "text": d.text} for i, d in enumerate(real)]
    copies = [{"id": "copy-respaced", "text": base.replace(" ", "  ").replace(",", " ,")},
              {"id": "copy-appended", "text": base + "\n\nUn paragraphe ajouté à la fin du document original."},
              {"id": "copy-shorter", "text": base[: int(len(base) * 0.93)]}]
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    (src / "b.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in copies), encoding="utf-8")
    cat = tmp_path / "cat"
    write_entry(cat, entry("main", "../src/a.jsonl", id_field="id"))
    write_entry(cat, entry("mirror", "../src/b.jsonl", id_field="id"))
    cfg = RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", languages=ROOT / "languages",
                    stages=["normalise", "dedup"])
    summary = Run(cfg, "fr").execute(progress=False)
    out = tmp_path / "out" / "fr"
    kept = {r["id"]: r for r in pq.read_table(out / "data").to_pylist()}
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected").to_pylist()}
    assert summary["documents_in"] == 43 and len(kept) + len(rejected) == 43
    # no perplexity ran: the copy most like the others (the original) is kept, not the one with a paragraph added
    assert "main/r0" in kept and kept["main/r0"]["dup_cluster_size"] == 4
    assert kept["main/r0"]["dup_keep_reason"].startswith("more like the other copies: ")
    assert rejected["mirror/copy-appended"]["rule"] == "near" and rejected["mirror/copy-appended"]["dup_of"] == "main/r0"
    assert rejected["mirror/copy-respaced"]["rule"] == "exact"  # the same text once spaces and punctuation go
    assert rejected["mirror/copy-shorter"]["stage"] == "dedup" and rejected["mirror/copy-shorter"]["value"] > 0.7
    assert all(r["dup_cluster_size"] == 1 and r["dup_cluster_id"] == i for i, r in kept.items() if i != "main/r0")
    report = json.loads((out / "reports" / "dedup.json").read_text())
    assert report["docs_in"] == 43 and report["docs_out"] == 40
    assert sum(d["docs"] for d in report["per_source"]["mirror"]["dropped"].values()) == 3
    assert not report["per_source"]["main"]["dropped"]
    # rerun: every step resumes from disk
    assert Run(cfg, "fr").execute(progress=False)["documents_kept"] == 40


def _members(n_chars, priority, ppl, sig_rows=None):
    n = len(n_chars)
    sig = np.array(sig_rows, dtype=np.uint64) if sig_rows is not None else np.zeros((n, 8), np.uint64)
    return {"n_chars": np.array(n_chars, float), "priority": np.array(priority, float), "ppl": np.array(ppl, float),
            "exact": np.stack([np.arange(n), np.zeros(n)], axis=1).astype(np.uint64), "url": np.zeros(n, np.uint64), "sig": sig}


def test_keep_rule_takes_the_criteria_in_order_and_says_why():
    """source priority, then the copy most like the others, then lower perplexity (unmeasured last), then
    length, then the earliest."""
    from pipeline.dedup.stars import stars

    def kept(m, **cfg):  # the first keeper chosen (the one with copies) and why
        keeper, _, _, reason = stars(m, None, DedupConfig(**cfg), "whitespace")
        k = next(i for i in range(len(keeper)) if reason[i] is not None)
        return k, reason[k]

    nan = np.nan
    assert kept(_members([100, 120, 90], [0, 0, 0], [300, 450, nan])) == (0, "perplexity 300.0 < 450.0")
    assert kept(_members([80, 80], [1, 0], [nan, nan]))[1] == "source priority 1 > 0"
    assert kept(_members([100, 120], [0, 0], [nan, nan])) == (1, "longer: 120 > 100 characters")
    assert kept(_members([100, 120], [0, 0], [300, 320]), keep="longest")[0] == 1
    assert kept(_members([80, 80], [0, 0], [nan, nan]), keep="longest")[1] == "earliest of equals"
    # signatures: member 1 agrees with 0 and with 2 on 6 of 8 values, they agree with each other on 4
    sig = [[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 0, 0], [1, 9, 9, 4, 5, 6, 0, 0]]
    k, why = kept(_members([100, 90, 110], [0, 0, 0], [300, 400, 200], sig))
    assert k == 1 and why == "more like the other copies: 0.75 > 0.62"
    assert kept(_members([100, 90, 110], [0, 0, 0], [300, 400, 200], sig), keep=["perplexity"])[0] == 2, why


def test_a_chain_does_not_drop_a_document_unlike_its_keeper():
    """A~B and B~C by true Jaccard, but A and C are not alike: both A and C are kept, B drops against A."""
    import random

    from pipeline.dedup.stars import stars

    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(130)]
    a = " ".join(words[:100])              # A: words 0-99 (96 shingles)
    b = " ".join(words[12:112])            # B: 12-111, J(A, B) = 84 / 108 = 0.78
    c = " ".join(words[24:124])            # C: 24-123, J(B, C) = 0.78, J(A, C) = 72 / 120 = 0.6
    keeper, value, rule, _ = stars(_members([300, 200, 100], [0, 0, 0], [np.nan] * 3), [a, b, c],
                                   DedupConfig(keep="longest"), "whitespace")
    assert keeper.tolist() == [0, 0, 2] and rule.tolist() == [None, "near", None]
    assert 0.7 <= value[1] < 0.8


def test_words_keep_their_vowel_signs_in_every_script():
    """Devanagari and Bengali vowel signs and the virama are inside words (ROOTS's special-character list cut
    words at them), so words are what spaces separate; shingles of a 5%-edited copy still overlap."""
    from pipeline.dedup.minhash import word_hashes

    for text in ("महाराष्ट्र राज्याची राजधानी मुंबई आहे आणि ते सर्वात मोठे शहर आहे",
                 "आमार सोनार बांग्ला", "আমার সোনার বাংলা, আমি তোমায় ভালোবাসি।", "مرحبا بكم في دبيان الحر"):
        assert len(word_hashes(text)) == len(text.replace(",", " ").replace("।", " ").split())
    a = "सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता और समानता प्राप्त है। " * 3
    b = a.replace("स्वतन्त्रता", "स्वतंत्रता", 1)
    sa, sb = set(shingles(a, 5, "whitespace").tolist()), set(shingles(b, 5, "whitespace").tolist())
    assert len(sa & sb) / len(sa | sb) > 0.7


def test_near_dedup_quality_on_real_text_with_controlled_edits(tmp_path):
    docs = [d for lang in ("fr", "en") for d in bundled_docs(lang, 4000)
            if d.source in ("debian-handbook", "debian-reference") and len(d.text) > 600][:800]
    r = evaluate(docs, tmp_path, DedupConfig(), n_edited=150)
    assert r["pairs_jaccard_ge_0.8"] >= 80
    assert r["recall_at_0.8"] >= 0.95 and r["precision"] >= 0.95, r
    assert r["by_edit"]["typos"]["one_dropped"] >= 0.9 * r["by_edit"]["typos"]["pairs"]


def test_url_dedup_for_web_sources(tmp_path):
    rows = [{"id": "a", "url": "https://News.example.org/2024/budget",
             "text": "Le conseil a voté le budget annuel de la ville hier soir."},
            {"id": "b", "url": "https://news.example.org/2024/budget/",
             "text": "Mise à jour : le budget a finalement été adopté après un long débat public."},
            {"id": "c", "url": "https://news.example.org/2024/other",
             "text": "Un tout autre article sur la rentrée scolaire et les nouveaux horaires."}]
    src = tmp_path / "src"
    src.mkdir()
    (src / "fr.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    write_entry(tmp_path / "cat", entry("web", "../src/{lang}.jsonl", id_field="id", url_field="url"))
    cfg = RunConfig(catalogue=tmp_path / "cat", output=tmp_path / "out", executor="local", languages=ROOT / "languages",
                    stages=["normalise", "dedup"], dedup={"url": True})
    Run(cfg, "fr").execute(progress=False)
    rej = pq.read_table(tmp_path / "out" / "fr" / "rejected").to_pylist()
    assert [(r["id"], r["rule"], r["dup_of"]) for r in rej] == [("web/a", "url", "web/b")]  # b is longer: kept


@pytest.mark.ray
def test_dedup_on_ray_equals_local(tmp_path):
    docs = [d for d in bundled_docs("de", 20000) if d.source == "fortunes"][:3000]
    src = tmp_path / "src"
    src.mkdir()
    (src / "de.jsonl").write_text("\n".join(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) for d in docs))
    write_entry(tmp_path / "cat", entry("f", "../src/{lang}.jsonl", languages=("de",), id_field="id"))
    results = []
    for executor in ("local", "ray"):
        cfg = RunConfig(catalogue=tmp_path / "cat", output=tmp_path / executor, executor=executor, workers=2,
                        languages=ROOT / "languages", stages=["normalise", "dedup"])
        Run(cfg, "de").execute(progress=False)
        rej = pq.read_table(tmp_path / executor / "de" / "rejected").to_pylist()
        results.append(sorted((r["id"], r["rule"], r["dup_of"]) for r in rej))
    assert results[0] == results[1] and len(results[0]) >= 3


def test_the_dedup_bench_runs(capsys):
    """`make bench` runs this on 1M signatures; a small run keeps it working (it passed paths as strings)."""
    from pipeline.evals.dedup_bench import main as bench_main

    assert bench_main(["--n", "20000"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["signatures"] == 20000 and out["clusters"] > 500 and out["cc_rounds"] >= 2


def test_decisions_do_not_depend_on_how_the_work_is_partitioned(tmp_path):
    """The scale bench's corpus (planted exact and near copies) split into 7 parts, 4 bucket partitions and 4
    cluster partitions, or kept in one part and one partition: the same documents are dropped for the same keepers; every exact
    copy is dropped as `exact` and nearly every near copy is found."""
    from pipeline.evals.scale_bench import build_corpus, catalogue_for

    corpus = tmp_path / "c" / "corpus.jsonl"
    planted = build_corpus(corpus, 3000, seed=1)
    texts = [json.loads(x)["text"] for x in corpus.read_text().splitlines()]
    results = []
    for name, part_docs, partitions in (("split", 450, 4), ("whole", 10**6, 1)):
        work = tmp_path / name / ".en"
        cfg = RunConfig(catalogue=catalogue_for(corpus), output=tmp_path / name, executor="local",
                        languages=ROOT / "languages", stages=["normalise", "dedup"], part_docs=part_docs,
                        dedup={"partitions": partitions, "stars_docs": 60})
        Run(cfg, "en").execute(progress=False)
        assert len(list(work.glob("work/*/dedup/gather/k*"))) == partitions
        rej = pq.read_table(tmp_path / name / "en" / "rejected").to_pylist()
        results.append(sorted((r["id"], r["rule"], r["dup_of"], round(r["value"], 9)) for r in rej))
    assert results[0] == results[1]
    exact = sum(n - 1 for n in Counter(texts).values() if n > 1)
    assert sum(r[1] == "exact" for r in results[0]) >= exact
    assert exact + 0.9 * planted["near_copies"] <= len(results[0]) <= planted["exact_copies"] + planted["near_copies"]


def test_the_scale_bench_runs(tmp_path):
    """`make bench-scale` runs 100k-3M documents; two small sizes keep it working: rows with peak RSS, the
    dedup steps' seconds, and an extrapolation from the two largest."""
    from pipeline.evals.scale_bench import main as scale_main

    assert scale_main(["--out", str(tmp_path), "--sizes", "1500,3000", "--ray-sizes", "", "--datatrove-docs", "0",
                       "--no-full"]) == 0
    result = json.loads((tmp_path / "scale.json").read_text())
    rows = result["rows"]
    assert [r["docs"] for r in rows] == [1500, 3000] and all(r["driver_peak_rss_mb"] > 0 for r in rows)
    assert set(rows[1]["per_stage"]["dedup"]["steps_s"]) >= {"signatures", "stars", "decisions"}
    assert rows[1]["kept"] < 3000 and result["extrapolation"]["local"]["from_runs"] == [1500, 3000]


def test_the_scale_bench_times_every_stage(tmp_path):
    """The every-stage row (505 MB in `make bench-scale`; 2,000 documents here): the documents of every stage add
    up, its rate is the input bytes over the process's CPU seconds, and the 100M carry names the costliest stage."""
    import shutil

    from pipeline.evals.scale_bench import carried, every_stage

    shutil.copytree(ROOT / "languages", tmp_path / "languages")  # its English model is trained in tmp_path/models
    row = every_stage(tmp_path / "work", 2000, tmp_path / "languages")
    assert (tmp_path / "models" / "en" / "metadata.json").is_file()
    assert "error" not in row, row.get("error")
    assert row["docs"] == 2000 and set(row["per_stage"]) >= {"langid", "quality", "pii", "perplexity", "dedup"}
    assert row["mb_per_s_per_core"] == round(row["input_bytes"] / 1e6 / row["driver_cpu_s"], 2) > 0
    out = carried(row)
    top = max(row["per_stage"], key=lambda k: row["per_stage"][k]["cpu_s"])
    assert out["bottleneck"]["stage"] == top and out["cpu_hours"] > 0
