"""Bad files: binary garbage, spreadsheets, encodings, huge lines, broken quoting, size limits —
clear 4xx errors for the file, or an error for the row alone."""

from __future__ import annotations

import codecs
import io
import os
import zipfile

import httpx
import pytest

from crm.dataio import service
from tests.dataio.conftest import RunJob, Upload


async def test_binary_and_spreadsheets_are_refused(upload: Upload) -> None:
    garbage = await upload(os.urandom(20_000), name="contacts.csv")
    assert garbage.status_code == 415 and garbage.json()["error"] == "not_csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    xlsx = await upload(buffer.getvalue(), name="contacts.xlsx")
    assert xlsx.status_code == 415 and "export the data as CSV" in xlsx.json()["detail"]
    empty = await upload(b"")
    assert empty.status_code == 400 and empty.json()["error"] == "empty_file"
    blank = await upload(b"\n\n  \n")
    assert blank.status_code == 400
    unknown = await upload("First Name\nAda\n", encoding="ebcdic")
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_encoding"


async def test_size_limit(upload: Upload, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "MAX_IMPORT_BYTES", 10_000)
    big = "First Name\n" + "Ada\n" * 5000
    response = await upload(big)
    assert response.status_code == 413


async def test_encodings_are_detected(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload, run_job: RunJob
) -> None:
    csv = "First Name;Last Name;City\nJosé;Müller;Zürich\nFrançoise;Dœuf;Besançon\n"
    for data, expected in (
        (csv.encode("cp1252"), "cp1252"),  # Excel on Windows
        (codecs.BOM_UTF8 + csv.encode("utf-8"), "utf-8-sig"),  # Excel "CSV UTF-8"
        (csv.encode("utf-16"), "utf-16"),  # "Unicode text"
    ):
        body = (await upload(data)).json()
        preview = (await client.get(f"/api/v1/imports/{body['id']}/preview", headers=admin)).json()
        assert [r["values"]["first_name"] for r in preview["rows"]] == ["José", "Françoise"], expected
        assert preview["rows"][1]["values"]["address"] == {"city": "Besançon"}
    # UTF-8 at the start, Windows-1252 further down: only that row is refused.
    mixed = ("First Name,Last Name\nAda,Lovelace\n" + "Bob,Smith\n" * 7000).encode() + "René,Dœuf\n".encode(
        "cp1252"
    )
    body = (await upload(mixed)).json()
    result = await run_job(body["id"])
    assert (result["created"], result["failed"]) == (7001, 1)
    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()["items"]
    assert errors[0]["row"] == 7003 and "encoding" in errors[0]["error"]


async def test_broken_rows_fail_alone(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload, run_job: RunJob
) -> None:
    huge = "x" * 1_200_000
    csv = (
        "First Name,Email\r\n"
        "Ada,ada@example.org\r\n"
        f"Huge,{huge}\r\n"
        '"Bad"quote,bad@example.org\r\n'
        "Grace,grace@example.org\r\n"
        f"Wide,{'y' * 200_000}\r\n"
        '"Unclosed,never@example.org\r\n'
        "Lost,lost@example.org\r\n"
    )
    body = (await upload(csv)).json()
    result = await run_job(body["id"])
    assert result["status"] == "completed"
    assert result["created"] == 2, result
    errors = {e["row"]: e["error"] for e in (await client.get(f"/api/v1/imports/{body['id']}/errors",
                                                               headers=admin)).json()["items"]}  # fmt: skip
    assert "longer than" in errors[3]
    assert "not valid CSV" in errors[4]
    assert "field larger than field limit" in errors[6] or "longer than" in errors[6]
    assert "not closed" in errors[7]
    names = {c["first_name"] for c in (await client.get("/api/v1/contacts", headers=admin)).json()["items"]}
    assert names == {"Ada", "Grace"}  # "Lost" is inside the unclosed quote, as any CSV reader sees it


async def test_semicolons_tabs_and_old_mac_line_ends(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload
) -> None:
    for data in (
        "Vorname;Nachname;E-Mail\rJan;Kowalski;jan@example.org\rEva;Nowak;eva@example.org\r",
        "Given Name\tSurname\tPrimary Email\nJan\tKowalski\tjan@example.org\nEva\tNowak\teva@example.org\n",
    ):
        body = (await upload(data)).json()
        assert [c["target"] for c in body["columns"]] == ["first_name", "last_name", "email"]
        preview = (await client.get(f"/api/v1/imports/{body['id']}/preview", headers=admin)).json()
        assert [r["values"]["last_name"] for r in preview["rows"]] == ["Kowalski", "Nowak"]


async def test_a_header_only_file_imports_nothing(upload: Upload, run_job: RunJob) -> None:
    body = (await upload("First Name,Email\n")).json()
    result = await run_job(body["id"])
    assert result["status"] == "completed" and result["total_rows"] == 0 and result["created"] == 0


async def test_a_mapping_without_identity_cannot_run(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload
) -> None:
    body = (await upload("Notes,Score\nhello,3\n")).json()
    response = await client.post(f"/api/v1/imports/{body['id']}/run", headers=admin)
    assert response.status_code == 400 and response.json()["error"] == "invalid_mapping"
