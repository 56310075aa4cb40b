"""A loopback server speaking OpenAI's documented wire format for POST /v1/embeddings (JSON) and
POST /v1/audio/transcriptions (multipart, `verbose_json`), checked against what the docs require.

It is driven by the official `openai` SDK through our drivers; the tests only change `mode`.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

API_KEY = "sk-test-3f9a7c1e5b2d4a6c8e0f"


def fake_vector(text: str, dimensions: int) -> np.ndarray:
    """A deterministic, text-specific vector (not unit length, so normalisation is exercised)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(0, 3, dimensions)


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes
    fields: dict[str, list[str]]


@dataclass
class FakeOpenAI:
    dimensions: int = 384
    # ok | unauthorized | rate_limited | server_error | short | out_of_range
    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["content-length"]))
                fake.requests.append({"path": self.path, "auth": self.headers.get("authorization")})
                status, payload, headers = fake.answer(self.path, dict(self.headers), raw)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def embedding_batches(self) -> list[list[str]]:
        return [r["input"] for r in self.requests if "input" in r]

    # --- answers -----------------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if self.mode == "unauthorized" or auth != f"Bearer {API_KEY}":
            # As OpenAI does, the message quotes the key it was given: it must never travel further.
            given = auth.removeprefix("Bearer ")
            message = f"Incorrect API key provided: {given}."
            return _error(401, message, "invalid_request_error", "invalid_api_key")
        if self.mode == "rate_limited":
            status, body, _ = _error(429, "Rate limit reached", "requests", "rate_limit_exceeded")
            return status, body, {"retry-after": "2"}
        if self.mode == "server_error":
            return _error(500, "The server had an error while processing your request.", "server_error", None)
        if path == "/v1/embeddings":
            return self.embeddings(json.loads(raw))
        if path == "/v1/audio/transcriptions":
            return self.transcription(headers, raw)
        return _error(404, f"Invalid URL (POST {path})", "invalid_request_error", None)

    def embeddings(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        self.requests[-1].update(body)
        texts = body.get("input")
        if not isinstance(body.get("model"), str) or not (
            isinstance(texts, list) and texts and all(isinstance(t, str) and t for t in texts)
        ):
            self.problems.append(f"bad embeddings request {sorted(body)}")
            return _error(400, "'input' is invalid", "invalid_request_error", None)
        if len(texts) > 2048 or body.get("encoding_format", "float") not in ("float", "base64"):
            self.problems.append("embeddings request out of the documented limits")
            return _error(400, "too many inputs", "invalid_request_error", None)
        dimensions = int(body.get("dimensions") or self.dimensions)
        data = [
            {"object": "embedding", "index": i, "embedding": [float(x) for x in fake_vector(t, dimensions)]}
            for i, t in enumerate(texts)
        ]
        if self.mode == "short":
            data = data[:-1]
        # The API pairs vectors with inputs by `index`, not by position: answer them reversed.
        data.reverse()
        usage = {"prompt_tokens": 3 * len(texts), "total_tokens": 3 * len(texts)}
        return 200, {"object": "list", "data": data, "model": body["model"], "usage": usage}, {}

    def transcription(self, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        content_type = {k.lower(): v for k, v in headers.items()}["content-type"]
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        fields: dict[str, list[str]] = {}
        upload = None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            filename = part.get_filename()
            if filename:
                upload = Upload(filename, part.get_content_type(), payload, fields)
            else:
                fields.setdefault(str(name), []).append(payload.decode())
        self.requests[-1].update({"fields": fields})
        if upload is None or "model" not in fields:
            self.problems.append(f"transcription request without file or model: {sorted(fields)}")
            return _error(400, "file and model are required", "invalid_request_error", None)
        self.uploads.append(upload)
        # The real API answers 400 for an unreadable file too.
        try:
            duration = _duration(upload.data)
        except Exception:
            self.problems.append("transcription upload is not audio")
            return _error(400, "Invalid file format.", "invalid_request_error", None)
        verbose = fields.get("response_format") == ["verbose_json"]
        if not verbose:
            return 200, {"text": "Please call Marta Ruiz next Friday."}, {}
        half = round(duration / 2, 2)
        end = round(duration + 5, 2) if self.mode == "out_of_range" else round(duration, 2)
        segments = [
            _segment(0, 0.0, half, " Please call Marta Ruiz next Friday.", -0.2, 0.01),
            # What Whisper says over a silent stretch: flagged by no_speech_prob and avg_logprob.
            _segment(1, half, half, " Thank you.", -1.4, 0.92),
            _segment(2, half, end, " The new quote is twelve thousand euros.", -0.3, 0.02),
        ]
        text = "".join(s["text"] for s in segments).strip()
        payload = {
            "task": "transcribe",
            "language": "english",
            "duration": duration,
            "text": text,
            "segments": segments,
            "usage": {"type": "duration", "seconds": int(duration + 1)},
        }
        return 200, payload, {}


def _segment(i: int, start: float, end: float, text: str, logprob: float, no_speech: float) -> dict[str, Any]:
    return {
        "id": i,
        "seek": 0,
        "start": start,
        "end": end,
        "text": text,
        "tokens": [50364, 1012],
        "temperature": 0.0,
        "avg_logprob": logprob,
        "compression_ratio": 1.1,
        "no_speech_prob": no_speech,
    }


def _duration(data: bytes) -> float:
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        samples = sum(int(frame.samples) for frame in container.decode(stream))
        return round(samples / stream.rate, 3)


def _error(status: int, message: str, kind: str, code: str | None) -> tuple[int, Any, dict[str, str]]:
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, {}
