"""Forecasting: win probabilities (rule and trained model), Monte Carlo band and movers, time series."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub
from crm_ai.forecasting import simulation, timeseries, winprob
from crm_ai.forecasting.schemas import DealFeatures, Engagement
from crm_ai.forecasting.service import Forecasting
from crm_ai.forecasting.synthetic import as_closed, as_open, generate_deals, generate_series

Auth = Callable[..., dict[str, str]]


@pytest.fixture(scope="module")
def service() -> Forecasting:
    return Forecasting()


@pytest.fixture
def fclient(settings: Settings, service: Forecasting) -> Iterator[TestClient]:
    hub = ModelHub()
    hub.put("forecasting", service)
    with TestClient(create_app(settings, hub=hub)) as c:
        yield c


@pytest.fixture(scope="module")
def history() -> list[dict[str, Any]]:
    return [d.model_dump(mode="json") for d in as_closed(generate_deals(400, seed=3))]


def _body(open_n: int = 30, closed: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "pipeline_id": "pipe-1",
        "period": {"kind": "month", "label": "2026-07"},
        "open_deals": [d.model_dump(mode="json") for d in as_open(generate_deals(open_n, seed=11))],
        "closed_deals": closed or [],
        **extra,
    }


def _months(values: np.ndarray) -> list[dict[str, Any]]:
    return [
        {"period": f"{2022 + i // 12}-{i % 12 + 1:02d}", "won_amount": round(float(v), 2)}
        for i, v in enumerate(values)
    ]


# --- win probability ----------------------------------------------------------------------------


def test_rule_adjusts_the_stage_probability_and_says_how() -> None:
    fresh = DealFeatures(
        stage="Proposal",
        stage_probability=0.5,
        days_since_last_activity=2,
        engagement=Engagement(meetings=2),
    )
    slipping = fresh.model_copy(update={"close_slippage_days": 60, "days_since_last_activity": 45})
    up, down = winprob.rule_estimate(fresh), winprob.rule_estimate(slipping)
    assert up.probability > 0.5 > down.probability
    assert up.reasons[0].factor == "stage"
    assert up.reasons[0].impact == 0.0
    factors = {r.factor: r for r in down.reasons}
    assert factors["slippage"].description == "close date pushed back 60 days"
    assert factors["slippage"].impact == -1.0
    assert factors["recency"].impact < 0
    # The reasons are the whole story: stage log-odds plus the adjustments give the probability.
    z = sum(r.impact for r in down.reasons)
    assert abs(1 / (1 + np.exp(-z)) - down.probability) < 1e-3


def test_rule_leaves_certain_stages_alone() -> None:
    sure = DealFeatures(stage="Signed", stage_probability=1.0, close_slippage_days=90)
    assert winprob.rule_estimate(sure).probability == 1.0


def test_model_beats_the_rule_and_is_calibrated(
    service: Forecasting, fclient: TestClient, auth: Auth, history: list[dict[str, Any]]
) -> None:
    response = fclient.post("/v1/forecast", json=_body(closed=history), headers=auth())
    assert response.status_code == 200, response.text
    model = response.json()["win_model"]
    assert model["kind"] == "logistic_regression"
    assert model["version"].startswith("win-lr-")
    assert model["min_per_class"] == 40
    assert model["won"] + model["lost"] == 400
    assert model["validation"]["brier"] < model["validation"]["brier_rule"]
    for row in model["calibration"]:
        if row["n"] >= 30:
            assert abs(row["mean_predicted"] - row["observed_rate"]) < 0.12, row
    deal = response.json()["deals"][0]
    assert 0 < deal["win_probability"] < 1
    assert 1 <= len(deal["reasons"]) <= 3


def test_too_few_closed_deals_keeps_the_rule_and_says_so(
    fclient: TestClient, auth: Auth, history: list[dict[str, Any]]
) -> None:
    few = history[:60]
    response = fclient.post("/v1/forecast", json=_body(closed=few), headers=auth())
    model = response.json()["win_model"]
    assert model["kind"] == "stage_adjusted"
    assert model["version"] == winprob.RULE_VERSION
    assert "need 40 won and 40 lost" in model["detail"]
    assert model["validation"] is None


def test_models_are_per_organisation(
    service: Forecasting, fclient: TestClient, auth: Auth, history: list[dict[str, Any]]
) -> None:
    fclient.post("/v1/forecast", json=_body(closed=history), headers=auth("org-a"))
    other = fclient.post("/v1/forecast", json=_body(), headers=auth("org-b")).json()
    assert other["win_model"]["kind"] == "stage_adjusted"
    assert service.models._by_org.get("org-b") is None
    assert service.models._by_org["org-a"]


# --- Monte Carlo -------------------------------------------------------------------------------


def test_band_of_certain_deals_is_exact() -> None:
    sim = simulation.simulate(np.array([100.0, 250.0]), np.array([1.0, 0.0]), base=50.0, simulations=2000)
    assert (sim.band.p10, sim.band.p50, sim.band.p90) == (150.0, 150.0, 150.0)
    assert sim.expected == 150.0
    assert sim.movers == []


def test_band_matches_the_truth_and_movers_are_the_big_uncertain_deals() -> None:
    amounts = np.array([1000.0] * 200 + [50_000.0])
    probs = np.array([0.5] * 200 + [0.5])
    sim = simulation.simulate(amounts, probs, simulations=20_000, top_movers=2, quota=130_000, seed=1)
    expected = 0.5 * amounts.sum()
    assert sim.expected == expected
    # The 50k coin flip makes the distribution bimodal: 100k or 150k, each +- the small deals' noise.
    assert 90_000 < sim.band.p10 < 100_000 < expected < 150_000 < sim.band.p90 < 160_000
    top = sim.movers[0]
    assert top.index == 200
    assert top.share_of_variance > 0.9
    assert abs(top.if_won.p50 - 150_000) < 2000
    assert abs(top.if_lost.p50 - 100_000) < 2000
    assert sim.p_reach_quota is not None
    assert 0.45 < sim.p_reach_quota < 0.55  # needs the big deal; the rest nearly always reach 80k


def test_forecast_response_band_and_movers(fclient: TestClient, auth: Auth) -> None:
    body = _body(open_n=60, closed_won_to_date=12_000, quota=80_000, top_movers=3)
    out = fclient.post("/v1/forecast", json=body, headers=auth()).json()
    revenue = out["revenue"]
    assert revenue["closed_won_to_date"] <= revenue["p10"] <= revenue["p50"] <= revenue["p90"]
    assert revenue["deals"] == 60
    assert revenue["simulations"] == 10_000
    assert 0 <= revenue["p_reach_quota"] <= 1
    expected = 12_000 + sum(d["expected_revenue"] for d in out["deals"])
    assert abs(revenue["expected"] - expected) < 1
    movers = out["movers"]
    assert len(movers) == 3
    assert movers[0]["share_of_variance"] >= movers[1]["share_of_variance"]
    assert movers[0]["if_won"]["p50"] > movers[0]["if_lost"]["p50"]
    # Same seed, same answer.
    again = fclient.post("/v1/forecast", json=body, headers=auth()).json()
    assert again["revenue"] == revenue


def test_no_open_deals_is_what_was_already_won(fclient: TestClient, auth: Auth) -> None:
    body = _body(open_n=0, closed_won_to_date=5000)
    body["open_deals"] = []
    out = fclient.post("/v1/forecast", json=body, headers=auth()).json()
    assert out["revenue"]["p10"] == out["revenue"]["p90"] == 5000
    assert out["movers"] == []
    assert out["deals"] == []


# --- time series --------------------------------------------------------------------------------


def test_series_needs_eight_periods(fclient: TestClient, auth: Auth) -> None:
    body = _body(history=_months(generate_series(7)))
    ts = fclient.post("/v1/forecast", json=body, headers=auth()).json()["time_series"]
    assert ts["status"] == "not_enough_data"
    assert ts["detail"] == "need at least 8 past periods of closed-won revenue; have 7"
    assert ts["forecast"] == []


def test_eight_periods_are_enough(fclient: TestClient, auth: Auth) -> None:
    body = _body(history=_months(generate_series(8)))
    ts = fclient.post("/v1/forecast", json=body, headers=auth()).json()["time_series"]
    assert ts["status"] == "ok"
    assert ts["forecast"][0]["period"] == "2022-09"
    assert ts["backtest_origins"] == 2
    assert {row["method"] for row in ts["backtest"]} == {"naive", "ses", "holt"}


def test_seasonal_series_is_forecast_better_than_naive(fclient: TestClient, auth: Auth) -> None:
    y = generate_series(40, seasonality=0.3, noise=0.04, seed=2)
    body = _body(history=_months(y), horizon=3)
    ts = fclient.post("/v1/forecast", json=body, headers=auth()).json()["time_series"]
    assert ts["method"] == "holt_winters"
    assert ts["beats_naive"] is True
    rows = {row["method"]: row for row in ts["backtest"]}
    assert rows["naive"]["mase"] == 1.0
    assert rows["holt_winters"]["mae"] < rows["naive"]["mae"]
    assert [p["period"] for p in ts["forecast"]] == ["2025-05", "2025-06", "2025-07"]
    widths = [p["p90"] - p["p10"] for p in ts["forecast"]]
    assert widths[0] < widths[2]
    assert all(p["p10"] <= p["p50"] <= p["p90"] for p in ts["forecast"])


def test_quarter_labels() -> None:
    assert timeseries.next_labels("2025-Q4", "quarter", 2) == ["2026-Q1", "2026-Q2"]
    assert timeseries.next_labels("week 7", "month", 2) == ["+1", "+2"]


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"simulations": 5}, "simulations"),
        ({"open_deals": [{"id": "x", "amount": -1, "stage": "A", "stage_probability": 0.5}]}, "amount"),
        (
            {"open_deals": [{"id": "x", "amount": 1, "stage": "A", "stage_probability": 1.5}]},
            "stage_probability",
        ),
        (
            {"history": [{"period": "2026-01", "won_amount": 1}, {"period": "2026-01", "won_amount": 2}]},
            "unique",
        ),
    ],
)
def test_bad_payloads_are_422(fclient: TestClient, auth: Auth, change: dict[str, Any], where: str) -> None:
    response = fclient.post("/v1/forecast", json={**_body(open_n=2), **change}, headers=auth())
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert where in response.json()["detail"]


def test_duplicate_deal_ids_are_422(fclient: TestClient, auth: Auth) -> None:
    body = _body(open_n=2)
    body["open_deals"][1]["id"] = body["open_deals"][0]["id"]
    response = fclient.post("/v1/forecast", json=body, headers=auth())
    assert response.status_code == 422
    assert "ids must be unique" in response.json()["detail"]


def test_forecast_needs_a_service_token(fclient: TestClient) -> None:
    response = fclient.post("/v1/forecast", json=_body(open_n=1))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
