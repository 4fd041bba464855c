"""The reconcile step of one link: a pure function from what each side held and holds to decisions."""

from __future__ import annotations

from reconciliation.decisions import (
    Action,
    Choice,
    ConflictFound,
    ConflictPolicy,
    LinkInput,
    Reconciliation,
    Write,
    WriteKind,
)
from reconciliation.field_diff import (
    changed_paths,
    creation_changes,
    field_changes,
)
from reconciliation.field_merge import merge_fields
from reconciliation.plan import Plan
from reconciliation.plan_fields import plan_from_fields, plan_to_fields
from reconciliation.side import SIDES, Side


def suspected_outage(*, linked: int, missing: int) -> bool:
    """More than half of the group's linked plans missing at once: abort the group's run, orphan nothing."""
    if linked < 0 or missing < 0:
        raise ValueError(f"suspected_outage: counts cannot be negative (linked={linked}, missing={missing})")
    if missing > linked:
        raise ValueError(f"suspected_outage: {missing} missing plans but only {linked} linked")
    return missing * 2 > linked


class ReconcileInputError(ValueError):
    """The link's inputs contradict each other (a bug in the caller, not in the data)."""


def reconcile(link: LinkInput) -> Reconciliation:
    """Decide the writes that bring both sides of `link` in step; nothing is ever deleted."""
    if link.choice in (Choice.SKIP, Choice.UNREVIEWED):
        return _stay(link, Action.NOTHING, reason=f"{link.choice}: not synced")
    _check(link)
    gone = [side for side in SIDES if link.sides[side].known and link.sides[side].current is None]
    if gone:
        sides = " and ".join(side.value for side in gone)
        return _stay(link, Action.ORPHANED, reason=f"orphaned: the {sides} plan is gone; held for review")
    if not link.sides[link.source_of_truth.other].known:
        return _create(link)
    if any(link.sides[side].baseline is None for side in SIDES):
        return _first_sync(link)
    return _three_way(link)


def _check(link: LinkInput) -> None:
    if not isinstance(link.source_of_truth, Side):
        raise ReconcileInputError(f"source_of_truth {link.source_of_truth!r} is neither side")
    if not isinstance(link.policy, ConflictPolicy):
        raise ReconcileInputError(f"policy {link.policy!r} is not a conflict policy")
    for side in SIDES:
        state = link.sides[side]
        if not state.known and (state.baseline is not None or state.current is not None):
            raise ReconcileInputError(f"{side.value}: no plan is linked there, yet it has content")
    if link.choice is Choice.MERGE and not all(link.sides[side].known for side in SIDES):
        raise ReconcileInputError("a merge links a plan on each side; one side has none")
    if link.choice is Choice.COPY and not link.sides[link.source_of_truth].known:
        raise ReconcileInputError(f"a copy from {link.source_of_truth.value} needs a plan there")


def _stay(
    link: LinkInput, action: Action, *, reason: str, conflicts: tuple[ConflictFound, ...] = ()
) -> Reconciliation:
    """No writes, and the baselines stay what they were."""
    return Reconciliation(
        action=action,
        conflicts=conflicts,
        next_baselines={side: link.sides[side].baseline for side in SIDES},
        reason=reason,
    )


def _outcome(
    held: dict[Side, Plan],
    *,
    reason: str,
    writes: tuple[Write, ...] = (),
    conflicts: tuple[ConflictFound, ...] = (),
) -> Reconciliation:
    """`held` is what each side holds once `writes` are applied: the next baselines."""
    return Reconciliation(
        action=Action.WRITE if writes else Action.NOTHING,
        writes=writes,
        conflicts=conflicts,
        next_baselines=dict(held),
        reason=reason,
    )


def _create(link: LinkInput) -> Reconciliation:
    origin = link.sides[link.source_of_truth].current
    assert origin is not None  # _check and the orphan test above guarantee it
    target = link.source_of_truth.other
    write = Write(side=target, kind=WriteKind.CREATE, plan=origin, changes=creation_changes(origin))
    return _outcome(
        {side: origin for side in SIDES},
        writes=(write,),
        reason=f"copy: create the plan in {target.value}",
    )


def _currents(link: LinkInput) -> dict[Side, Plan]:
    return _present({side: link.sides[side].current for side in SIDES})


def _present(plans: dict[Side, Plan | None]) -> dict[Side, Plan]:
    """Both sides' plans, once the checks above have made sure neither is missing."""
    present = {side: plan for side, plan in plans.items() if plan is not None}
    assert len(present) == len(SIDES)
    return present


def _first_sync(link: LinkInput) -> Reconciliation:
    currents = _currents(link)
    source, target = link.source_of_truth, link.source_of_truth.other
    if currents[source] == currents[target]:
        return _outcome(currents, reason="first sync: both sides already hold the same plan")
    changes = field_changes(plan_to_fields(currents[target]), plan_to_fields(currents[source]))
    write = Write(side=target, kind=WriteKind.UPDATE, plan=currents[source], changes=changes)
    return _outcome(
        {side: currents[source] for side in SIDES},
        writes=(write,),
        reason=f"first sync: {source.value} overwrites {target.value}",
    )


def _three_way(link: LinkInput) -> Reconciliation:
    currents = _currents(link)
    baselines = _present({side: link.sides[side].baseline for side in SIDES})
    # Canonical plans compare by content (every value is normalized when a Plan is built), so equality
    # is the content comparison: no serialization and no hashing for the common, unchanged link.
    moved = [side for side in SIDES if currents[side] != baselines[side]]
    if not moved:
        return _outcome(currents, reason="unchanged")
    flat_currents = {side: plan_to_fields(currents[side]) for side in SIDES}
    flat_baselines = {side: plan_to_fields(baselines[side]) for side in SIDES}
    merged = merge_fields(
        baselines=flat_baselines,
        currents=flat_currents,
        changed={
            side: changed_paths(flat_baselines[side], flat_currents[side]) if side in moved else ()
            for side in SIDES
        },
        source_of_truth=link.source_of_truth,
        policy=link.policy,
        settlements=link.settlements,
    )
    if merged.held:
        count = sum(1 for conflict in merged.conflicts if conflict.winner is None)
        reason = f"held: {count} conflicting field(s) wait for review"
        return _stay(link, Action.HELD, reason=reason, conflicts=merged.conflicts)
    writes = []
    held = dict(currents)
    for side in SIDES:
        changes = field_changes(flat_currents[side], merged.targets[side])
        if changes:
            held[side] = plan_from_fields(merged.targets[side])
            writes.append(Write(side=side, kind=WriteKind.UPDATE, plan=held[side], changes=changes))
    targets = " and ".join(write.side.value for write in writes)
    reason = f"update {targets}" if writes else "both sides made the same changes"
    return _outcome(held, writes=tuple(writes), conflicts=merged.conflicts, reason=reason)
