"""Embeddings (real MiniLM), reciprocal rank fusion and the BM25 baseline."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub
from crm_ai.embeddings.encoder import MiniLMEncoder, packaged_model_path, weights_fingerprint
from crm_ai.search.bm25 import BM25, tokenize
from crm_ai.search.fusion import RankedList, rrf

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def eclient(settings: Settings, loaded_hub: ModelHub) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"embedding_max_batch": 4, "embedding_max_chars": 2000})
    with TestClient(create_app(limited, hub=loaded_hub)) as c:
        yield c


def _vectors(body: dict[str, object]) -> np.ndarray:
    if body["encoding_format"] == "base64":
        rows = [np.frombuffer(base64.b64decode(s), dtype="<f4") for s in body["embeddings"]]  # type: ignore[attr-defined]
        return np.array(rows)
    return np.array(body["embeddings"], dtype=np.float32)


def test_embeddings_are_unit_vectors_that_know_meaning(eclient: TestClient, auth: Auth) -> None:
    texts = [
        "The clinic in Madrid complained that lab samples arrived late.",
        "Our Madrid partner clinic is upset that the courier keeps delivering samples late.",
        "Flu vaccination day for teachers went very well.",
    ]
    response = eclient.post("/v1/embeddings", json={"texts": texts}, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "all-MiniLM-L6-v2+int8"  # the default precision
    assert body["dimensions"] == 384
    assert body["normalized"] is True
    assert body["truncated"] == []
    v = _vectors(body)
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_base64_is_the_same_vector(eclient: TestClient, auth: Auth) -> None:
    texts = ["Renewal of annual health checks for 1,200 employees"]
    floats = _vectors(eclient.post("/v1/embeddings", json={"texts": texts}, headers=auth()).json())
    packed = eclient.post(
        "/v1/embeddings", json={"texts": texts, "encoding_format": "base64"}, headers=auth()
    ).json()
    assert packed["encoding_format"] == "base64"
    assert np.allclose(_vectors(packed), floats, atol=1e-6)


def test_long_texts_are_flagged_as_truncated(eclient: TestClient, auth: Auth) -> None:
    long_text = " ".join(["The patient asked about the invoice for the physiotherapy sessions."] * 25)
    body = eclient.post("/v1/embeddings", json={"texts": ["short", long_text]}, headers=auth()).json()
    assert body["truncated"] == [1]


@pytest.mark.parametrize(
    ("texts", "detail"),
    [
        (["a", "b", "c", "d", "e"], "texts: at most 4 texts per request"),
        (["x" * 2001], "texts.0: longer than 2000 characters"),
        (["   "], "texts.0"),
        ([], "texts"),
    ],
)
def test_bad_batches_are_422(eclient: TestClient, auth: Auth, texts: list[str], detail: str) -> None:
    response = eclient.post("/v1/embeddings", json={"texts": texts}, headers=auth())
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["detail"].startswith(detail)


def test_embeddings_503_while_the_model_loads(client: TestClient, auth: Auth) -> None:
    response = client.post("/v1/embeddings", json={"texts": ["hello"]}, headers=auth())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


def test_embeddings_need_a_service_token(eclient: TestClient) -> None:
    assert eclient.post("/v1/embeddings", json={"texts": ["hello"]}).status_code == 401
    assert eclient.get("/v1/embeddings/model").status_code == 401


def test_the_model_id_names_weights_and_precision(eclient: TestClient, auth: Auth) -> None:
    described = eclient.get("/v1/embeddings/model", headers=auth())
    assert described.status_code == 200, described.text
    model = described.json()
    fingerprint = weights_fingerprint(packaged_model_path())
    assert model == {
        "model": "all-MiniLM-L6-v2+int8",
        "model_id": f"all-MiniLM-L6-v2+int8@{fingerprint}",
        "dimensions": 384,
        "normalized": True,
    }
    embedded = eclient.post("/v1/embeddings", json={"texts": ["hello"]}, headers=auth()).json()
    assert embedded["model_id"] == model["model_id"]


@pytest.fixture(scope="module")
def fp32_encoder() -> MiniLMEncoder:
    return MiniLMEncoder(torch_threads=1)


def test_int8_vectors_are_close_to_fp32_but_another_model(
    loaded_hub: ModelHub, fp32_encoder: MiniLMEncoder
) -> None:
    fp32, int8_encoder = fp32_encoder, loaded_hub.get("encoder")
    texts = ["Clinic complained the lab kits arrived four days late", "Renewal of annual health checks"]
    cosine = (fp32.encode(texts) * int8_encoder.encode(texts)).sum(axis=1)
    # Per-channel int8 keeps the vectors close (per-tensor scales gave ~0.94) but not equal: they
    # must never be compared with fp32 ones, hence another model id.
    assert np.all(cosine > 0.95)
    assert np.all(cosine < 0.9999)
    assert fp32.model_id == f"all-MiniLM-L6-v2@{weights_fingerprint(packaged_model_path())}"
    assert int8_encoder.model_id != fp32.model_id


def test_the_sentiment_head_follows_the_encoders_precision(
    loaded_hub: ModelHub, fp32_encoder: MiniLMEncoder
) -> None:
    from crm_ai.sentiment.models import ARTIFACT_PATH, INT8_ARTIFACT_PATH, artifact_path_for, load_artifact
    from crm_ai.sentiment.service import build_sentiment_service

    int8_encoder = loaded_hub.get("encoder")
    assert artifact_path_for(int8_encoder) == INT8_ARTIFACT_PATH
    assert artifact_path_for(fp32_encoder) == ARTIFACT_PATH
    for encoder, path in ((int8_encoder, INT8_ARTIFACT_PATH), (fp32_encoder, ARTIFACT_PATH)):
        _, meta = load_artifact(path)
        assert meta["embedding_model"] == encoder.name
        scores = meta["frozen_metrics"]
        assert scores["minilm_lr"]["macro_f1"] > scores["vader"]["macro_f1"]
        service = build_sentiment_service(encoder)
        assert service.version("minilm_lr") == meta["version"]
        (result,) = service.analyze(["The kits arrived late again and the clinic is furious."])
        assert result.label == "negative"


# --- fusion -------------------------------------------------------------------------------------


def test_rrf_scores_are_the_formula() -> None:
    fused = rrf([RankedList("vector", ["a", "b", "c"]), RankedList("fulltext", ["c", "a", "d"])], k=60)
    scores = {f.id: f.score for f in fused}
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)
    assert [f.id for f in fused] == ["a", "c", "b", "d"]
    assert fused[1].ranks == {"vector": 3, "fulltext": 1}


def test_rrf_repeats_count_once_and_weights_apply() -> None:
    fused = rrf([RankedList("v", ["a", "a", "b"]), RankedList("t", ["b"], weight=2.0)], k=1)
    scores = {f.id: f.score for f in fused}
    assert scores == {"a": pytest.approx(1 / 2), "b": pytest.approx(1 / 3 + 2 / 2)}


def test_rank_endpoint(client: TestClient, auth: Auth) -> None:
    payload = {
        "lists": [
            {"name": "vector", "ids": ["deal-1", "note-7", "contact-3"]},
            {"name": "fulltext", "ids": ["note-7", "company-2"]},
        ],
        "limit": 3,
    }
    response = client.post("/v1/rank", json=payload, headers=auth())
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "reciprocal_rank_fusion"
    assert body["k"] == 60
    assert [r["id"] for r in body["results"]] == ["note-7", "deal-1", "company-2"]
    assert body["results"][0]["ranks"] == {"vector": 2, "fulltext": 1}


def test_rank_refuses_duplicate_list_names(client: TestClient, auth: Auth) -> None:
    payload = {"lists": [{"name": "v", "ids": ["a"]}, {"name": "v", "ids": ["b"]}]}
    response = client.post("/v1/rank", json=payload, headers=auth())
    assert response.status_code == 422
    assert "names must be unique" in response.json()["detail"]


def test_bm25_prefers_the_matching_record() -> None:
    docs = ["Flu shots for teachers", "Hearing tests in the press shop", "Teachers asked about parking"]
    bm25 = BM25(docs)
    assert bm25.top("flu vaccination for teachers", 3) == [0, 2]
    assert bm25.top("nothing matches", 3) == []
    assert tokenize("Clínicas de Madrid") == ["clinica", "de", "madrid"]
