"""A run's fence: the token it took with its group's lease, checked against the database before each
write to an outside system and at each commit, so that a run that lost its lease writes nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from reconciliation.storage import repository as repo
from reconciliation.storage.groups import HeldGroup


class FenceSource(Protocol):
    """Issues a run's token, only while the run holds its group's lease (`worker.runtime.lease`).

    `floor` is the database's current token: the token issued is above it even if the issuer forgot
    its own count (a wiped Redis). None: the lease is no longer this run's.
    """

    def take(self, *, floor: int) -> int | None: ...


class Superseded(Exception):
    """A newer run of the group registered a higher token: this run writes nothing more."""

    def __init__(self, group_id: str, token: int, current: int) -> None:
        super().__init__(f"superseded: a newer run of group {group_id} holds fence token {current} "
                         f"(this run's is {token}); it wrote nothing more")
        self.group_id = group_id
        self.token = token
        self.current = current


@dataclass(frozen=True, slots=True)
class RunFence:
    """The token a run registered for its group."""

    group_id: str
    token: int

    def check(self, session: Session, *, lock: bool = False) -> None:
        """Raise Superseded if a newer run holds the group; `lock` for a check right before a commit."""
        current = repo.fence_token(session, self.group_id, lock=lock)
        if current != self.token:
            raise Superseded(self.group_id, self.token, current)

    def holds(self, session: Session) -> bool:
        return repo.fence_token(session, self.group_id) == self.token

    def commit(self, session: Session) -> None:
        """A recovery point: committed only while this run still holds the fence.

        The check locks the group's row (FOR SHARE on PostgreSQL) until the commit, so a newer run's
        registration waits for it and reads what it committed.
        """
        self.check(session, lock=True)
        session.commit()


def proposed_token(source: FenceSource | None) -> int | None:
    """The token to register with the run's read of its group (`hold_group`'s `registering`): the one its
    lease came with, if any. None: the run takes its token after that read (`take_fence`)."""
    return None if source is None else source.take(floor=0)


def take_fence(session: Session, group_id: str, source: FenceSource | None, *,
               held: HeldGroup | None = None) -> tuple[RunFence, bool]:
    """Take the run's token and register it for the group (flushed; the caller commits with the run row).

    With no source (a run called directly, no lease), the stored token plus one. Returns the fence and
    whether it was registered: False when a newer run holds the group already (or the lease was lost
    before the token was taken); such a run starts nothing. `held`: the group as this transaction read it
    already, with the proposed token registered or not; its stored token only keeps a forgetful issuer
    above it, and the registration itself is the conditional UPDATE.
    """
    if source is None:
        return RunFence(group_id, repo.next_fence_token(session, group_id)), True
    if held is not None and held.registered:
        return RunFence(group_id, held.fence_token), True
    floor = held.fence_token if held is not None else repo.fence_token(session, group_id)
    token = source.take(floor=floor)
    if token is None:
        return RunFence(group_id, 0), False
    return RunFence(group_id, token), repo.register_fence(session, group_id, token)
