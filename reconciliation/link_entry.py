"""One plan choice of a connected group (skip, copy, merge, unreviewed), keyed by plan ids only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciliation.decisions import Choice
from reconciliation.side import Side

PlanRef = tuple[Side, str]

_SIDE_BY_PREFIX = {side.short: side for side in Side}


class LinkMapError(ValueError):
    """A link map that cannot be used; `problems` lists every problem found, each naming its entry."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        count = len(self.problems)
        heading = f"link map has {count} problem{'s' if count != 1 else ''}"
        super().__init__(heading + ":\n" + "\n".join(f"  - {problem}" for problem in self.problems))


def parse_plan_ref(text: object) -> PlanRef:
    """`pq:pln_1` -> (Side.PERFECTQUOTE, "pln_1"); `bp:90211` -> (Side.BENEFITPOINT, "90211")."""
    if not isinstance(text, str):
        raise LinkMapError([f"plan reference {text!r}: must be text like pq:ID or bp:ID"])
    prefix, colon, plan_id = text.strip().partition(":")
    side = _SIDE_BY_PREFIX.get(prefix.strip().lower())
    if not colon or side is None:
        raise LinkMapError(
            [f"plan reference {text!r}: must start with pq: (PerfectQuote) or bp: (BenefitPoint)"]
        )
    if not plan_id.strip():
        raise LinkMapError([f"plan reference {text!r}: the plan id after {prefix}: is empty"])
    return side, plan_id.strip()


def format_plan_ref(side: Side, plan_id: str) -> str:
    return f"{side.short}:{plan_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkEntry:
    """A choice for one plan (skip, copy, unreviewed) or for two plans, one per system (merge).

    For a copy, `source_of_truth` is the side the plan is copied from; for a skip it is None.
    Build entries with the constructors; `validate_link_map` checks entries built any other way.
    """

    choice: Choice
    perfectquote_plan_id: str | None = None
    benefitpoint_plan_id: str | None = None
    source_of_truth: Side | None = None

    @classmethod
    def merge(
        cls, perfectquote_plan_id: str, benefitpoint_plan_id: str, *, source_of_truth: Side
    ) -> LinkEntry:
        return cls(
            choice=Choice.MERGE,
            perfectquote_plan_id=perfectquote_plan_id,
            benefitpoint_plan_id=benefitpoint_plan_id,
            source_of_truth=source_of_truth,
        )

    @classmethod
    def copy(cls, side: Side, plan_id: str) -> LinkEntry:
        return cls._single(Choice.COPY, side, plan_id, source_of_truth=side)

    @classmethod
    def skip(cls, side: Side, plan_id: str) -> LinkEntry:
        return cls._single(Choice.SKIP, side, plan_id, source_of_truth=None)

    @classmethod
    def unreviewed(cls, side: Side, plan_id: str) -> LinkEntry:
        return cls._single(Choice.UNREVIEWED, side, plan_id, source_of_truth=None)

    @classmethod
    def _single(cls, choice: Choice, side: Side, plan_id: str, *, source_of_truth: Side | None) -> LinkEntry:
        if side is Side.PERFECTQUOTE:
            return cls(choice=choice, perfectquote_plan_id=plan_id, source_of_truth=source_of_truth)
        return cls(choice=choice, benefitpoint_plan_id=plan_id, source_of_truth=source_of_truth)

    def plan_id(self, side: Side) -> str | None:
        return self.perfectquote_plan_id if side is Side.PERFECTQUOTE else self.benefitpoint_plan_id

    @property
    def refs(self) -> tuple[PlanRef, ...]:
        """The plans this entry names, PerfectQuote first."""
        return tuple((side, plan_id) for side in Side if (plan_id := self.plan_id(side)) is not None)

    def describe(self) -> str:
        """`merge pq:pln_01 + bp:90211` — how messages name an entry."""
        return f"{self.choice} " + " + ".join(format_plan_ref(side, plan_id) for side, plan_id in self.refs)
