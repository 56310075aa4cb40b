"""Next-best actions, template drafts, and LLM drafts through the official openai SDK against a
local fake server that speaks the chat-completions wire format, checking that no personal data
leaves."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings, SettingsError, load_settings
from crm_ai.core.models import ModelHub
from crm_ai.personalization.pii import Redactor
from crm_ai.personalization.service import build_personalization

Auth = Callable[..., dict[str, str]]


class FakeOpenAI:
    """POST /v1/chat/completions as the OpenAI API documents it; `reply` decides the answer."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] = self.echo_personal
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.requests.append(
                    {"path": self.path, "auth": self.headers.get("authorization"), "body": body}
                )
                status, payload = fake.reply(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def completion(body: dict[str, Any], content: str) -> tuple[int, dict[str, Any]]:
        return 200, {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140},
        }

    def echo_personal(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # Writes back to whoever the draft greets, by placeholder, as a well-behaved model would.
        user = body["messages"][-1]["content"]
        greeted = re.search(r"Hi (\[PERSON_\d+\])", user)
        who = greeted.group(1) if greeted else "there"
        return self.completion(
            body,
            f"Subject: Great to talk today, {who}\n\nHi {who},\n\nThanks again for the call. "
            "I will send the revised proposal by Friday.\n\nBest,\n[PERSON_1]",
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    yield fake
    fake.close()


@pytest.fixture
def llm_client(settings: Settings, fake_openai: FakeOpenAI) -> Iterator[TestClient]:
    fake_openai.requests.clear()
    fake_openai.reply = fake_openai.echo_personal
    configured = Settings(
        **settings.model_dump()
        | {
            "llm_driver": "openai",
            "llm_base_url": fake_openai.url,
            "llm_model": "fake-chat-1",
            "llm_api_key": "sk-test-123",
            "llm_timeout_seconds": 5.0,
        }
    )
    hub = ModelHub()
    hub.put("personalization", build_personalization(configured))
    with TestClient(create_app(configured, hub=hub)) as c:
        yield c


@pytest.fixture
def pclient(settings: Settings) -> Iterator[TestClient]:
    hub = ModelHub()
    hub.put("personalization", build_personalization(settings))
    with TestClient(create_app(settings, hub=hub)) as c:
        yield c


FIELDS = {
    "contact": {
        "first_name": "Marta",
        "last_name": "Ruiz",
        "email": "marta.ruiz@telvia.es",
        "phone": "+34 612 345 678",
    },
    "company": {"name": "Telvia Logistics"},
    "deal": {"name": "2027 health-check renewal"},
    "sender": {"name": "Lucas Moreau"},
    "next_step": "I will send the revised proposal with the Valencia depot by Friday.",
}


# --- drafts from templates ----------------------------------------------------------------------


def test_template_draft(pclient: TestClient, auth: Auth) -> None:
    response = pclient.post(
        "/v1/email-drafts", json={"template": "follow_up", "fields": FIELDS}, headers=auth()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["generator"] == "template"
    assert body["subject"] == "Following up on our conversation"
    assert body["body"].startswith("Hi Marta,")
    assert "2027 health-check renewal for Telvia Logistics" in body["body"]
    assert "Valencia depot" in body["body"]
    assert body["body"].rstrip().endswith("Lucas Moreau")
    assert body["missing_fields"] == []
    assert body["redacted"] == {}


def test_fallbacks_fill_optional_fields_and_required_ones_are_422(pclient: TestClient, auth: Auth) -> None:
    ok = pclient.post(
        "/v1/email-drafts",
        json={"template": "follow_up", "fields": {"sender": {"name": "Lucas"}}},
        headers=auth(),
    ).json()
    assert ok["body"].startswith("Hi there,")
    missing = pclient.post("/v1/email-drafts", json={"template": "follow_up", "fields": {}}, headers=auth())
    assert missing.status_code == 422
    assert missing.json() == {"error": "missing_merge_fields", "detail": "no value for sender.name"}
    allowed = pclient.post(
        "/v1/email-drafts",
        json={"template": "follow_up", "fields": {}, "allow_missing": True},
        headers=auth(),
    ).json()
    assert allowed["missing_fields"] == ["sender.name"]
    assert "{{sender.name}}" in allowed["body"]


def test_custom_template_and_bad_requests(pclient: TestClient, auth: Auth) -> None:
    custom = {"subject": "Hello {{contact.first_name}}", "body": "See you {{when|soon}}.", "fields": FIELDS}
    body = pclient.post("/v1/email-drafts", json=custom, headers=auth()).json()
    assert (body["subject"], body["body"]) == ("Hello Marta", "See you soon.")
    assert pclient.post("/v1/email-drafts", json={"template": "nope"}, headers=auth()).status_code == 404
    both = pclient.post("/v1/email-drafts", json={"template": "follow_up", **custom}, headers=auth())
    assert both.status_code == 422
    no_llm = pclient.post(
        "/v1/email-drafts", json={"template": "follow_up", "fields": FIELDS, "use_llm": True}, headers=auth()
    )
    assert no_llm.status_code == 409
    assert no_llm.json()["error"] == "llm_not_configured"


def test_templates_are_listed_with_their_fields(pclient: TestClient, auth: Auth) -> None:
    templates = pclient.get("/v1/email-templates", headers=auth()).json()
    follow_up = next(t for t in templates if t["id"] == "follow_up" and t["language"] == "en")
    assert "contact.first_name" in follow_up["fields"]
    assert {t["language"] for t in templates} >= {"en", "es"}


# --- drafts through the LLM ---------------------------------------------------------------------


def test_llm_draft_sends_no_personal_data_and_restores_it(
    llm_client: TestClient, auth: Auth, fake_openai: FakeOpenAI
) -> None:
    payload = {
        "template": "follow_up",
        "fields": FIELDS,
        "use_llm": True,
        "instructions": "Mention that Marta can reach me on +34 699 111 222 or lucas@cliniglobal.example.",
    }
    response = llm_client.post("/v1/email-drafts", json=payload, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["generator"] == "llm"
    assert body["model"] == "fake-chat-1"
    assert body["llm_error"] is None
    assert body["subject"] == "Great to talk today, Marta"
    assert body["body"].startswith("Hi Marta,")
    assert body["redacted"]["PERSON"] >= 3
    assert body["redacted"]["EMAIL"] == 2
    assert body["redacted"]["PHONE"] == 2

    (sent,) = fake_openai.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer sk-test-123"
    assert sent["body"]["model"] == "fake-chat-1"
    wire = json.dumps(sent["body"])
    for secret in (
        "Marta",
        "Ruiz",
        "marta.ruiz@telvia.es",
        "612 345 678",
        "699 111 222",
        "lucas@",
        "Lucas",
        "Moreau",
    ):
        assert secret not in wire, secret
    assert "[PERSON_" in wire
    assert "Telvia Logistics" in wire  # a company name is not personal data


def test_llm_failure_falls_back_to_the_template(
    llm_client: TestClient, auth: Auth, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = lambda body: (500, {"error": {"message": "boom", "type": "server_error"}})
    body = llm_client.post(
        "/v1/email-drafts", json={"template": "follow_up", "fields": FIELDS, "use_llm": True}, headers=auth()
    ).json()
    assert body["generator"] == "template"
    assert body["llm_error"] == "HTTP 500 from the LLM"
    assert body["body"].startswith("Hi Marta,")


def test_llm_inventing_placeholders_is_not_trusted(
    llm_client: TestClient, auth: Auth, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = lambda body: FakeOpenAI.completion(body, "Subject: Hi\n\nHi [PERSON_9], see you.")
    body = llm_client.post(
        "/v1/email-drafts", json={"template": "follow_up", "fields": FIELDS, "use_llm": True}, headers=auth()
    ).json()
    assert body["generator"] == "template"
    assert "[PERSON_9]" in body["llm_error"]


def test_llm_settings_are_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_LLM_DRIVER", "openai")
    with pytest.raises(SettingsError, match="needs CRM_AI_LLM_BASE_URL and CRM_AI_LLM_MODEL"):
        load_settings(env="test")


def test_redactor_round_trip() -> None:
    r = Redactor(people=["Marta Ruiz"])
    text = (
        "Marta (marta.ruiz@telvia.es, 0034612345678) paid with 4111 1111 1111 1111, "
        "IBAN ES91 2100 0418 4502 0005 1332, DNI 12345678Z, on 2026-12-04 for 96,000 EUR."
    )
    redacted = r.redact(text)
    assert r.leaks(redacted) == []
    assert "2026-12-04" in redacted
    assert "96,000 EUR" in redacted
    assert set(re.findall(r"\[([A-Z]+)_\d+\]", redacted)) == {
        "PERSON",
        "EMAIL",
        "PHONE",
        "CARD",
        "IBAN",
        "ID",
    }
    assert r.restore(redacted) == text


# --- next-best actions --------------------------------------------------------------------------


def test_deal_actions(pclient: TestClient, auth: Auth) -> None:
    payload = {
        "deals": [
            {
                "id": "d1",
                "stage": "Negotiation",
                "stage_probability": 0.7,
                "amount": 96_000,
                "days_to_close": -5,
                "days_since_last_activity": 20,
                "last_sentiment": "negative",
                "win_probability": 0.4,
            },
            {
                "id": "d2",
                "stage": "Proposal",
                "stage_probability": 0.5,
                "days_to_close": 20,
                "days_since_last_activity": 2,
                "upcoming_meeting": True,
            },
        ],
        "max_actions": 3,
    }
    body = pclient.post("/v1/next-best-actions", json=payload, headers=auth()).json()
    assert body["version"] == "nba-rules-v1"
    hot, calm = body["results"]
    assert [a["action"] for a in hot["actions"]] == ["address_concern", "rescue_deal", "re_engage"]
    assert hot["actions"][0]["priority"] == 95
    assert "passed 5 days ago at stage Negotiation" in hot["actions"][1]["reason"]
    assert hot["actions"][1]["signals"] == {"days_to_close": -5, "stage": "Negotiation"}
    assert [a["action"] for a in calm["actions"]] == ["keep_cadence"]


def test_contact_actions_respect_consent(pclient: TestClient, auth: Auth) -> None:
    payload = {
        "contacts": [
            {"id": "c1", "lead_score": 82, "days_since_last_activity": 9},
            {"id": "c2", "is_customer": True, "last_sentiment": "positive", "email_opt_out": True},
            {
                "id": "c3",
                "is_customer": True,
                "last_sentiment": "positive",
                "email_opt_out": True,
                "has_phone": False,
            },
            {"id": "c4", "email_opens_14d": 4, "email_clicks_14d": 2},
        ]
    }
    results = {
        r["id"]: r["actions"]
        for r in pclient.post("/v1/next-best-actions", json=payload, headers=auth()).json()["results"]
    }
    assert results["c1"][0]["action"] == "follow_up"
    assert results["c1"][0]["reason"] == "Lead score 82 but no contact for 9 days: hot leads cool quickly."
    assert results["c2"][0]["channel"] == "call"
    assert "Opted out of e-mail" in results["c2"][0]["reason"]
    assert [a["action"] for a in results["c3"]] == ["keep_cadence"]
    assert results["c4"][0]["action"] == "qualify_opportunity"


def test_actions_need_something(pclient: TestClient, auth: Auth) -> None:
    response = pclient.post("/v1/next-best-actions", json={}, headers=auth())
    assert response.status_code == 422
    assert "at least one deal or contact" in response.json()["detail"]
