"""Transcription evaluation: word error rate of faster-whisper on speech made with espeak-ng from
known sentences, and its speed (real-time factor) on the clips and on one long recording.

Needs the `espeak-ng` program (Debian package espeak-ng); without it this says so and exits 1.
Numbers are compared as digits on both sides ("twelve thousand" and "12,000" are the same words).

Run from ai/: .venv/bin/python -m evals.transcription_eval [--beam 1] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from crm_ai.transcription.engine import WhisperTranscriber
from crm_ai.transcription.extraction import words_to_number

SENTENCES = (
    "Please call the clinic tomorrow morning to confirm the appointment.",
    "The customer wants a discount of ten percent on the annual contract.",
    "We sent the revised quote to the human resources director last week.",
    "Our nurses will visit the warehouse on Tuesday for the health checks.",
    "The patient complained that the results arrived three days late.",
    "Can you book a follow up meeting with the finance team next Friday?",
    "The hotel group needs medical exams for two hundred seasonal workers.",
    "Their budget for the wellbeing programme is fifty thousand euros.",
    "The works council asked us to keep every test result anonymous.",
    "I will send the signed contract back before the end of the month.",
    "The laboratory courier missed two pick ups in Madrid this week.",
    "She was very happy with the vaccination day at the school.",
    "We lost the tender because our price was higher than the competitor.",
    "Please add the Valencia depot to the renewal proposal.",
    "The crew manager needs fit to work certificates by Sunday.",
    "Let us schedule a demo of the booking platform for the insurer.",
    "The chief financial officer must approve anything above fifty thousand.",
    "Our cardiologist can see the technicians before they climb the turbines.",
    "The invoice for the physiotherapy sessions is still unpaid.",
    "Thank you for your patience, we will call you back within the hour.",
)
_NUMBER_WORDS = re.compile(
    r"\b(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|million)(?:\s+and\s+|[\s-]+)?)+"
)
_ALIASES = {
    "programme": "program",
    "well being": "wellbeing",
    "followup": "follow up",
    "pickups": "pick ups",
    "fittowork": "fit to work",
}


def normalize(text: str) -> list[str]:
    t = text.lower().replace("%", " percent")
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"[^a-z0-9\s'-]", " ", t).replace("-", " ")

    def digits(m: re.Match[str]) -> str:
        value = words_to_number(m.group(0).strip())
        return f" {int(value)} " if value is not None else m.group(0)

    t = _NUMBER_WORDS.sub(digits, t + " ")
    for a, b in _ALIASES.items():
        t = re.sub(rf"\b{a}\b", b, t)
    return t.split()


def word_errors(ref: list[str], hyp: list[str]) -> int:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)]


def speak(text: str, path: Path, voice: str) -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)  # noqa: S603, S607


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--voice", default="en-us")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print(
            "espeak-ng is not installed (apt-get install espeak-ng): cannot make the test speech",
            file=sys.stderr,
        )
        sys.exit(1)
    from faster_whisper import decode_audio

    model = WhisperTranscriber(threads=args.threads, beam_size=args.beam)
    rows: list[dict[str, Any]] = []
    errors = words = 0
    audio_s = wall_s = cpu_s = 0.0
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(SENTENCES):
            path = Path(tmp) / f"{i}.wav"
            speak(sentence, path, args.voice)
            samples = decode_audio(str(path))
            clips.append(samples)
            cpu0 = time.process_time()
            result = model.transcribe(samples)
            cpu_s += time.process_time() - cpu0
            wall_s += result.seconds
            audio_s += len(samples) / 16_000
            ref, hyp = normalize(sentence), normalize(result.text)
            e = word_errors(ref, hyp)
            errors += e
            words += len(ref)
            rows.append({"sentence": sentence, "heard": result.text, "wer": round(e / len(ref), 3)})
    # One long recording: every clip with half a second of silence between, as in a voice note.
    pause = np.zeros(8_000, dtype=np.float32)
    long_audio = np.concatenate([x for clip in clips for x in (clip, pause)])
    cpu0 = time.process_time()
    long_result = model.transcribe(long_audio)
    long_cpu = time.process_time() - cpu0
    long_ref = normalize(" ".join(SENTENCES))
    long_wer = word_errors(long_ref, normalize(long_result.text)) / len(long_ref)
    long_s = len(long_audio) / 16_000

    print(
        f"transcription: {model.name}, beam {args.beam}, {args.threads} thread(s), "
        f"espeak-ng voice {args.voice}"
    )
    print(f"{'set':<22}{'clips':>7}{'audio s':>10}{'WER':>8}{'RTF wall':>10}{'RTF cpu':>10}")
    print(
        f"{'sentences':<22}{len(SENTENCES):>7}{audio_s:>10.1f}{errors / words:>8.3f}"
        f"{wall_s / audio_s:>10.3f}{cpu_s / audio_s:>10.3f}"
    )
    print(
        f"{'one long recording':<22}{1:>7}{long_s:>10.1f}{long_wer:>8.3f}"
        f"{long_result.seconds / long_s:>10.3f}{long_cpu / long_s:>10.3f}"
    )
    print("worst sentences:")
    for r in sorted(rows, key=lambda r: -r["wer"])[:5]:
        print(f"  WER {r['wer']:.3f}  said: {r['sentence']!r}\n             heard: {r['heard']!r}")
    print(
        json.dumps(
            {
                "eval": "transcription",
                "model": model.name,
                "beam": args.beam,
                "threads": args.threads,
                "clips": len(SENTENCES),
                "wer": round(errors / words, 4),
                "rtf_wall": round(wall_s / audio_s, 4),
                "rtf_cpu": round(cpu_s / audio_s, 4),
                "long_seconds": round(long_s, 1),
                "long_segments": len(long_result.segments),
                "long_wer": round(long_wer, 4),
                "long_rtf_wall": round(long_result.seconds / long_s, 4),
                "long_rtf_cpu": round(long_cpu / long_s, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
