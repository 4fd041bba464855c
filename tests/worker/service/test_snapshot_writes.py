"""What a nudged run stores of the plans it holds: each plan once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from reconciliation.side import Side
from tests.worker.service.conftest import nudged_runs
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


@contextmanager
def _snapshot_writes(world: World) -> Iterator[list[Any]]:
    """The parameters of every statement that stores a plan snapshot while the block runs."""
    written: list[Any] = []
    engine = world.context.sessions.kw["bind"]

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO PLAN_SNAPSHOTS"):
            written.extend(parameters if many else [parameters])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield written
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _edited_and_synced(world: World, edit: Callable[[], None]) -> list[Any]:
    edit()
    with _snapshot_writes(world) as written:
        [report] = nudged_runs(world)
    assert report.counts.updated == 1
    return written


def test_each_side_of_an_edited_link_is_stored_once(world: World, fed: dict[str, str]) -> None:
    ppo = world.link(fed["ppo"])
    # The PerfectQuote plan read again, the BenefitPoint product written: two snapshots, one of each.
    written = _edited_and_synced(world, lambda: world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000"))
    assert len(written) == 2
    written = _edited_and_synced(world, lambda: world.edit_bp(ppo.plan_ids[BP], name="Gold PPO 5000"))
    assert len(written) == 2
