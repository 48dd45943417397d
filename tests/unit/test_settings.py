"""Settings come from TRAINHUB_* variables; production refuses unsafe defaults."""

from __future__ import annotations

import pytest

from trainhub_ui.config import DEFAULT_STORAGE_SECRET, Settings, SettingsError


def test_defaults_match_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRAINHUB_DATABASE_URL", "TRAINHUB_PORT", "TRAINHUB_HOST", "TRAINHUB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///./data/trainhub.db"
    assert settings.port == 3000
    assert settings.base_url == "http://localhost:3000"
    assert settings.payment_provider_name == "offline"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINHUB_DATABASE_URL", "postgresql+asyncpg://u@db/trainhub")
    monkeypatch.setenv("TRAINHUB_PORT", "8123")
    monkeypatch.setenv("TRAINHUB_STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("TRAINHUB_SMTP_STARTTLS", "false")
    settings = Settings(_env_file=None)
    assert settings.database_url == "postgresql+asyncpg://u@db/trainhub"
    assert settings.port == 8123
    assert settings.payment_provider_name == "stripe"
    assert settings.smtp_starttls is False
    assert not settings.is_sqlite


def test_production_refuses_the_default_storage_secret() -> None:
    settings = Settings(_env_file=None, env="production", stripe_secret_key="sk_live_x")
    assert settings.storage_secret == DEFAULT_STORAGE_SECRET
    with pytest.raises(SettingsError, match="TRAINHUB_STORAGE_SECRET"):
        settings.check_fit_to_run()


def test_production_refuses_the_offline_payment_provider() -> None:
    settings = Settings(_env_file=None, env="production", storage_secret="a-long-random-production-secret")
    with pytest.raises(SettingsError, match="offline test payment provider"):
        settings.check_fit_to_run()


def test_production_with_a_secret_and_stripe_starts() -> None:
    Settings(
        _env_file=None,
        env="production",
        storage_secret="a-long-random-production-secret",
        stripe_secret_key="sk",
        stripe_webhook_secret="whsec_x",
    ).check_fit_to_run()


def test_production_refuses_stripe_without_a_webhook_secret() -> None:
    settings = Settings(
        _env_file=None, env="production", storage_secret="a-long-random-production-secret", stripe_secret_key="sk"
    )
    with pytest.raises(SettingsError, match="TRAINHUB_STRIPE_WEBHOOK_SECRET"):
        settings.check_fit_to_run()


def test_development_allows_the_defaults() -> None:
    Settings(_env_file=None).check_fit_to_run()


def test_a_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINHUB_PORT", "not-a-port")
    with pytest.raises(ValueError, match="port"):
        Settings(_env_file=None)


def test_links_follow_the_port_served_unless_a_base_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from trainhub_ui import config

    monkeypatch.delenv("TRAINHUB_BASE_URL", raising=False)
    monkeypatch.setattr(config, "_overrides", {})
    try:
        assert not config.reload_settings().base_url_given
        assert config.reload_settings_with(host="127.0.0.1", port=3456).base_url == "http://localhost:3456"
        monkeypatch.setenv("TRAINHUB_BASE_URL", "https://book.example.org/")
        given = config.reload_settings()
        assert given.base_url == "https://book.example.org" and given.base_url_given
    finally:
        config._overrides.clear()
        config.reload_settings()
