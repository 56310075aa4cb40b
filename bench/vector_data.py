"""Synthetic 384-d unit vectors for the vector-index benchmark: two seeded generators.

``realistic`` (the default, docs/adr/0012-vector-benchmark-data.md): each cluster is a topic
whose points spread along a few directions of their own — a random ``RANK``-dimensional subspace
with variances decaying like ``1 / (j + 1)^DECAY`` — plus a little isotropic noise, around centres
that share one direction. That is the shape measured on the project's own MiniLM embeddings of CRM
text (bench/embedding_structure.py prints both): a low local intrinsic dimension (~13) and a 10th
neighbour clearly nearer than the crowd, which is what lets an ANN index reach high recall.

``isotropic`` (stress variant, the benchmark's data set before ADR 0012): centre + Gaussian noise
as long as the centre in all 384 dimensions. Inside a cluster every point is about as far from
every other (concentration of measure), the true top 10 are near-ties, and every ANN index misses
some of them.

A data set is a structure (clusters, from ``seed``) and any number of independent streams of points
drawn from it (``stream``: one per organisation, another for the queries). Rows come out as
big-endian float32, ready for PostgreSQL's binary COPY.

The realistic generator needs numpy, which only the AI service's venv has (pure Python took 0.6 to
3 ms a point here: up to an hour for 1.15M). bench/vector_search.py therefore runs this file with
the AI venv as a subprocess and reads its rows from a pipe:

    ai/.venv/bin/python bench/vector_data.py --dataset realistic --seed 2026 --stream 0 --count 1000
The isotropic generator is standard library only (C-speed ``map`` over two pools of Gaussian
vectors added pairwise), so it also runs in the backend's venv.
"""

from __future__ import annotations

import argparse
import math
import random
import struct
import sys
from collections.abc import Iterator
from itertools import repeat
from operator import add, mul
from typing import Any

DIM = 384
CLUSTERS = 2_000  # for 1M points: 500 per cluster
BLOCK = 4_096  # rows per block of a stream

# Calibrated against MiniLM (int8) embeddings of 5,712 CRM texts: LID (k = 10) 12.8 real vs 13.3
# synthetic, relative contrast 1.69 vs 1.68 (bench/embedding_structure.py prints both).
RANK = 12  # directions a cluster spreads along
DECAY = 0.8  # variance along direction j ~ 1 / (j + 1)^DECAY
SPREAD = 0.85  # standard deviation along a cluster's first direction (centres have length 1)
RESIDUAL = 0.03  # isotropic noise per dimension (about 0.6 over all 384): with RANK, sets the LID
SHARED = 0.6  # weight of the direction every centre shares (embeddings of one domain do)

ISOTROPIC_NOISE = 0.06  # per dimension: a point's noise is about as long as its cluster centre

DATASETS = ("realistic", "isotropic")
_ROW = struct.Struct(f">{DIM}f")


def _unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


class Isotropic:
    """Points = unit(centre + isotropic Gaussian noise about as long as the centre), the noise the
    sum of one vector from each of two pools: billions of distinct points at C speed."""

    POOL = 4096

    def __init__(self, seed: int, clusters: int = CLUSTERS) -> None:
        rng = random.Random(seed)
        gauss = rng.gauss
        self.clusters = clusters
        self.centres = [_unit([gauss(0, 1) for _ in range(DIM)]) for _ in range(clusters)]
        half = ISOTROPIC_NOISE / math.sqrt(2)  # two terms of variance sigma^2 / 2 each
        self.noise_a = [[gauss(0, half) for _ in range(DIM)] for _ in range(self.POOL)]
        self.noise_b = [[gauss(0, half) for _ in range(DIM)] for _ in range(self.POOL)]

    def stream(self, seed: int, stream: int, count: int) -> Iterator[bytes]:
        pick = random.Random(seed * 1_000 + stream).randrange
        block = bytearray()
        for n in range(count):
            point = map(add, self.centres[pick(self.clusters)], self.noise_a[pick(self.POOL)])
            summed = list(map(add, point, self.noise_b[pick(self.POOL)]))
            scale = 1.0 / math.sqrt(sum(map(mul, summed, summed)))
            block += _ROW.pack(*map(mul, summed, repeat(scale, DIM)))
            if (n + 1) % BLOCK == 0:
                yield bytes(block)
                block.clear()
        if block:
            yield bytes(block)


class Realistic:
    """Points = unit(centre + sum_j z_j s_j u_j + isotropic noise): per cluster a random
    RANK-dimensional subspace (u_j, nearly orthogonal as random directions in 384-d are) with
    decaying spreads s_j, z_j standard normal. numpy (the AI venv)."""

    def __init__(
        self,
        seed: int,
        clusters: int = CLUSTERS,
        *,
        rank: int = RANK,
        decay: float = DECAY,
        spread: float = SPREAD,
        residual: float = RESIDUAL,
        shared: float = SHARED,
    ) -> None:
        import numpy as np

        rng = np.random.default_rng(seed)
        self.np, self.clusters, self.rank, self.residual = np, clusters, rank, residual
        common = rng.standard_normal(DIM)
        common /= np.linalg.norm(common)
        own = rng.standard_normal((clusters, DIM))
        own /= np.linalg.norm(own, axis=1, keepdims=True)
        centres = shared * common + own
        self.centres = (centres / np.linalg.norm(centres, axis=1, keepdims=True)).astype(np.float32)
        bases = rng.standard_normal((clusters, rank, DIM))
        bases /= np.linalg.norm(bases, axis=2, keepdims=True)
        spreads = spread / (np.arange(rank) + 1.0) ** (decay / 2)
        self.bases = (bases * spreads[None, :, None]).astype(np.float32)

    def block(self, rng: Any, n: int) -> Any:
        """``n`` unit vectors (float32 rows)."""
        np = self.np
        k = rng.integers(self.clusters, size=n)
        z = rng.standard_normal((n, self.rank), dtype=np.float32)
        points = self.centres[k] + np.einsum("nr,nrd->nd", z, self.bases[k])
        points += self.residual * rng.standard_normal((n, DIM), dtype=np.float32)
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    def stream(self, seed: int, stream: int, count: int) -> Iterator[bytes]:
        rng = self.np.random.default_rng([seed, stream])
        for start in range(0, count, BLOCK):
            yield self.block(rng, min(BLOCK, count - start)).astype(">f4").tobytes()


def generator(dataset: str, seed: int, clusters: int = CLUSTERS) -> Isotropic | Realistic:
    if dataset == "isotropic":
        return Isotropic(seed, clusters)
    if dataset == "realistic":
        return Realistic(seed, clusters)
    raise ValueError(f"unknown dataset {dataset!r}: one of {', '.join(DATASETS)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Write a stream of vectors (big-endian float32 rows) to stdout."
    )
    parser.add_argument("--dataset", choices=DATASETS, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--clusters", type=int, default=CLUSTERS)
    parser.add_argument("--stream", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    out = sys.stdout.buffer
    for block in generator(args.dataset, args.seed, args.clusters).stream(args.seed, args.stream, args.count):
        out.write(block)
    out.flush()


if __name__ == "__main__":
    main()
