"""The story's shared state: the world, the narrator, the people's clients, the plans chosen."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.benefitpoint import BenefitPointConnector
from connectors.perfectquote import PerfectQuoteConnector
from reconciliation.storage import repository as repo
from worker.demo import facts
from worker.demo.narrator import Narrator
from worker.demo.people import SandboxAdmin
from worker.demo.world import World

GROUP_ID = "grp_001"


@dataclass(kw_only=True)
class Cast:
    """What the story found and chose, shared by its chapters."""

    world: World
    say: Narrator
    admin: SandboxAdmin
    perfectquote: PerfectQuoteConnector
    benefitpoint: BenefitPointConnector
    plans: dict[str, str] = field(default_factory=dict)
    last_run_id: int = 0

    def runs_so_far(self) -> None:
        """Print every run that finished since the last call, with the fields it wrote."""
        with self.world.context.sessions() as session:
            for run in facts.runs_after(session, self.last_run_id):
                self.say.run(run, changes=repo.changes_for_run(session, run.id))
                self.last_run_id = run.id

    def hour_passes(self) -> None:
        """The fast clock: an hour of story time in `pace_s` of wall time, then the feed cycle."""
        self.say.pause()
        self.world.clock.advance(hours=1)
        self.say.say("an hour later, the clock fires the feed cycle (every minute): it reads both feeds")
        self.world.clock.fire("feed")
        self.world.settle()
        self.runs_so_far()
