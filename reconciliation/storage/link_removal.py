"""Unlinking: the link stops syncing, its history stays, and its plans become unreviewed again."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reconciliation.link_entry import format_plan_ref
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage.errors import RecordNotFound
from reconciliation.storage.groups import GroupRef, get_group
from reconciliation.storage.links import LinkRef, get_link, set_link_state
from reconciliation.storage.tables import PlanLink


def unlink(session: Session, group: GroupRef, link: LinkRef) -> PlanLink:
    """Nothing is deleted in either system; the change log and conflicts keep pointing at the row."""
    row = get_link(session, link)
    if row.group_connection_id != get_group(session, group).id:
        raise RecordNotFound(f"plan link {row.id} does not belong to this group")
    if row.state == LinkState.UNLINKED.value:
        return row
    former = " + ".join(format_plan_ref(side, plan_id) for side in Side if (plan_id := row.plan_id(side)))
    # Freeing the plan ids lets a person choose for those plans again.
    row.perfectquote_plan_id = None
    row.benefitpoint_plan_id = None
    return set_link_state(session, row, LinkState.UNLINKED, error=f"unlinked (was {former})")
