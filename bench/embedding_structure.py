"""Neighbour structure of real CRM embeddings beside the synthetic benchmark sets.

Embeds every CRM text the repository can give — the demo data's notes, call/meeting/e-mail
subjects and tasks filled with its people, companies and topics, its company and contact lines,
the sentiment training and frozen evaluation sets, the search evaluation corpus and queries — with
all-MiniLM-L6-v2 exactly as the AI service loads it (``crm_ai.embeddings.encoder.MiniLMEncoder``,
int8 by default, offline), and measures what decides how hard an ANN index's job is:

- local intrinsic dimensionality, maximum-likelihood estimate of Levina & Bickel (2004) over the
  k nearest neighbours, k = 10 and 20, averaged over points as MacKay & Ghahramani suggest (the
  inverse of the mean of the inverse estimates);
- relative contrast: mean distance from a query to all points / distance to its 10th neighbour
  (near 1: every point is about as far as every other and "nearest" is a near-tie).

Then draws the same number of points from each synthetic generator (bench/vector_data.py) with the
benchmark's density, 500 points per cluster, and prints the same figures beside them. Needs numpy
and the AI service's packages: run it with the AI venv.

    ai/.venv/bin/python bench/embedding_structure.py > /tmp/structure.json

Prints one JSON line (also to bench/results/).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from common import REPO, emit, machine, note, open_results
from vector_data import CLUSTERS, DATASETS, DIM, generator

sys.path.insert(0, str(REPO / "ai"))
sys.path.insert(0, str(REPO / "backend"))

from crm.organization import demo_corpus as demo

Matrix = npt.NDArray[np.float32]
PER_CLUSTER = 1_000_000 // CLUSTERS  # the benchmark's density


def _tsv_texts(name: str) -> list[str]:
    path = REPO / "ai" / "evals" / "data" / name
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh, delimiter="\t")]


def crm_texts(fills_per_template: int, seed: int = 2026) -> list[str]:
    """The CRM's own texts: demo templates filled at random (seeded), plus the evaluation sets."""
    rng = random.Random(seed)
    countries = list(demo.FIRST_NAMES)
    topics = demo.TOPICS_CORPORATE + demo.TOPICS_PATIENT
    templates = [t for notes in demo.NOTES.values() for t in notes]
    templates += list(demo.CALL_SUBJECTS + demo.MEETING_SUBJECTS + demo.EMAIL_SUBJECTS + demo.TASKS)

    def fill(template: str) -> str:
        country = rng.choice(countries)
        return template.format(
            first=rng.choice(demo.FIRST_NAMES[country]),
            company=rng.choice(demo.COMPANIES).name,
            topic=rng.choice(topics),
            day=rng.choice(demo.WEEKDAYS),
        )

    texts = [fill(t) for t in templates for _ in range(fills_per_template)]
    for company in demo.COMPANIES:
        texts.append(
            f"{company.name} — {company.kind} in {company.industry}, {company.city}, "
            f"{demo.COUNTRY_NAMES.get(company.country, company.country)}"
        )
    for _ in range(len(templates) * fills_per_template // 4):
        country = rng.choice(countries)
        company = rng.choice(demo.COMPANIES)
        texts.append(
            f"{rng.choice(demo.FIRST_NAMES[country])} {rng.choice(demo.LAST_NAMES[country])}, "
            f"{company.name} ({company.city})"
        )
    texts += _tsv_texts("sentiment_train.tsv") + _tsv_texts("sentiment_eval_frozen.tsv")
    texts += _tsv_texts("search_corpus.tsv")
    with (REPO / "ai" / "evals" / "data" / "search_queries.tsv").open(encoding="utf-8") as fh:
        texts += [row["query"] for row in csv.DictReader(fh, delimiter="\t") if row.get("query")]
    return list(dict.fromkeys(texts))  # distinct, in a stable order


def embed(texts: list[str], precision: str) -> Matrix:
    from crm_ai.embeddings.encoder import MiniLMEncoder

    encoder = MiniLMEncoder(torch_threads=2, int8=precision == "int8")
    return encoder.encode(texts)


def structure(points: Matrix, queries: int, seed: int = 7) -> dict[str, float]:
    """LID (k = 10, 20) and relative contrast of ``queries`` points against all the others."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(points), size=min(queries, len(points)), replace=False)
    sims = points[picked] @ points.T
    dist = np.sqrt(np.clip(2.0 - 2.0 * sims, 0.0, None))
    dist[np.arange(len(picked)), picked] = np.inf  # not itself
    # Exact duplicates (distance 0) would make log(r_k / r_j) infinite: they are not neighbours here.
    dist[dist < 1e-6] = np.inf
    finite = np.where(np.isfinite(dist), dist, np.nan)
    mean_distance = np.nanmean(finite, axis=1)
    nearest = np.sort(dist, axis=1)[:, :20].astype(np.float64)
    out: dict[str, float] = {}
    for k in (10, 20):
        logs = np.log(nearest[:, k - 1 : k] / nearest[:, : k - 1])  # log(r_k / r_j), j < k
        inverse = logs.sum(axis=1) / (k - 1)  # 1 / LID of each point
        out[f"lid_k{k}"] = round(float(1.0 / inverse.mean()), 2)
        out[f"lid_k{k}_median_point"] = round(float(np.median(1.0 / inverse)), 2)
    out["relative_contrast_10nn"] = round(float(np.mean(mean_distance / nearest[:, 9])), 3)
    out["mean_distance"] = round(float(np.mean(mean_distance)), 3)
    out["distance_10nn"] = round(float(np.mean(nearest[:, 9])), 3)
    out["distance_1nn"] = round(float(np.mean(nearest[:, 0])), 3)
    return out


def synthetic(dataset: str, count: int, seed: int = 2026) -> Matrix:
    clusters = max(1, round(count / PER_CLUSTER))
    raw = b"".join(generator(dataset, seed, clusters).stream(seed, 0, count))
    return np.frombuffer(raw, dtype=">f4").reshape(count, DIM).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fills", type=int, default=60, help="random fillings of each demo template")
    parser.add_argument("--queries", type=int, default=1000, help="points whose neighbourhood is measured")
    parser.add_argument("--precision", choices=("int8", "fp32"), default="int8")
    parser.add_argument("--vectors", type=Path, help="read the vectors an earlier --save wrote")
    parser.add_argument("--save", type=Path, help="also save the real vectors (raw float32)")
    args = parser.parse_args()
    open_results("embedding_structure")
    texts = crm_texts(args.fills)
    started = time.perf_counter()
    if args.vectors:  # the same texts embedded by an earlier run (--save): only the statistics again
        real = np.fromfile(args.vectors, dtype="<f4").reshape(-1, DIM)
        if len(real) != len(texts):
            raise SystemExit(f"{args.vectors} holds {len(real)} vectors, not the {len(texts)} texts")
    else:
        real = embed(texts, args.precision)
        note(f"embedded {len(texts):,} texts in {time.perf_counter() - started:.0f} s")
    if args.save:  # raw float32 rows, for bench/vector_real_recall.py (the backend's venv has no numpy)
        real.astype("<f4").tofile(args.save)
    record: dict[str, Any] = {
        "bench": "embedding_structure",
        "texts": len(texts),
        "model": f"all-MiniLM-L6-v2 {args.precision}",
        "real": structure(real, args.queries),
    }
    for dataset in DATASETS:
        record[f"synthetic_{dataset}"] = structure(synthetic(dataset, len(texts)), args.queries)
        record[f"synthetic_{dataset}"]["clusters"] = max(1, round(len(texts) / PER_CLUSTER))
    emit(record | {"machine": machine()})


if __name__ == "__main__":
    main()
