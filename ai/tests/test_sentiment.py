"""The sentiment endpoint with the real MiniLM model and the shipped classifier."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub
from crm_ai.sentiment.models import LABELS, load_artifact
from crm_ai.sentiment.text import split_sentences
from crm_ai.sentiment.training import DATA_DIR, FROZEN_FILE, TRAIN_FILE, fit_head, load_examples, load_frozen


@pytest.fixture
def sclient(settings: Settings, loaded_hub: ModelHub) -> Iterator[TestClient]:
    with TestClient(create_app(settings, hub=loaded_hub)) as c:
        yield c


Auth = Callable[..., dict[str, str]]


def _post(client: TestClient, auth: Auth, payload: object) -> tuple[int, dict[str, Any]]:
    response = client.post("/v1/sentiment", json=payload, headers=auth())
    return response.status_code, response.json()


def test_labels_scores_and_model(sclient: TestClient, auth: Auth) -> None:
    texts = [
        "Thank you, the nurse was wonderful and the results came back the same day.",
        "I have been waiting three weeks for a refund and nobody answers my emails.",
        "Please send the invoice to our finance mailbox.",
    ]
    status, body = _post(sclient, auth, {"texts": texts})
    assert status == 200
    assert body["model"] == "minilm_lr"
    assert str(body["model_version"]).startswith("minilm-lr-")
    results = body["results"]
    assert isinstance(results, list)
    assert [r["label"] for r in results] == ["positive", "negative", "neutral"]
    assert results[0]["score"] > 0.3 > -0.3 > results[1]["score"]
    assert all(0.33 < r["confidence"] <= 1 for r in results)


def test_drivers_point_at_the_sentence_that_decided(sclient: TestClient, auth: Auth) -> None:
    text = (
        "The receptionist was friendly. The doctor ignored my questions and charged me twice. "
        "I will not come back."
    )
    _, body = _post(sclient, auth, {"texts": [text]})
    (result,) = body["results"]
    assert result["label"] == "negative"
    drivers = [d["text"] for d in result["drivers"]]
    assert "The receptionist was friendly." not in drivers
    assert any("charged me twice" in d or "not come back" in d for d in drivers)
    assert all(d["label"] == "negative" for d in result["drivers"])


def test_vader_on_request(sclient: TestClient, auth: Auth) -> None:
    status, body = _post(sclient, auth, {"texts": ["Great service, thank you!"], "model": "vader"})
    assert status == 200
    assert body["model"] == "vader"
    assert body["results"][0]["label"] == "positive"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"texts": []}, "texts"),
        ({"texts": [""]}, "texts.0"),
        ({"texts": ["ok", "   \n "]}, "texts.1"),
        ({"texts": ["x" * 20_001]}, "texts.0: longer than 20000"),
        ({"texts": ["hi"] * 65}, "at most 64"),
        ({"texts": ["hi"], "model": "gpt"}, "model"),
        ({"texts": ["hi"], "extra": 1}, "extra"),
        ({"texts": [3]}, "texts.0"),
        ({}, "texts"),
    ],
)
def test_bad_payloads_are_422_with_the_error_shape(
    sclient: TestClient, auth: Auth, payload: object, fragment: str
) -> None:
    status, body = _post(sclient, auth, payload)
    assert status == 422
    assert body["error"] == "validation_error"
    assert fragment in str(body["detail"])


def test_needs_a_service_token(sclient: TestClient) -> None:
    response = sclient.post("/v1/sentiment", json={"texts": ["hello"]})
    assert response.status_code == 401


def test_503_with_retry_after_while_the_model_loads(client: TestClient, auth: Auth) -> None:
    response = client.post("/v1/sentiment", json={"texts": ["hello"]}, headers=auth())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == "not_ready"


def test_long_transcript_is_judged_by_its_sentences(sclient: TestClient, auth: Auth) -> None:
    calm = "We went through the agenda and agreed on the next meeting date. " * 10
    text = calm + "Honestly the service has been terrible and we are cancelling the contract."
    _, body = _post(sclient, auth, {"texts": [text]})
    result = body["results"][0]
    assert "cancelling" in result["drivers"][0]["text"] or result["label"] == "neutral"


def test_shipped_default_is_the_macro_f1_winner_on_the_frozen_set() -> None:
    _, meta = load_artifact()
    scores = meta["frozen_metrics"]
    expected = "minilm_lr" if scores["minilm_lr"]["macro_f1"] > scores["vader"]["macro_f1"] else "vader"
    assert meta["default_model"] == expected
    assert meta["frozen_rows"] >= 300


def test_frozen_set_is_pinned_balanced_and_apart_from_training() -> None:
    frozen = load_frozen(DATA_DIR)  # raises if the file changed
    train = load_examples(DATA_DIR / TRAIN_FILE)
    _, meta = load_artifact()
    assert meta["frozen_sha256"] == hashlib.sha256((DATA_DIR / FROZEN_FILE).read_bytes()).hexdigest()
    counts = {label: sum(e.label == label for e in frozen) for label in LABELS}
    assert len(frozen) >= 300
    assert max(counts.values()) - min(counts.values()) <= len(frozen) * 0.05
    assert {"sarcasm", "negation", "mixed"} <= {e.tags for e in frozen}

    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    assert not {norm(e.text) for e in frozen} & {norm(e.text) for e in train}


def test_numpy_head_matches_scikit_learn() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 8))
    y = [LABELS[(i + int(x[i, 0] > 0)) % 3] for i in range(90)]
    head, best_c, _ = fit_head(x, y)
    reference = LogisticRegression(C=best_c, max_iter=5000, class_weight="balanced").fit(x, y)
    columns = [list(reference.classes_).index(label) for label in LABELS]
    assert np.allclose(
        head.probabilities(x.astype(np.float32)), reference.predict_proba(x)[:, columns], atol=1e-5
    )


def test_sentence_splitting_keeps_titles() -> None:
    assert split_sentences("Saw Dr. Lind today. She was great! Any news?") == [
        "Saw Dr. Lind today.",
        "She was great!",
        "Any news?",
    ]
    assert split_sentences("line one\nline two") == ["line one", "line two"]
