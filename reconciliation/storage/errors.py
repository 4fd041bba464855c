"""What the repository refuses, each naming the record and the problem."""

from __future__ import annotations


class StorageError(ValueError):
    """A stored-state rule was broken; the message says which record and why."""


class GroupAlreadyConnected(StorageError):
    """A PerfectQuote group or a BenefitPoint account is already in a connection."""


class PlanAlreadyLinked(StorageError):
    """A plan id is already held by another link on the same system."""


class InvalidLinkEntry(StorageError):
    """A plan choice does not make sense (a merge without two plans, a copy with two)."""


class RecordNotFound(StorageError):
    """A group connection, link, run or conflict id that is not stored."""


class FenceMoved(StorageError):
    """A newer run registered its token for the group: this run records nothing more."""


class ConflictNotOpen(StorageError):
    """Only an open conflict can be settled."""


class StaleLink(StorageError):
    """The link changed in another session since the value being written was read.

    Roll the session back and read the link again to decide from what it holds now.
    """
