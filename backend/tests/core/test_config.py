from __future__ import annotations

import pytest

from crm.core.config import ConfigError, load_settings


def test_wrong_setting_is_named() -> None:
    with pytest.raises(ConfigError, match="CRM_SMTP_PORT"):
        load_settings(smtp_port="not-a-port")


def test_driver_without_its_settings_is_named() -> None:
    with pytest.raises(ConfigError, match="CRM_STORAGE_DRIVER=s3 needs CRM_S3_BUCKET"):
        load_settings(storage_driver="s3")
    with pytest.raises(ConfigError, match="CRM_STORAGE_DRIVER"):
        load_settings(storage_driver="ftp")


def test_secrets_are_masked() -> None:
    shown = load_settings(database_url="postgresql://owner:topsecret@db/crm", llm_api_key="sk-123").masked()
    assert shown["CRM_DATABASE_URL"] == "********"
    assert shown["CRM_LLM_API_KEY"] == "********"
    assert "topsecret" not in repr(shown) and "sk-123" not in repr(shown)
