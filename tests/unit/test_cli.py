"""The `trainhub` command line against a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from models import ApiToken, StaffRole, StaffUser, Tenant
from tests.conftest import empty_all_tables, in_thread
from trainhub_ui.cli import app
from trainhub_ui.config import reload_settings
from trainhub_ui.db import Database

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    in_thread(asyncio.run, _empty(url))
    monkeypatch.setenv("TRAINHUB_DATABASE_URL", url)
    reload_settings()
    yield url
    monkeypatch.undo()
    reload_settings()


async def _empty(url: str) -> None:
    db = Database(url)
    try:
        await empty_all_tables(db)
    finally:
        await db.dispose()


def _query(url: str, statement):
    async def run():
        db = Database(url)
        try:
            async with db.read() as session:
                return list(await session.scalars(statement))
        finally:
            await db.dispose()

    return in_thread(asyncio.run, run())


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_tenant_user_and_token_create(database_url: str) -> None:
    invoke("tenant", "create", "york-first-aid", "--name", "York First Aid")
    invoke(
        "user", "create", "--tenant", "york-first-aid", "--email", "Boss@York.example", "--role", "owner",
        "--password", "long-enough-password",
    )  # fmt: skip
    output = invoke("token", "create", "--tenant", "york-first-aid", "--name", "booking script", "--role", "STAFF")

    secret = output.strip().splitlines()[-1]
    assert secret.startswith("thk_") and " " not in secret
    tokens = _query(database_url, select(ApiToken))
    assert len(tokens) == 1
    assert tokens[0].token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert tokens[0].role is StaffRole.STAFF
    assert secret not in (tokens[0].token_hash, tokens[0].token_prefix)

    users = _query(database_url, select(StaffUser))
    assert [(u.email, u.role) for u in users] == [("boss@york.example", StaffRole.OWNER)]
    assert users[0].password_hash and "long-enough-password" not in users[0].password_hash


def test_refusals_exit_non_zero_with_a_message(database_url: str) -> None:
    invoke("tenant", "create", "york-first-aid", "--name", "York First Aid")
    duplicate = runner.invoke(app, ["tenant", "create", "york-first-aid", "--name", "Again"])
    assert duplicate.exit_code == 1
    assert "already uses" in duplicate.output
    bad_slug = runner.invoke(app, ["tenant", "create", "York First Aid", "--name", "x"])
    assert bad_slug.exit_code == 1 and "lowercase" in bad_slug.output
    unknown = runner.invoke(app, ["token", "create", "--tenant", "nowhere", "--name", "x"])
    assert unknown.exit_code == 1 and "not found" in unknown.output
    short = runner.invoke(
        app, ["user", "create", "--tenant", "york-first-aid", "--email", "a@b.example", "--role", "ADMIN",
              "--password", "short"],
    )  # fmt: skip
    assert short.exit_code == 1 and "at least 8" in short.output
    bad_role = runner.invoke(
        app, ["user", "create", "--tenant", "york-first-aid", "--email", "a@b.example", "--role", "GOD",
              "--password", "long-enough"],
    )  # fmt: skip
    assert bad_role.exit_code != 0
    assert [t.slug for t in _query(database_url, select(Tenant))] == ["york-first-aid"]


def test_demo_seed_is_idempotent_and_if_empty_leaves_data_alone(database_url: str) -> None:
    assert "created" in invoke("demo", "seed")
    assert "already present" in invoke("demo", "seed")
    assert "left as it is" in invoke("demo", "seed", "--if-empty")
    slugs = sorted(t.slug for t in _query(database_url, select(Tenant)))
    assert slugs == ["bristol-gas-training", "leeds-heat-academy"]


def test_jobs_run_reports_each_job(database_url: str) -> None:
    assert "forget old sign-in failures: 0" in invoke("jobs", "run")


def test_python_main_py_is_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    for command in ("serve", "db", "demo", "tenant", "user", "token", "jobs"):
        assert command in result.stdout


def test_serve_refuses_production_with_unsafe_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINHUB_ENV", "production")
    monkeypatch.delenv("TRAINHUB_STORAGE_SECRET", raising=False)
    monkeypatch.delenv("TRAINHUB_STRIPE_SECRET_KEY", raising=False)
    reload_settings()
    try:
        result = runner.invoke(app, ["serve", "--port", "1"])
    finally:
        monkeypatch.undo()
        reload_settings()
    assert result.exit_code == 2
    assert "Refusing to start in production" in result.output
    assert "TRAINHUB_STORAGE_SECRET" in result.output and "offline" in result.output
