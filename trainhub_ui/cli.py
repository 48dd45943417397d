"""The `trainhub` command line (also `python main.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from models import StaffRole
from trainhub_ui.config import get_settings, reload_settings_with
from trainhub_ui.db import Database
from trainhub_ui.domain.errors import DomainError

app = typer.Typer(help="TrainHub: the booking platform for training centres.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo centres.", no_args_is_help=True)
tenant_app = typer.Typer(help="Training centres (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Staff users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (demo_app, "demo"),
    (tenant_app, "tenant"),
    (user_app, "user"),
    (token_app, "token"),
    (jobs_app, "jobs"),
):
    app.add_typer(sub, name=name)

T = TypeVar("T")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the configured database; a refused rule exits with its message."""

    async def main() -> T:
        db = Database(get_settings().database_url)
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except DomainError as error:
        typer.secho(f"Error: {error.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (TRAINHUB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (TRAINHUB_PORT).")] = None,
) -> None:
    """Serve the web app and the API."""
    from trainhub_ui import web
    from trainhub_ui.config import SettingsError

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    if not settings.base_url_given and (host, port) != (settings.host, settings.port):
        # Links in pages and emails follow the address actually served, unless TRAINHUB_BASE_URL says otherwise.
        settings = reload_settings_with(host=host, port=port)
    try:
        settings.check_fit_to_run()
    except SettingsError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from error
    _print_welcome(host, port)
    web.serve(settings, host, port)


def _print_welcome(host: str, port: int) -> None:
    from trainhub_ui.demo.specs import DEMO_LOGINS, DEMO_PASSWORD
    from trainhub_ui.services.tenants import list_tenants

    shown = "localhost" if host in {"0.0.0.0", "127.0.0.1", "::"} else host
    base = f"http://{shown}:{port}"
    tenants = _in_transaction(list_tenants)
    typer.echo(f"\nTrainHub is starting on {base}  (API docs: {base}/api/docs)\n")
    for tenant in tenants:
        typer.echo(f"  {tenant.name}")
        typer.echo(f"    public site  {base}/{tenant.slug}")
        typer.echo(f"    back office  {base}/{tenant.slug}/admin")
    slugs = {t.slug for t in tenants}
    logins = [login for login in DEMO_LOGINS if login.centre_slug in slugs]
    if logins:
        typer.echo(f"\n  Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            where = "/login" if login.role == "STUDENT" else "/admin/login"
            typer.echo(f"    {login.role.title():<11} {login.email:<32} {base}/{login.centre_slug}{where}")
    typer.echo("")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to the latest schema."""
    from trainhub_ui.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    _refresh_statistics()
    typer.echo("Database is up to date.")


def _refresh_statistics() -> None:
    async def main() -> None:
        db = Database(get_settings().database_url)
        try:
            await db.refresh_statistics(thorough=True)
        finally:
            await db.dispose()

    asyncio.run(main())


@demo_app.command("seed")
def demo_seed(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Only seed a database with no centres.")] = False,
) -> None:
    """Create the demo centres (idempotent)."""
    from trainhub_ui.demo.seed import database_is_empty, seed_demo

    async def work(session: AsyncSession) -> str:
        if if_empty and not await database_is_empty(session):
            return "The database already has centres; demo data left as it is."
        created = await seed_demo(session)
        return "Demo centres created." if created else "Demo centres already present."

    typer.echo(_in_transaction(work))
    _refresh_statistics()


@tenant_app.command("create")
def tenant_create(
    slug: Annotated[str, typer.Argument(help="URL slug, e.g. bristol-gas-training")],
    name: Annotated[str, typer.Option("--name", help="The centre's name")],
) -> None:
    """Open a new training centre."""
    from trainhub_ui.services.tenants import create_tenant

    async def work(session: AsyncSession) -> str:
        tenant = await create_tenant(session, slug, name)
        return f"Created {tenant.name} at /{tenant.slug} (id {tenant.id})."

    typer.echo(_in_transaction(work))


@user_app.command("create")
def user_create(
    tenant: Annotated[str, typer.Option("--tenant", help="The centre's slug")],
    email: Annotated[str, typer.Option("--email")],
    role: Annotated[StaffRole, typer.Option("--role", case_sensitive=False)],
    password: Annotated[str, typer.Option("--password")],
    name: Annotated[str, typer.Option("--name", help="Shown in the back office")] = "",
) -> None:
    """Add a staff user to a centre."""
    from trainhub_ui.services.accounts import create_staff_user
    from trainhub_ui.services.tenants import get_tenant

    async def work(session: AsyncSession) -> str:
        centre = await get_tenant(session, tenant)
        user = await create_staff_user(session, centre, email=email, name=name, role=role, password=password)
        return f"Created {user.role.value} {user.email} at {centre.name}."

    typer.echo(_in_transaction(work))


@token_app.command("create")
def token_create(
    tenant: Annotated[str, typer.Option("--tenant", help="The centre's slug")],
    name: Annotated[str, typer.Option("--name", help="What the token is for")],
    role: Annotated[StaffRole, typer.Option("--role", case_sensitive=False)] = StaffRole.ADMIN,
) -> None:
    """Make an API token. The token is printed once, alone on the last line; only its hash is kept."""
    from trainhub_ui.services.tenants import get_tenant
    from trainhub_ui.services.tokens import create_api_token

    async def work(session: AsyncSession) -> tuple[str, str]:
        centre = await get_tenant(session, tenant)
        token, secret = await create_api_token(session, centre, name=name, role=role)
        return f"Created API token “{token.name}” ({token.role.value}) for {centre.name}. Keep it safe:", secret

    message, secret = _in_transaction(work)
    typer.echo(message)
    typer.echo(secret)


@jobs_app.command("run")
def jobs_run() -> None:
    """Run every background job once (for cron)."""
    from trainhub_ui.jobs import run_jobs_once

    async def main() -> dict[str, int]:
        db = Database(get_settings().database_url)
        try:
            return await run_jobs_once(db)
        finally:
            await db.dispose()

    for name, count in asyncio.run(main()).items():
        typer.echo(f"{name}: {count}")
