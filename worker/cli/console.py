"""CLI command: console (the ops console in the browser)."""

from __future__ import annotations

import typer

from worker.cli.output import command_context
from worker.console.auth import ConsoleSettingsError, load_console_auth
from worker.console.passwords import PasswordHashError, hash_password
from worker.console.serve import serve


def console(
    host: str = typer.Option(
        "127.0.0.1", help="Interface to listen on (0.0.0.0 behind a platform's router)."
    ),
    port: int = typer.Option(8080, min=1, max=65535, help="Port to listen on."),
    print_hash: bool = typer.Option(
        False, "--hash-password", help="Read a password, print the CONSOLE_PASSWORD_HASH for it, and exit."
    ),
) -> None:
    """Serve the ops console: overview, groups and their plans, Sync now, carriers, runs. Sign-in required."""
    if print_hash:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            typer.echo(hash_password(password).text())
        except PasswordHashError as error:
            typer.echo(f"plansync console: {error}", err=True)
            raise typer.Exit(2) from None
        return
    try:
        console_auth = load_console_auth()
    except ConsoleSettingsError as error:
        typer.echo(f"plansync console: {error}", err=True)
        raise typer.Exit(2) from None
    with command_context() as context:
        serve(context, console_auth, host=host, port=port)
