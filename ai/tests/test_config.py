from __future__ import annotations

import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm_ai.cli import cli
from crm_ai.core.config import SettingsError, load_settings
from crm_ai.core.service_auth import ensure_keypair, load_private_key, load_public_keys


def test_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_PORT", "eighty")
    with pytest.raises(SettingsError, match="CRM_AI_PORT"):
        load_settings()


def test_unknown_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_PROT", "8100")
    with pytest.raises(SettingsError, match="CRM_AI_PROT"):
        load_settings()


def test_production_requires_a_public_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_ENV", "production")
    with pytest.raises(SettingsError, match="CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE"):
        load_settings()


def test_missing_key_file_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE", str(tmp_path / "nope.pub"))
    with pytest.raises(SettingsError, match="CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE"):
        load_settings()


def test_serve_exits_2_with_the_name_of_the_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_LOG_LEVEL", "LOUD")
    result = CliRunner().invoke(cli, ["serve", "--port", "8199"])
    assert result.exit_code == 2
    assert "CRM_AI_LOG_LEVEL" in result.output


def test_keygen_is_idempotent_and_race_safe(tmp_path: Path) -> None:
    results: list[tuple[Path, Path]] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_keypair(tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    private_path, public_path = results[0]
    private = load_private_key(private_path.read_bytes())
    (public,) = load_public_keys(public_path.read_text())
    assert private.public_key() == public
    assert private_path.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["service-token.key", "service-token.pub"]


def test_dev_without_a_key_shares_a_generated_pair_through_the_data_dir(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from crm_ai.app import create_app
    from crm_ai.core.config import Settings
    from crm_ai.core.models import ModelHub
    from crm_ai.core.service_auth import mint_service_token

    app = create_app(Settings(env="dev", data_dir=tmp_path, preload_models=False), hub=ModelHub())
    backend_key = (tmp_path / "keys" / "service-token.key").read_bytes()
    with TestClient(app) as c:
        headers = {"Authorization": "Bearer " + mint_service_token(backend_key, "org-1")}
        assert c.get("/v1/whoami", headers=headers).json() == {"org_id": "org-1"}
