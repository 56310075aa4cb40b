"""Voice notes and call recordings end to end with the real AI service: upload (sniffed, stored as an
attachment), the job transcribes real speech (espeak-ng, or the AI tests' recorded fixture), the
transcript, its timeline activity and proposals; accept through the deal service, reject; corrupt
and silent audio end in explicit states; tenancy; GDPR erase removes transcripts and audio."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import uuid
import wave
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient
from crm.core.config import REPO_ROOT
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Role
from crm.transcript import tasks
from tests.ai import factories
from tests.ai.conftest import audit_events
from tests.fixtures.people import Tenant, bearer, token_for

SENTENCES = (
    "Thanks for the call today. We agreed the budget is fifty thousand euros. "
    "We expect to close on the thirtieth of June. Next step is to send the revised proposal."
)


def speech(tmp_path: Path) -> tuple[bytes, str]:
    """Real speech: espeak-ng when installed, else the AI service's recorded test fixture."""
    if shutil.which("espeak-ng"):
        out = tmp_path / "speech.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(out), SENTENCES], check=True, capture_output=True)
        return out.read_bytes(), "speech.wav"
    return (REPO_ROOT / "ai" / "tests" / "data" / "speech.ogg").read_bytes(), "speech.ogg"


def silence() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(b"\x00\x00" * 16_000 * 2)
    return buffer.getvalue()


async def _upload(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, data: bytes, name: str, kind: str = "call"
) -> httpx.Response:
    return await client.post(
        path, params={"kind": kind}, files={"file": (name, data, "application/octet-stream")}, headers=headers
    )


async def test_transcribe_a_call_on_a_deal_and_decide(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    ai: AIClient,
    tmp_path: Path,
) -> None:
    stages = await factories.pipeline(db, tenant.id)
    admin_id = tenant.people[Role.admin].user_id
    deal = await factories.deal(
        db,
        tenant.id,
        stages,
        name="Clinic pilot",
        amount=20_000,
        close=dt.date(2030, 1, 15),
        owner_id=admin_id,
    )
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    audio, name = speech(tmp_path)
    created = await _upload(client, admin, f"/api/v1/deals/{deal.id}/transcripts", audio, name)
    assert created.status_code == 202, created.text
    transcript_id = uuid.UUID(created.json()["id"])
    assert created.json()["status"] == "pending"

    assert await tasks.process(runtime, tenant.id, transcript_id) == "ready"
    got = await client.get(f"/api/v1/transcripts/{transcript_id}", headers=admin)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["status"] == "ready" and body["model"] and body["model_version"]
    assert "proposal" in body["text"].lower() and body["segments"][0]["end"] > body["segments"][0]["start"]
    assert body["summary"] and body["sentiment_label"] in ("positive", "neutral", "negative")
    fields = {p["field"]: p for p in body["proposals"]}
    assert "next_step" in fields and fields["next_step"]["target_field"] == "task"

    # The transcript is on the deal's timeline as a call with the summary.
    await set_tenant(db, tenant.id)
    activity = (
        await db.execute(
            text("SELECT kind, body, deal_id, sentiment_label FROM activities WHERE id = :id"),
            {"id": body["activity_id"]},
        )
    ).one()
    assert activity.kind == "call" and activity.deal_id == deal.id and body["summary"] in activity.body

    listed = await client.get(f"/api/v1/deals/{deal.id}/transcripts", headers=admin)
    assert [t["id"] for t in listed.json()["items"]] == [str(transcript_id)]
    assert listed.json()["items"][0]["pending_proposals"] == len(body["proposals"])

    # Accept the next step (a task on the deal), and the close date if heard (through the deal service).
    step = fields["next_step"]
    accepted = await client.post(
        f"/api/v1/transcripts/{transcript_id}/proposals/{step['id']}/accept", headers=admin
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["applied"] and accepted.json()["proposal"]["decided_by"] == str(admin_id)
    again = await client.post(
        f"/api/v1/transcripts/{transcript_id}/proposals/{step['id']}/reject", headers=admin
    )
    assert again.status_code == 409
    if "expected_close_date" in fields:
        close = fields["expected_close_date"]
        assert close["current_value"] == "2030-01-15"
        stale = await client.post(
            f"/api/v1/transcripts/{transcript_id}/proposals/{close['id']}/accept",
            json={"version": 99},
            headers=admin,
        )
        assert stale.status_code == 412  # the deal's version check, untouched proposal
        ok = await client.post(
            f"/api/v1/transcripts/{transcript_id}/proposals/{close['id']}/accept", headers=admin
        )
        assert ok.status_code == 200, ok.text
        deal_now = (await client.get(f"/api/v1/deals/{deal.id}", headers=admin)).json()
        assert deal_now["expected_close_date"] == close["proposed_value"]
    for proposal in body["proposals"]:
        if proposal["field"] not in ("next_step", "expected_close_date"):
            rejected = await client.post(
                f"/api/v1/transcripts/{transcript_id}/proposals/{proposal['id']}/reject", headers=admin
            )
            assert rejected.json()["proposal"]["status"] == "rejected"

    events = await audit_events(db, tenant.id, "transcript.transcribe")
    assert events[0]["actor_type"] == "ai" and events[0]["meta"]["version"]
    assert await audit_events(db, tenant.id, "transcript.proposal_accepted")

    # Another organisation sees nothing of it.
    other = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get(f"/api/v1/transcripts/{transcript_id}", headers=other)).status_code == 404
    assert (await client.get(f"/api/v1/deals/{deal.id}/transcripts", headers=other)).status_code == 404
    accept = f"/api/v1/transcripts/{transcript_id}/proposals/{step['id']}/accept"
    assert (await client.post(accept, headers=other)).status_code == 404


async def test_bad_audio_states_and_gdpr_erase(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, ai: AIClient
) -> None:
    person = await factories.contact(db, tenant.id)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    path = f"/api/v1/contacts/{person.id}/transcripts"

    # Not audio at all: refused at upload by the sniffed type, nothing stored.
    pdf = await _upload(client, admin, path, b"%PDF-1.4 not audio", "x.pdf")
    assert pdf.status_code == 415

    # Silence: an explicit no_speech state, no invented words, no timeline entry.
    quiet = await _upload(client, admin, path, silence(), "quiet.wav", kind="note")
    assert quiet.status_code == 202
    assert await tasks.process(runtime, tenant.id, uuid.UUID(quiet.json()["id"])) == "no_speech"
    body = (await client.get(f"/api/v1/transcripts/{quiet.json()['id']}", headers=admin)).json()
    assert body["text"] == "" and body["activity_id"] is None and body["proposals"] == []

    # A WAV header over garbage: failed with the reason, never a crash.
    header = silence()[:44]
    broken = await _upload(client, admin, path, header + b"\xff\x00garbage" * 50, "broken.wav")
    assert broken.status_code == 202
    assert await tasks.process(runtime, tenant.id, uuid.UUID(broken.json()["id"])) in ("failed", "no_speech")
    failed = (await client.get(f"/api/v1/transcripts/{broken.json()['id']}", headers=admin)).json()
    assert failed["status"] in ("failed", "no_speech") and failed["error"]

    # GDPR erase of the contact removes its transcripts and their audio.
    await set_tenant(db, tenant.id)
    keys = [
        row[0]
        for row in await db.execute(
            text("SELECT storage_key FROM attachments WHERE record_id = :id"), {"id": person.id}
        )
    ]
    assert len(keys) == 2
    erased = await client.delete(f"/api/v1/contacts/{person.id}/erase", headers=admin)
    assert erased.status_code == 204, erased.text
    await set_tenant(db, tenant.id)
    left = await db.execute(text("SELECT count(*) FROM transcripts WHERE record_id = :id"), {"id": person.id})
    assert left.scalar_one() == 0
    for key in keys:
        assert not await runtime.storage.exists(key)
