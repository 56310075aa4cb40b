"""Lead scoring: the prior, training and promotion, explanations, per-organisation isolation."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.errors import NotEnoughData
from crm_ai.core.models import ModelHub
from crm_ai.scoring import gbm, prior
from crm_ai.scoring.features import (
    DomainType,
    LeadFeatures,
    Seniority,
    domain_type_of,
    seniority_of,
    to_matrix,
)
from crm_ai.scoring.service import LeadScoring
from crm_ai.scoring.synthetic import generate

from .conftest import ORG

Auth = Callable[..., dict[str, str]]
HOT = LeadFeatures(
    source="referral",
    title="HR Director",
    company_size=800,
    industry="logistics",
    email_domain="telvia.es",
    replies=3,
    meetings=1,
    emails_opened=6,
    days_since_last_activity=2,
)
COLD = LeadFeatures(source="cold_outbound", title=None, email_domain="gmail.com", industry="public_sector")


def _lead_json(i: int, features: LeadFeatures, outcome: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"lead-{i}",
        "features": features.model_dump(mode="json", exclude_none=True),
    }
    if outcome is not None:
        body["outcome"] = outcome
    return body


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One organisation with a promoted model, trained once for the module (training takes seconds)."""
    models_dir = tmp_path_factory.mktemp("models")
    history = generate(1200, seed=5)
    report = LeadScoring(models_dir).train(ORG, [h.features for h in history], [h.converted for h in history])
    return models_dir, report


@pytest.fixture
def lclient(settings: Settings, trained: tuple[Path, dict[str, Any]]) -> Iterator[TestClient]:
    models_dir, _ = trained
    hub = ModelHub()
    hub.put("lead_scoring", LeadScoring(models_dir))
    with TestClient(create_app(settings, hub=hub)) as c:
        yield c


def test_prior_ranks_hot_above_cold_and_says_why() -> None:
    hot, cold = LeadScoring(Path("/nonexistent")).score("fresh-org", [HOT, COLD])
    assert hot.model_kind == cold.model_kind == "prior"
    assert hot.probability > 0.5 > 0.1 > cold.probability
    assert {r.feature for r in hot.reasons} <= set(prior.contributions(HOT))
    assert hot.reasons[0].impact > 0
    assert any(r.description == "source: cold outbound" and r.impact < 0 for r in cold.reasons)


def test_prior_still_ranks_synthetic_leads_sensibly() -> None:
    from crm_ai.scoring.metrics import roc_auc

    leads = generate(2000, seed=2)
    y = np.array([lead.converted for lead in leads], dtype=np.int_)
    assert roc_auc(y, prior.probabilities([lead.features for lead in leads])) > 0.7


def test_training_refuses_too_little_history() -> None:
    leads = generate(150, seed=1)
    with pytest.raises(
        NotEnoughData, match=r"need at least 50 converted and 50 lost leads; have \d+ converted"
    ):
        LeadScoring(Path("/nonexistent")).train(
            "org-small", [x.features for x in leads], [x.converted for x in leads]
        )


def test_trained_model_is_promoted_with_metrics(trained: tuple[Path, dict[str, Any]]) -> None:
    _, report = trained
    assert report["status"] == "promoted", report["reason"]
    holdout = report["holdout"]
    assert holdout["auc"] > report["compared_with"]["auc"]
    assert holdout["brier"] <= report["compared_with"]["brier"]
    assert report["compared_with"]["version"] == prior.VERSION
    assert sum(row["n"] for row in holdout["calibration"]) == report["holdout_rows"] == 300


def test_contributions_add_up_to_the_calibrated_probability(trained: tuple[Path, dict[str, Any]]) -> None:
    models_dir, _ = trained
    _, model = LeadScoring(models_dir).registry.promoted(ORG) or pytest.fail("no model")
    x = to_matrix([lead.features for lead in generate(200, seed=9)])
    bias, contrib = model.contributions(x)
    assert np.allclose(1 / (1 + np.exp(-(bias + contrib.sum(axis=1)))), model.probabilities(x), atol=1e-9)


def test_a_worse_candidate_is_not_promoted(
    trained: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models_dir, report = trained
    shutil.copytree(models_dir, tmp_path / "models")
    real_fit = gbm.fit

    def inverted_fit(x: Any, y: Any, seed: int = 0) -> gbm.CalibratedGBM:
        # A real fit with its calibration flipped: ranks leads backwards, so it must lose.
        model = real_fit(x, y, seed)
        return gbm.CalibratedGBM(model.booster, -model.a, -model.b)

    monkeypatch.setattr(gbm, "fit", inverted_fit)
    scoring = LeadScoring(tmp_path / "models")
    history = generate(800, seed=6)
    second = scoring.train(ORG, [h.features for h in history], [h.converted for h in history])
    assert second["status"] == "rejected"
    assert second["compared_with"]["version"] == report["version"]
    assert scoring.state(ORG)["serving"] == report["version"]
    assert [v["status"] for v in scoring.state(ORG)["versions"]] == ["promoted", "rejected"]


def test_score_endpoint_uses_the_org_model_and_other_orgs_keep_the_prior(
    lclient: TestClient, auth: Auth, trained: tuple[Path, dict[str, Any]]
) -> None:
    _, report = trained
    body = {"leads": [_lead_json(1, HOT), _lead_json(2, COLD)]}
    ours = lclient.post("/v1/lead-scoring/score", json=body, headers=auth()).json()["results"]
    assert [r["id"] for r in ours] == ["lead-1", "lead-2"]
    assert {r["model_version"] for r in ours} == {report["version"]}
    assert ours[0]["score"] > ours[1]["score"]
    assert 1 <= len(ours[0]["reasons"]) <= 3
    theirs = lclient.post("/v1/lead-scoring/score", json=body, headers=auth("other-org")).json()["results"]
    assert {r["model_kind"] for r in theirs} == {"prior"}
    state = lclient.get("/v1/lead-scoring/model", headers=auth("other-org")).json()
    assert state["serving"] == prior.VERSION
    assert state["versions"] == []


def test_train_endpoint_says_not_enough_data(lclient: TestClient, auth: Auth) -> None:
    leads = [
        _lead_json(i, x.features, "converted" if x.converted else "lost") for i, x in enumerate(generate(120))
    ]
    response = lclient.post("/v1/lead-scoring/train", json={"leads": leads}, headers=auth("tiny-org"))
    assert response.status_code == 409
    assert response.json()["error"] == "not_enough_data"


@pytest.mark.parametrize(
    "features",
    [
        {"replies": -1},
        {"company_size": 0},
        {"source": "carrier-pigeon"},
        {"salary": 10},
        {"days_since_last_activity": 10**6},
    ],
)
def test_bad_lead_features_are_422(lclient: TestClient, auth: Auth, features: dict[str, Any]) -> None:
    response = lclient.post(
        "/v1/lead-scoring/score", json={"leads": [{"id": "x", "features": features}]}, headers=auth()
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_registry_survives_a_restart_and_refuses_a_tampered_file(
    trained: tuple[Path, dict[str, Any]],
) -> None:
    models_dir, report = trained
    fresh = LeadScoring(models_dir)
    assert fresh.score(ORG, [HOT])[0].model_version == fresh.state(ORG)["serving"]
    registry = json.loads((models_dir / ORG / "lead_scoring" / "registry.json").read_text())
    version = registry["promoted"]
    path = models_dir / ORG / "lead_scoring" / f"{version}.joblib"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\0")
        with pytest.raises(RuntimeError, match="checksum"):
            LeadScoring(models_dir).score(ORG, [HOT])
    finally:
        path.write_bytes(original)
    assert report["version"] == version


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Chief People Officer", Seniority.c_level),
        ("Directora de RRHH", Seniority.director),
        ("Office Manager", Seniority.manager),
        ("Recruiter", Seniority.individual),
        ("", Seniority.unknown),
    ],
)
def test_seniority_from_title(title: str, expected: Seniority) -> None:
    assert seniority_of(title) == expected


def test_domain_types() -> None:
    assert domain_type_of("gmail.com") == DomainType.free
    assert domain_type_of("madrid.gob.es") == DomainType.government
    assert domain_type_of("Telvia.ES") == DomainType.corporate
    assert domain_type_of(None) == DomainType.unknown


def test_train_endpoint_records_a_version(lclient: TestClient, auth: Auth) -> None:
    history = generate(400, seed=8)
    leads = [_lead_json(i, x.features, "converted" if x.converted else "lost") for i, x in enumerate(history)]
    response = lclient.post(
        "/v1/lead-scoring/train", json={"leads": leads, "seed": 1}, headers=auth("http-org")
    )
    assert response.status_code == 200
    report = response.json()
    assert report["status"] in {"promoted", "rejected"}
    assert {"auc", "brier", "calibration"} <= set(report["holdout"])
    state = lclient.get("/v1/lead-scoring/model", headers=auth("http-org")).json()
    assert [v["version"] for v in state["versions"]] == [report["version"]]
    assert state["serving"] == (report["version"] if report["status"] == "promoted" else prior.VERSION)
