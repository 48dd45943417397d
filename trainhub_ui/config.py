"""Settings from `TRAINHUB_*` environment variables and an optional `.env` file."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from limits import parse
from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STORAGE_SECRET = "trainhub-development-secret-change-me"


class SettingsError(RuntimeError):
    """The settings are not fit to run in the chosen environment."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRAINHUB_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./data/trainhub.db"
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=1, le=65535)
    base_url: str = ""
    storage_secret: str = DEFAULT_STORAGE_SECRET

    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "TrainHub <no-reply@trainhub.local>"
    smtp_starttls: bool = True

    # How often `trainhub serve` runs the background jobs (expiries, reminders, the outbox); 0: never
    # (then run `trainhub jobs run` from cron).
    jobs_interval_seconds: float = Field(default=30, ge=0)
    # A card payment still open this long after it was opened is looked up at the provider by the jobs
    # (its webhook may have been lost); sooner, the webhook is most likely still on its way.
    reconcile_payments_after_minutes: int = Field(default=15, ge=1)

    # The largest request body taken, in bytes; a bigger one is refused with 413 before it is read. The logo
    # upload has a limit of its own (services/tenants.py: LOGO_MAX_BYTES).
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The API's documentation at /api/docs and its OpenAPI document; a production server may hide both.
    api_docs: bool = True

    # How many reverse proxies in front of the app append the client's address to X-Forwarded-For; 0: the
    # header is ignored and the connection's own peer address counts (a client could write anything there).
    forwarded_for_hops: int = Field(default=0, ge=0, le=5)

    # Where the rate limits are counted so that every server process shares them (redis://host:6379/0);
    # unset: in each process's memory.
    redis_url: str = ""
    # Requests per client address and centre at each public door, in the `limits` notation.
    rate_limit_sign_in: str = "10/minute"
    rate_limit_sign_up: str = "5/minute"
    rate_limit_password_reset: str = "5/minute"
    rate_limit_booking: str = "20/minute"
    rate_limit_pay_page: str = "60/minute"
    rate_limit_kiosk_lookup: str = "120/minute"

    @field_validator(
        "rate_limit_sign_in",
        "rate_limit_sign_up",
        "rate_limit_password_reset",
        "rate_limit_booking",
        "rate_limit_pay_page",
        "rate_limit_kiosk_lookup",
    )
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as error:
            raise ValueError(f"write a rate like 10/minute or 100/hour, not {value!r}") from error
        return value

    _base_url_given: bool = PrivateAttr(default=False)

    @property
    def base_url_given(self) -> bool:
        """Whether TRAINHUB_BASE_URL was set, rather than made from the host and port."""
        return self._base_url_given

    @model_validator(mode="after")
    def _default_base_url(self) -> Settings:
        self._base_url_given = bool(self.base_url)
        if not self.base_url:
            shown_host = "localhost" if self.host in {"0.0.0.0", "127.0.0.1", "::"} else self.host
            self.base_url = f"http://{shown_host}:{self.port}"
        self.base_url = self.base_url.rstrip("/")
        return self

    @property
    def payment_provider_name(self) -> str:
        """`stripe` when a secret key is set, otherwise the clearly-labelled offline test mode."""
        return "stripe" if self.stripe_secret_key else "offline"

    @property
    def serves_https(self) -> bool:
        """Whether browsers reach the site over https: its cookies are then Secure, and browsers are told to
        come back only over https."""
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_fit_to_run(self) -> None:
        """Refuse settings that would be unsafe in production."""
        if self.env != "production":
            return
        problems = []
        if self.storage_secret == DEFAULT_STORAGE_SECRET or len(self.storage_secret) < 16:
            problems.append("TRAINHUB_STORAGE_SECRET must be set to a long random value")
        if self.payment_provider_name == "stripe" and not self.stripe_webhook_secret:
            problems.append(
                "TRAINHUB_STRIPE_WEBHOOK_SECRET must be set with a Stripe key: webhooks are verified with it"
            )
        if self.payment_provider_name == "offline":
            problems.append(
                "TRAINHUB_STRIPE_SECRET_KEY must be set: the offline test payment provider is not allowed in production"
            )
        if problems:
            raise SettingsError("Refusing to start in production: " + "; ".join(problems))


# Values given on the command line (`serve --port`), above the environment's, for the rest of the process.
_overrides: dict[str, object] = {}


@lru_cache
def get_settings() -> Settings:
    return Settings(**_overrides)  # type: ignore[arg-type]


def reload_settings() -> Settings:
    """Read the environment again (tests and the CLI change it between runs)."""
    get_settings.cache_clear()
    return get_settings()


def reload_settings_with(**changes: object) -> Settings:
    """The settings with some values replaced (the CLI's --host and --port), for the rest of the process."""
    _overrides.update(changes)
    return reload_settings()
