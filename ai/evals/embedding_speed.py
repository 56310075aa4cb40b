"""Embedding throughput of all-MiniLM-L6-v2 on this machine: CRM texts, in batches.

Measures, in the same run (these machines are shared, so only figures of one run compare):
- texts per second of wall time (what a caller sees; with 2 threads, both cores working) and per
  second of CPU time (what the machine could do if its cores were not shared with other work);
- fp32 and int8 (dynamic quantization of the Linear layers, per output channel), 1 and 2 torch
  intra-op threads (1 inter-op thread), torch.inference_mode, batches of 64 and 256 short texts;
- length bucketing, on texts of mixed length (a few words to a long note): batches of 64 in arrival
  order, each padded to its longest text, against one call that sentence-transformers sorts by length
  before cutting it into batches of 64 (what the encoder does);
- the int8 vectors' cosine to the fp32 ones.
Then one JSON line. The load average is printed too: figures taken while other work ran are lower.

Run from ai/: .venv/bin/python -m evals.embedding_speed [--texts 1024] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from crm_ai.embeddings.encoder import MiniLMEncoder

SHORT = (
    "Marta Ruiz, HR Director at Telvia Logistics, Madrid",
    "Renewal of annual health checks for 1,200 employees",
    "Clinic complained the lab kits arrived four days late",
    "Call back about the flu vaccination campaign",
    "Seafarer medicals framework, stage Proposal sent",
    "Patient asked for an invoice copy",
    "Budget cut by 20%, fewer stores for the workshops",
    "Weekend appointments for crews arriving on Sunday",
)
NOTE = (
    "Met the operations team at the Valencia depot. They want the annual medicals moved to the "
    "quiet season, weekend slots for drivers, and one invoice per site instead of one per visit. "
    "The lab kits were late twice last quarter and they are comparing us with two other providers. "
)


def short_texts(n: int) -> list[str]:
    # Distinct texts (no cache anywhere, but keep it honest): the short samples with a running number.
    return [f"{SHORT[i % len(SHORT)]} #{i}" for i in range(n)]


def mixed_texts(n: int) -> list[str]:
    """Mostly short records with a note of 1-6 sentences every fourth text, in arrival order."""
    out = []
    for i in range(n):
        if i % 4 == 3:
            out.append(f"Note #{i}: " + " ".join(NOTE.split(". ")[: 1 + i % 6]))
        else:
            out.append(f"{SHORT[i % len(SHORT)]} #{i}")
    return out


def timed(work: Callable[[], object], n: int) -> dict[str, int]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    work()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"texts_per_s_wall": round(n / wall), "texts_per_s_cpu": round(n / cpu)}


def in_batches(encoder: MiniLMEncoder, texts: list[str], batch: int) -> Callable[[], None]:
    def work() -> None:
        for start in range(0, len(texts), batch):
            encoder.encode(texts[start : start + batch])

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="2 threads and batch 256 only")
    args = parser.parse_args()
    texts, mixed = short_texts(args.texts), mixed_texts(args.texts)
    load_before = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    bucketing: list[dict[str, Any]] = []
    print(f"embeddings: {args.texts} short texts (~10 words), all-MiniLM-L6-v2 on the CPU")
    print(f"{'model':<24}{'threads':>8}{'batch':>8}{'texts/s wall':>15}{'texts/s per CPU-s':>20}{'cos':>8}")
    reference = MiniLMEncoder(torch_threads=1).encode(texts[:256])
    thread_counts = (2,) if args.quick else (1, 2)
    batches = (256,) if args.quick else (64, 256)
    for int8 in (False, True):
        for threads in thread_counts:
            encoder = MiniLMEncoder(torch_threads=threads, int8=int8)
            cosine = (encoder.encode(texts[:256]) * reference).sum(axis=1)  # also the warm-up
            for batch in batches:
                rows.append(
                    {
                        "model": encoder.name,
                        "threads": threads,
                        "batch": batch,
                        "cosine_to_fp32_mean": round(float(cosine.mean()), 4),
                        "cosine_to_fp32_min": round(float(cosine.min()), 4),
                        **timed(in_batches(encoder, texts, batch), len(texts)),
                    }
                )
                r = rows[-1]
                print(
                    f"{r['model']:<24}{r['threads']:>8}{r['batch']:>8}{r['texts_per_s_wall']:>15}"
                    f"{r['texts_per_s_cpu']:>20}{r['cosine_to_fp32_mean']:>8}",
                    flush=True,
                )
            if threads == min(thread_counts):
                for name, work in (
                    ("arrival order, 64 per call", in_batches(encoder, mixed, 64)),
                    ("one call, sorted by length", lambda e=encoder: e.encode(mixed)),
                ):
                    bucketing.append({"model": encoder.name, "threads": threads, "batching": name})
                    bucketing[-1].update(timed(work, len(mixed)))
                    b = bucketing[-1]
                    print(
                        f"  mixed lengths: {b['model']:<22}{b['threads']:>3} threads  {b['batching']:<28}"
                        f"{b['texts_per_s_wall']:>6} wall{b['texts_per_s_cpu']:>6} per CPU-s",
                        flush=True,
                    )
    load_after = os.getloadavg()[0]

    print(f"load average (1 min) before {load_before:.1f}, after {load_after:.1f}, on {os.cpu_count()} cores")
    best = max(rows, key=lambda r: r["texts_per_s_cpu"])
    summary = {
        "bench": "embedding_speed",
        "texts": args.texts,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "best_per_cpu_s": {k: best[k] for k in ("model", "threads", "batch", "texts_per_s_cpu")},
        "rows": rows,
        "bucketing": bucketing,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
