"""``matcher serve`` and ``matcher users``: the HTTP service and its users.

A plugin of the ``matcher`` command (``register``, the entry point ``matcher.commands``
in pyproject.toml),
so the engine's command line imports nothing of the service. FastAPI, SQLAlchemy and
uvicorn load only inside the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from matcher.cli.common import LangOption, err, fail, out, say, tell, use_lang, user_errors
from matcher.messages import Message
from models.roles import ROLES

if TYPE_CHECKING:  # the service's modules load only for the commands that use them
    from sqlalchemy.orm import Session

    from api.settings import Settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    lang: LangOption = None,
) -> None:
    """Start the HTTP service (settings from DATABASE_URL, MATCHER_* and .env)."""
    import uvicorn

    use_lang(lang)
    if not 0 < port < 65536:
        fail("cli.port_invalid")
    settings = _service_settings()
    if not settings.secure_cookies and not _is_loopback(host):
        err.print("[yellow]" + say("cli.warning", warning=Message("cli.serve_insecure",
                                                                  host=host)) + "[/]",
                  highlight=False)
    out.print(say("cli.serving", address=page_address(host, port)), highlight=False)
    from api.gc_tuning import tune_garbage_collector
    from api.services import favour_requests_over_precompute

    tune_garbage_collector()
    favour_requests_over_precompute()
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port)


def page_address(host: str, port: int) -> str:
    """The page's address for a browser on this machine (listening on every
    interface is reachable on the loopback address)."""
    browsable = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in browsable:
        browsable = f"[{browsable}]"
    return f"http://{browsable}:{port}/ui/"


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: may resolve anywhere


def _service_settings() -> Settings:
    """The service settings, or exit 2 naming what is wrong (never a value: it may be a
    secret)."""
    from api.settings import ConfigurationError, load_settings

    try:
        return load_settings()
    except ConfigurationError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None


@contextmanager
def _user_store() -> Iterator[Session]:
    """A session on the service's database (migrated first), for the users commands."""
    from api.db import make_engine, migrate, session_factory

    settings = _service_settings()
    with user_errors():
        engine = make_engine(settings.database_url)
        try:
            migrate(engine)
            with session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()


users_app = typer.Typer(no_args_is_help=True, help="API users and their keys.")


@users_app.command("add")
def users_add(
    role: Annotated[str, typer.Option(help="consultant or coach.")],
    name: Annotated[str, typer.Option(help="The person's name.")],
    coach_id: Annotated[str | None, typer.Option(
        help="For a coach: the coach_id of their students in students.csv.")] = None,
    lang: LangOption = None,
) -> None:
    """Create a user and print their API key (shown once; only its hash is stored)."""
    from api.auth import UserRefused, create_user

    use_lang(lang)
    chosen = next((r for r in ROLES if r == role), None)
    if chosen is None:
        fail("cli.role_invalid", value=role)
    with _user_store() as session:
        try:
            key = create_user(session, chosen, name, coach_id)
        except UserRefused as refused:
            err.print(tell(refused.message), highlight=False)
            raise typer.Exit(2) from None
    out.print(say("cli.user_created", role=role, name=name.strip()))
    print(key)


@users_app.command("list")
def users_list(lang: LangOption = None) -> None:
    """List the users: id, name, role, coach_id, created, and whether their key works."""
    from api.auth import is_revoked, list_users

    use_lang(lang)
    with _user_store() as session:
        users = list_users(session)
    table = Table(title=say("cli.users_title", count=len(users)))
    for column in ("id", "name", "role", "coach_id", "created", "key"):
        table.add_column(say(f"cli.user_col.{column}"))
    for user in users:
        table.add_row(str(user.id), user.name, user.role, user.coach_id or "",
                      f"{user.created_at:%Y-%m-%d %H:%M}",
                      say("cli.key_revoked" if is_revoked(user) else "cli.key_active"))
    out.print(table)


@users_app.command("revoke")
def users_revoke(
    user_id: Annotated[int, typer.Argument(help="The user's id (see `matcher users list`).")],
    lang: LangOption = None,
) -> None:
    """End a user's API key and web sessions at once. The user stays in the audit trail;
    `matcher users add` makes a new key."""
    from api.auth import revoke_user

    use_lang(lang)
    with _user_store() as session:
        user = revoke_user(session, user_id)
    if user is None:
        fail("cli.no_user", user=user_id)
    out.print(say("cli.user_revoked", role=user.role, name=user.name, user=user.id))


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to the ``matcher`` command."""
    app.command()(serve)
    app.add_typer(users_app, name="users")
