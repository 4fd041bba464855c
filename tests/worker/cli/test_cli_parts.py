"""The pieces of the CLI for people: repeatable --merge, values as people read them, cut cells, log levels,
the progress bar and a dry run's counts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from tests.worker.cli.commands import Terminal
from worker.cli.app import command_of, log_level
from worker.cli.merge_option import NEEDS_TWO, PAIR_SEPARATOR, join_merge_pairs, merge_pair
from worker.cli.output import CELL_WIDTH, progress, show_value, step_progress, table

try:  # Typer carries its own copy of Click from 0.2x on.
    from typer._click.exceptions import BadOptionUsage
except ImportError:  # pragma: no cover - an older Typer on Click
    from click.exceptions import BadOptionUsage


@pytest.mark.parametrize(("first", "second", "pair"), [
    ("pln_1", "700001", ("pln_1", "700001")),
    ("pq:pln_1", "bp:700001", ("pln_1", "700001")),
    ("bp:700001", "pq:pln_1", ("pln_1", "700001")),
    ("BP:700001", "pln_1", ("pln_1", "700001")),
    ("pln_1", "bp:700001", ("pln_1", "700001")),
    ("700001", "pq:pln_1", ("pln_1", "700001")),
])
def test_a_merge_pair_in_any_spelling(first: str, second: str, pair: tuple[str, str]) -> None:
    assert merge_pair(f"{first}{PAIR_SEPARATOR}{second}") == pair


def test_a_merge_of_two_plans_of_one_side_is_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="--merge bp:1 bp:2: both plans are benefitpoint's"):
        merge_pair(f"bp:1{PAIR_SEPARATOR}bp:2")


def test_merge_can_be_given_again_and_again() -> None:
    args = ["grp_001", "--merge", "a", "b", "--copy", "pq:c", "--merge", "bp:d", "pq:e", "--json"]
    assert join_merge_pairs(args) == ["grp_001", "--merge", f"a{PAIR_SEPARATOR}b", "--copy", "pq:c",
                                      "--merge", f"bp:d{PAIR_SEPARATOR}pq:e", "--json"]
    assert join_merge_pairs(["--", "--merge", "a"]) == ["--", "--merge", "a"]


@pytest.mark.parametrize("args", [["--merge", "a"], ["--merge", "a", "--json"], ["--merge"]])
def test_a_merge_with_one_plan_is_a_usage_error(args: list[str]) -> None:
    with pytest.raises(BadOptionUsage, match="two plans"):
        join_merge_pairs(args)
    assert "PQ_PLAN BP_PLAN" in NEEDS_TWO


@pytest.mark.parametrize(("value", "shown"), [
    (None, "-"), ("20.00", "20.00"), ("Gold PPO 3000", "Gold PPO 3000"), ("", '""'), (" padded", '" padded"'),
    (Decimal("20.00"), "20.00"), (3, "3"), (True, "yes"),
    ({"tiers": {"ee": "568.78"}}, '{"tiers": {"ee": "568.78"}}'), (["rx"], '["rx"]'),
])
def test_a_value_as_people_read_it(value: object, shown: str) -> None:
    assert show_value(value) == shown


def test_a_table_cuts_long_names_and_keeps_ids_whole(capsys: pytest.CaptureFixture[str]) -> None:
    name = "Gold PPO 3000 with a name that goes on and on, well past any column"
    link_id = "lnk_3940c6fe2963448f951efb809f349d49"
    table([(link_id, name), (link_id, "short")], headers=("link", "name"))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(len(line) <= len(link_id) + 2 + CELL_WIDTH for line in lines)
    assert lines[2].startswith(link_id) and lines[2].endswith("…") and name[: CELL_WIDTH - 1] in lines[2]
    assert name not in lines[2]


@pytest.mark.parametrize(("configured", "serving", "verbose", "level"), [
    ("info", False, False, "warning"), ("info", False, True, "info"), ("error", False, False, "error"),
    ("warning", False, True, "info"), ("debug", False, False, "debug"),
    ("info", True, False, "info"), ("warning", True, True, "warning")])
def test_a_command_for_a_person_logs_warnings_unless_asked(configured: str, serving: bool, verbose: bool,
                                                           level: str) -> None:
    assert log_level(configured=configured, serving=serving, verbose=verbose) == level


@pytest.mark.parametrize(("args", "found"), [
    (["sync", "grp_001", "-v"], ("sync", False)), (["-v", "sync", "grp_001"], ("sync", True)),
    (["--verbose", "worker"], ("worker", True)), (["--version"], (None, False)), ([], (None, False))])
def test_the_command_and_its_verbosity_from_the_line(args: list[str], found: tuple[str | None, bool]) -> None:
    assert command_of(args) == found


def test_the_progress_bar_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    with progress(["grp_001", "grp_002"], label="Syncing") as items:
        assert list(items) == ["grp_001", "grp_002"]
    assert piped.getvalue() == ""
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress(["grp_001", "grp_002"], label="Syncing") as items:
        assert list(items) == ["grp_001", "grp_002"]
    assert "Syncing" in terminal.getvalue() and "2/2" in terminal.getvalue()


def test_a_large_groups_bar_counts_its_links_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with step_progress(label="Syncing grp_001", min_total=3) as step:
        assert step is not None
        step(1, 2)
        step(2, 2)
    assert terminal.getvalue() == ""  # a small group: no bar
    with step_progress(label="Syncing grp_001", min_total=3) as step:
        assert step is not None
        for done in range(1, 5):
            step(done, 4)
    assert "Syncing grp_001" in terminal.getvalue() and "4/4" in terminal.getvalue()
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with step_progress(label="Syncing grp_001", min_total=3) as step:
        assert step is None
