"""Global deduplication of one language's kept documents: exact and MinHash-LSH near duplicates.

Every step is a map over files, so the DAG runs it as parallel Ray tasks (locally: a plain loop), and
every intermediate result is a Parquet file on disk (the corpus never has to fit in memory):

 1. signatures   per kept part: an exact key (xxh3-128 of the text with whitespace, digits, punctuation
                 and symbols removed, as ROOTS did with md5) and a MinHash signature of the word 5-gram
                 shingles (lowercased words, punctuation and digits removed; character 5-grams for
                 unsegmented scripts), words hashed and signatures computed with numpy, no Python loop
                 per shingle (multiply-add hashing mod 2^64 with odd multipliers).
 2. buckets      per signature file: one key per LSH band (bands x rows, 14 x 8 by default: threshold
                 ~0.72) plus the exact key (and, with `url: true`, the web URL's host + path: ROOTS's
                 URL dedup), hash-partitioned into P partition files (the shuffle).
 3. edges        per partition: documents sharing a (band, key) are linked to the group's first member.
 4. components   parallel connected components: each round maps over edge files proposing the smaller
                 label to both ends (one value per node comes back), then pointer jumping; rounds until
                 nothing changes. Clusters are hash-partitioned (label mod G, G = one per 100,000 clustered
                 documents, at most `partitions`).
 5. gather       per part: its clustered members' rows (what the keep rule ranks by, the id and, to verify,
                 the text) sent to their cluster's partition, each part and signature file read once; the
                 edges sent likewise.
 6. stars        per cluster partition, from its own gathered rows: near-duplicate edges whose true Jaccard
                 similarity of shingle sets is under `jaccard_min` are dropped (LSH false positives; with
                 `verify`), each cluster is split into the components of the edges that hold, and each
                 component is decided as stars: the best member by the `keep` criteria (source priority, the
                 copy most like the others, perplexity, length; ties to the earliest) keeps every member that
                 truly duplicates it (Jaccard >= jaccard_min on the same shingles, or the same exact key, or
                 with `url` the same URL); the best of the rest keeps those that duplicate it, and so on, so a
                 chain A~B~C never drops C against an A it does not resemble. Dropped documents are
                 `dedup:exact` (same exact key as their keeper) or `dedup:near`, with the id they duplicate
                 and the Jaccard to it; the keeper's reason names the criterion that chose it. Each
                 document's shingles are made once.
 7. decisions    per part: every document's decision, in row order, with its keeper's id (the stage then
                 writes the part's kept and rejected rows from it: one part in memory at a time).

Memory: per document, 16 bytes of exact key + 8 x bands of band keys + 8 x perms of signature on disk;
on the driver only the label vector and its cluster partition (4 bytes per document each below 2^31
documents, while clusters are formed); in a task one part, one edge file or one cluster partition. `make bench-scale` measures it.
"""
