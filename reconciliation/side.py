"""The two plan systems a link joins."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    PERFECTQUOTE = "perfectquote"
    BENEFITPOINT = "benefitpoint"

    @property
    def other(self) -> Side:
        return Side.BENEFITPOINT if self is Side.PERFECTQUOTE else Side.PERFECTQUOTE

    @property
    def short(self) -> str:
        """The prefix users type: pq:ID, bp:ID."""
        return "pq" if self is Side.PERFECTQUOTE else "bp"


# Iterating an Enum class walks its members through a generator each time: the reconcile step,
# run for every link of every cycle, iterates this tuple instead.
SIDES: tuple[Side, ...] = tuple(Side)
