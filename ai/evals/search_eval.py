"""Search evaluation on a written corpus of CRM records and written queries with labelled answers.

Rankers over the same 100 records (companies, contacts, deals, notes, emails):
- embeddings: all-MiniLM-L6-v2 cosine similarity (what pgvector does in the backend);
- pg_fulltext: the backend's PostgreSQL query reproduced exactly (crm_ai.search.pg_fulltext:
  'simple' configuration, OR of the words minus stop words, last word as a prefix, ts_rank_cd);
- keyword_bm25: Okapi BM25, a stronger keyword baseline for comparison;
- rrf_fused: reciprocal rank fusion (k = 60) of the embeddings' and pg_fulltext's top-50 lists:
  the fusion GET /api/v1/search runs (crm.search.fusion, 50 candidates per ranker);
- rrf_bm25: the same fusion with BM25 in place of PostgreSQL.

The backend test tests/search/test_search_quality.py runs these queries through the backend's own
path (pgvector HNSW, PostgreSQL, permission filter, fusion) and asserts recall@10 >= 0.8 there too.

Prints recall@10 (share of each query's relevant records in its top 10, averaged over queries),
recall@5 and MRR, then one JSON line.

Both precisions of the encoder (fp32, int8), one after the other.

Run from ai/: .venv/bin/python -m evals.search_eval [--precision fp32|int8|both]
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from crm_ai.embeddings.encoder import MiniLMEncoder
from crm_ai.search.bm25 import BM25
from crm_ai.search.fusion import RankedList, rrf
from crm_ai.search.pg_fulltext import PgSimpleFullText

DATA = Path(__file__).parent / "data"
CANDIDATES = 50


def load() -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    with (DATA / "search_corpus.tsv").open(encoding="utf-8", newline="") as fh:
        corpus = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    with (DATA / "search_queries.tsv").open(encoding="utf-8", newline="") as fh:
        queries: list[dict[str, Any]] = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    ids = {r["id"] for r in corpus}
    for q in queries:
        q["relevant"] = q["relevant"].split(",")
        unknown = set(q["relevant"]) - ids
        if unknown:
            raise ValueError(f"{q['id']}: unknown ids {sorted(unknown)}")
    return corpus, queries


def metrics(rankings: list[list[str]], queries: list[dict[str, Any]]) -> dict[str, float]:
    r10, r5, rr = [], [], []
    for ranked, q in zip(rankings, queries, strict=True):
        relevant = set(q["relevant"])
        r10.append(len(relevant & set(ranked[:10])) / len(relevant))
        r5.append(len(relevant & set(ranked[:5])) / len(relevant))
        first = next((i for i, doc in enumerate(ranked) if doc in relevant), None)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
    return {
        "recall@10": round(float(np.mean(r10)), 4),
        "recall@5": round(float(np.mean(r5)), 4),
        "mrr": round(float(np.mean(rr)), 4),
    }


def evaluate(int8: bool) -> None:
    corpus, queries = load()
    ids = [r["id"] for r in corpus]
    encoder = MiniLMEncoder(int8=int8)
    started = time.perf_counter()
    doc_vectors = encoder.encode([r["text"] for r in corpus])
    query_vectors = encoder.encode([q["query"] for q in queries])
    encode_s = time.perf_counter() - started
    bm25 = BM25([r["text"] for r in corpus])
    pg = PgSimpleFullText([r["text"] for r in corpus])

    dense, keyword, pg_lists, fused, fused_bm25 = [], [], [], [], []
    for q, qv in zip(queries, query_vectors, strict=True):
        order = np.argsort(-(doc_vectors @ qv))[:CANDIDATES]
        d = [ids[i] for i in order]
        k = [ids[i] for i in bm25.top(q["query"], CANDIDATES)]
        p = [ids[i] for i in pg.top(q["query"], CANDIDATES)]
        dense.append(d)
        keyword.append(k)
        pg_lists.append(p)
        fused.append([f.id for f in rrf([RankedList("vector", d), RankedList("fulltext", p)])])
        fused_bm25.append([f.id for f in rrf([RankedList("vector", d), RankedList("fulltext", k)])])
    rows = {
        "embeddings": metrics(dense, queries),
        "pg_fulltext": metrics(pg_lists, queries),
        "keyword_bm25": metrics(keyword, queries),
        "rrf_fused": metrics(fused, queries),
        "rrf_bm25": metrics(fused_bm25, queries),
    }
    print(
        f"search with {encoder.name}: {len(corpus)} records, {len(queries)} written queries, "
        f"top-{CANDIDATES} candidates per ranker"
    )
    print(f"{'ranker':<16}{'recall@10':>12}{'recall@5':>12}{'MRR':>10}")
    for name, m in rows.items():
        print(f"{name:<16}{m['recall@10']:>12.4f}{m['recall@5']:>12.4f}{m['mrr']:>10.4f}")
    misses = [
        (q["id"], q["query"], sorted(set(q["relevant"]) - set(f[:10])))
        for q, f in zip(queries, fused, strict=True)
        if set(q["relevant"]) - set(f[:10])
    ]
    print(f"fused misses at 10 ({len(misses)} queries):")
    for qid, text, missing in misses:
        print(f"  {qid} {text!r}: {', '.join(missing)}")
    print(
        json.dumps(
            {
                "eval": "search",
                "model": encoder.name,
                "model_id": encoder.model_id,
                "records": len(corpus),
                "queries": len(queries),
                "encode_seconds": round(encode_s, 2),
                **rows,
            }
        )
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--precision", choices=("fp32", "int8", "both"), default="both")
    args = parser.parse_args()
    for precision in ("fp32", "int8"):
        if args.precision in (precision, "both"):
            evaluate(int8=precision == "int8")


if __name__ == "__main__":
    main()
