"""What one link's sync needs (the systems, what the run read, where to report) and its fenced steps."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from connectors.ports import PlanSystem, RemotePlan, guarded_calls
from reconciliation.decisions import ConflictPolicy
from reconciliation.records import Group, Run
from reconciliation.side import Side
from worker.service.known_plans import Observed
from worker.service.run_fence import RunFence
from worker.service.run_report import RunReport
from worker.service.write_records import UncommittedWrites


@dataclass(kw_only=True)
class LinkJob:
    """What one link's sync needs: the systems, what the run read, and where to report."""

    session: Session
    systems: Mapping[Side, PlanSystem]
    group: Group
    read: Mapping[Side, MutableMapping[str, RemotePlan]]
    run: Run | None
    report: RunReport
    policy: ConflictPolicy
    fence: RunFence | None = None
    # The feed versions of the entities the run read again, as they stood before it read them.
    observed: Observed = field(default_factory=dict)
    # The link being synced is the run's last: its last commit is the run's end (see `finish_link`).
    last_link: bool = False
    # Records of confirmed writes that wait for the next commit (a link's last write's, for its last).
    uncommitted: UncommittedWrites = field(default_factory=UncommittedWrites)

    @property
    def dry_run(self) -> bool:
        return self.run is None

    def before_write(self) -> None:
        """Right before a write to an outside system: raise Superseded if a newer run took the group."""
        if self.fence is not None:
            self.fence.check(self.session)

    def fenced_calls(self) -> AbstractContextManager[None]:
        """Around one plan's write: the fence is checked before each request that writes."""
        return guarded_calls(self.before_write) if self.fence is not None else nullcontext()

    def commit(self) -> None:
        """A recovery point, committed only while the run still holds its group's fence (Superseded
        otherwise: the run's end logs the records it held as unrecorded)."""
        if self.fence is not None:
            self.fence.commit(self.session)
        else:
            self.session.commit()
        self.uncommitted.committed()

    def rolled_back(self) -> None:
        """After the session's rollback: the records of writes that landed are added again."""
        self.uncommitted.add_again(self.session)

    def finish_link(self) -> None:
        """The link's last commit: its baselines or state, with the records of its last write (an earlier
        write of the link was committed on its own). The run's last link leaves it to the run's end, which
        checks the fence and commits anyway: one check and one commit fewer. If the run fails to end, the
        write records are written again with its failed end; the baselines are not, and the next run
        advances them again."""
        if self.last_link and self.fence is not None:
            self.session.flush()
        else:
            self.commit()
