"""Run the whole demo: start the world, tell the story, sum it up, shut everything down."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from worker.demo import facts
from worker.demo.carrier_story import carrier_chapters
from worker.demo.cast import Cast
from worker.demo.narrator import Narrator
from worker.demo.people import SandboxAdmin, user_systems
from worker.demo.story import CHAPTERS
from worker.demo.world import World, start_world


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoResult:
    """How it went; `world` stays readable after the stop (sandbox state, the database file)."""

    world: World
    problems: list[str]
    wall_s: float

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


def _summary(cast: Cast, *, keep: bool, wall_s: float) -> None:
    say, world = cast.say, cast.world
    with world.context.sessions() as session:
        totals = facts.summary(session, log_path=world.log_path)
    say.chapter("Summary")
    say.say("runs: " + ", ".join(f"{count} {outcome}" for outcome, count in sorted(totals.runs.items())))
    say.say(f"fields written: {totals.writes}; conflicts recorded: {totals.conflicts}; "
            f"retries survived: {totals.retries}")
    integrations = ", ".join(f"{name} {status}" for name, status in totals.integrations.items())
    say.say(f"carrier integrations: {integrations}; transmissions sent: {totals.transmissions}; "
            f"messages resolved: {totals.messages_resolved}, open: {totals.messages_open}")
    say.say(f"database: {world.database_path}" + ("" if keep else " (removed; keep it with --keep)"))
    say.say(f"structured logs: {world.log_path}")
    say.say(f"finished in {wall_s:.1f} s" + (f" with {len(say.problems)} problem(s)" if say.problems else ""))


def run_demo(*, directory: Path, pace_s: float, keep: bool, out: TextIO) -> DemoResult:
    started = time.monotonic()
    say = Narrator(out, pace_s=pace_s)
    say.say("plansync demo: PerfectQuote, BenefitPoint and a carrier exchange (sandboxes), a worker "
            "and a clock, all in this process")
    world = start_world(directory=directory)
    perfectquote, benefitpoint = user_systems(world.settings)
    admin = SandboxAdmin(world.sandboxes)
    cast = Cast(world=world, say=say, admin=admin, perfectquote=perfectquote, benefitpoint=benefitpoint)
    try:
        for chapter in (*CHAPTERS, carrier_chapters):
            chapter(cast)
        _summary(cast, keep=keep, wall_s=time.monotonic() - started)
    except Exception as error:
        # The story ends with what happened and where to look, rather than a traceback mid-sentence.
        say.problem(f"the demo stopped in chapter {say.chapters}: {type(error).__name__}: {error}")
        say.say(f"structured logs: {world.log_path}")
    finally:
        admin.close()
        perfectquote.close()
        benefitpoint.close()
        world.stop()
        if not keep:
            world.database_path.unlink(missing_ok=True)
    return DemoResult(world=world, problems=list(say.problems), wall_s=time.monotonic() - started)
