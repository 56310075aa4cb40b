"""Embedding throughput of all-MiniLM-L6-v2 on this machine: short CRM texts, in batches.

Prints texts per second of wall time and per second of CPU time (the second is what the machine
could do if the cores were not shared), for 1 and 2 torch threads, fp32 and dynamic int8 (Linear
layers), in the same run, with the int8 vectors' cosine to the fp32 ones; then one JSON line.
(sentence-transformers already sorts each call's texts by length, so batches carry little padding.)

Run from ai/: .venv/bin/python -m evals.embedding_speed [--texts 1024]
"""

from __future__ import annotations

import argparse
import json
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=1024)
    args = parser.parse_args()
    # Distinct texts (no cache anywhere, but keep it honest): the short samples with a running number.
    texts = [f"{SHORT[i % len(SHORT)]} #{i}" for i in range(args.texts)]
    rows: list[dict[str, Any]] = []
    reference = MiniLMEncoder(torch_threads=1).encode(texts[:256])
    for threads, int8 in ((1, False), (2, False), (1, True), (2, True)):
        encoder = MiniLMEncoder(torch_threads=threads, int8=int8)
        agreement = (encoder.encode(texts[:256]) * reference).sum(axis=1)  # also the warm-up
        for batch in (64, 256):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for start in range(0, len(texts), batch):
                encoder.encode(texts[start : start + batch])
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            rows.append(
                {
                    "model": encoder.name,
                    "threads": threads,
                    "batch": batch,
                    "cosine_to_fp32_mean": round(float(agreement.mean()), 4),
                    "cosine_to_fp32_min": round(float(agreement.min()), 4),
                    "texts_per_s_wall": round(len(texts) / wall),
                    "texts_per_s_cpu": round(len(texts) / cpu),
                }
            )
    print(f"embeddings: {args.texts} short texts (~10 words), all-MiniLM-L6-v2 on the CPU")
    print(f"{'model':<24}{'threads':>8}{'batch':>8}{'texts/s wall':>15}{'texts/s per CPU-s':>20}{'cos':>8}")
    for r in rows:
        print(
            f"{r['model']:<24}{r['threads']:>8}{r['batch']:>8}{r['texts_per_s_wall']:>15}"
            f"{r['texts_per_s_cpu']:>20}{r['cosine_to_fp32_mean']:>8}"
        )
    print(json.dumps({"bench": "embedding_speed", "texts": args.texts, "rows": rows}))


if __name__ == "__main__":
    main()
