"""The one place plan-sync state is read and written: `from reconciliation.storage import repository as repo`.

Every function takes a SQLAlchemy Session first and returns domain values (`reconciliation.records`:
Group, Link, Run, Change, Conflict, Account), never ORM rows. No function commits: each adds and
flushes, and the service layer owns the transaction, committing at each recovery point (the create
intent before the create call, a confirmed write's change-log rows, alone or with the link's baselines
and its settled conflicts, a run row in `running`). A flush that breaks a stored-state rule raises a
`StorageError` subclass whose message names the record and the problem (a unique constraint:
`PlanAlreadyLinked`, `GroupAlreadyConnected`; a link changed by another session since its value was
read: `StaleLink`); the caller rolls the session back.

Groups are named by their PerfectQuote group id (`group_id`), links by their link id, runs and
conflicts by their integer ids. A link is written from the value last read of it (its `version`).
"""

from __future__ import annotations

from reconciliation.records import Account, Change, Conflict, CreateIntent, Group, Link, Run, RunCounts
from reconciliation.states import ConflictStatus, Direction, LinkState, RunOutcome
from reconciliation.storage.accounts import account_count, search_accounts, upsert_accounts
from reconciliation.storage.conflicts import (
    conflicts_of_run,
    get_conflict,
    mark_settlements_applied,
    open_conflict_count,
    open_conflicts,
    record_conflict,
    settle_conflict,
    settlements_for_link,
)
from reconciliation.storage.entities import entity_owners, note_named
from reconciliation.storage.errors import (
    ConflictNotOpen,
    FenceMoved,
    GroupAlreadyConnected,
    InvalidLinkEntry,
    PlanAlreadyLinked,
    RecordNotFound,
    StaleLink,
    StorageError,
)
from reconciliation.storage.feeds import (
    add_pending,
    claim_pending,
    get_watermark,
    pending_for_group,
    replace_unreadable,
    set_watermark,
    settle_pending,
    take_due_pending,
    unreadable_changes,
)
from reconciliation.storage.fences import fence_token, next_fence_token, register_fence
from reconciliation.storage.groups import (
    connect_group,
    find_group,
    find_group_by_account,
    get_group,
    group_ids_for_accounts,
    group_ids_for_plans,
    groups_by_plan,
    list_groups,
    set_conflict_policy,
)
from reconciliation.storage.links import (
    add_links,
    advance_baselines,
    get_link,
    group_links,
    link_counts_by_state,
    links_for_group,
    mark_create_intent,
    new_link_id,
    pending_creates,
    record_created,
    set_link_state,
    unlink,
)
from reconciliation.storage.runs import (
    changes_for_link,
    changes_for_run,
    finish_run,
    get_run,
    last_success_by_group,
    last_unreviewed_count,
    log_change,
    log_write,
    mark_not_applied,
    recent_runs,
    start_run,
)
from reconciliation.storage.snapshots import PlanRecord, plan_snapshots, remember_plans

__all__ = [
    "Account",
    "Change",
    "Conflict",
    "ConflictNotOpen",
    "ConflictStatus",
    "CreateIntent",
    "Direction",
    "FenceMoved",
    "Group",
    "GroupAlreadyConnected",
    "InvalidLinkEntry",
    "Link",
    "LinkState",
    "PlanAlreadyLinked",
    "PlanRecord",
    "RecordNotFound",
    "Run",
    "RunCounts",
    "RunOutcome",
    "StaleLink",
    "StorageError",
    "account_count",
    "add_links",
    "add_pending",
    "advance_baselines",
    "changes_for_link",
    "changes_for_run",
    "claim_pending",
    "conflicts_of_run",
    "connect_group",
    "entity_owners",
    "fence_token",
    "find_group",
    "find_group_by_account",
    "finish_run",
    "get_conflict",
    "get_group",
    "get_link",
    "get_run",
    "get_watermark",
    "group_ids_for_accounts",
    "group_ids_for_plans",
    "group_links",
    "groups_by_plan",
    "last_success_by_group",
    "last_unreviewed_count",
    "link_counts_by_state",
    "links_for_group",
    "list_groups",
    "log_change",
    "log_write",
    "mark_create_intent",
    "mark_not_applied",
    "mark_settlements_applied",
    "new_link_id",
    "next_fence_token",
    "note_named",
    "open_conflict_count",
    "open_conflicts",
    "pending_creates",
    "pending_for_group",
    "plan_snapshots",
    "recent_runs",
    "record_conflict",
    "record_created",
    "register_fence",
    "remember_plans",
    "replace_unreadable",
    "search_accounts",
    "set_conflict_policy",
    "set_link_state",
    "set_watermark",
    "settle_conflict",
    "settle_pending",
    "settlements_for_link",
    "start_run",
    "take_due_pending",
    "unlink",
    "unreadable_changes",
    "upsert_accounts",
]
