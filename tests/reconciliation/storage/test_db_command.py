from __future__ import annotations

from typer.testing import CliRunner

from config.migrate import current_revision, head_revision
from worker.cli.app import app


def test_db_upgrade_migrates_database_url_and_says_what_it_did(database_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": database_url})
    assert first.exit_code == 0, first.output
    assert f"upgraded from empty to revision {head_revision()}" in first.output
    assert current_revision(database_url) == head_revision()
    again = runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": database_url})
    assert again.exit_code == 0, again.output
    assert "is up to date" in again.output


def test_db_status_tells_whether_an_upgrade_is_needed(sqlite_url: str) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["db", "status"], env={"DATABASE_URL": sqlite_url})
    assert "revision none" in before.output and "needs `plansync db upgrade`" in before.output
    runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": sqlite_url})
    after = runner.invoke(app, ["db", "status"], env={"DATABASE_URL": sqlite_url})
    assert f"revision {head_revision()}" in after.output and "(up to date)" in after.output


def test_an_unreachable_database_is_a_clear_error_without_its_password() -> None:
    url = "postgresql://postgres:hunter2@127.0.0.1:1/plansync"
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 1
    assert "cannot use database postgresql://postgres:***@127.0.0.1:1/plansync" in result.output
    assert "hunter2" not in result.output


def test_a_malformed_database_url_names_the_variable() -> None:
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"DATABASE_URL": "not a url"})
    assert result.exit_code == 2
    assert "DATABASE_URL" in result.output
