"""The one place plan-sync state is read and written: every function takes a SQLAlchemy Session.

Functions that change state commit their own unit of work, so each is a recovery point
(`mark_create_intent` is durable before the create call is made). The exceptions are
`log_change`, `log_write`, `record_conflict` and `mark_settlements_applied`: they flush, and are
committed with the link's next committing call (`advance_baselines`, `set_link_state`) or with
`finish_run`, so a write's change-log rows land together with its baselines.
Refusals raise `StorageError` subclasses whose message names the record and the problem.
"""

from __future__ import annotations

from reconciliation.states import ConflictStatus, Direction, LinkState, RunOutcome
from reconciliation.storage.accounts import AccountRecord, account_count, search_accounts, upsert_accounts
from reconciliation.storage.conflicts import (
    get_conflict,
    mark_settlements_applied,
    open_conflicts,
    record_conflict,
    settle_conflict,
    settlements_for_link,
)
from reconciliation.storage.errors import (
    ConflictNotOpen,
    GroupAlreadyConnected,
    InvalidLinkEntry,
    PlanAlreadyLinked,
    RecordNotFound,
    StaleLink,
    StorageError,
)
from reconciliation.storage.feeds import get_watermark, set_watermark
from reconciliation.storage.groups import (
    GroupRef,
    connect_group,
    get_group,
    get_group_by_account_id,
    get_group_by_pq_id,
    group_ids_for_accounts,
    group_ids_for_plans,
    groups_by_plan,
    list_groups,
    set_conflict_policy,
)
from reconciliation.storage.link_removal import unlink
from reconciliation.storage.links import (
    LinkRef,
    add_links,
    advance_baselines,
    create_intent,
    get_link,
    link_entry,
    links_for_group,
    mark_create_intent,
    new_link_id,
    pending_creates,
    record_created,
    set_link_state,
)
from reconciliation.storage.runs import (
    RunCounts,
    RunRef,
    changes_for_link,
    changes_for_run,
    finish_run,
    get_run,
    last_unreviewed_count,
    log_change,
    log_write,
    recent_runs,
    run_counts,
    start_run,
)
from reconciliation.storage.tables import (
    CachedAccount,
    ChangeLogEntry,
    Conflict,
    GroupConnection,
    PlanLink,
    SyncRun,
)

__all__ = [
    "AccountRecord",
    "CachedAccount",
    "ChangeLogEntry",
    "Conflict",
    "ConflictNotOpen",
    "ConflictStatus",
    "Direction",
    "GroupAlreadyConnected",
    "GroupConnection",
    "GroupRef",
    "InvalidLinkEntry",
    "LinkRef",
    "LinkState",
    "PlanAlreadyLinked",
    "PlanLink",
    "RecordNotFound",
    "RunCounts",
    "RunOutcome",
    "RunRef",
    "StaleLink",
    "StorageError",
    "SyncRun",
    "account_count",
    "add_links",
    "advance_baselines",
    "changes_for_link",
    "changes_for_run",
    "connect_group",
    "create_intent",
    "finish_run",
    "get_conflict",
    "get_group",
    "get_group_by_account_id",
    "get_group_by_pq_id",
    "get_link",
    "get_run",
    "get_watermark",
    "group_ids_for_accounts",
    "group_ids_for_plans",
    "groups_by_plan",
    "last_unreviewed_count",
    "link_entry",
    "links_for_group",
    "list_groups",
    "log_change",
    "log_write",
    "mark_create_intent",
    "mark_settlements_applied",
    "new_link_id",
    "open_conflicts",
    "pending_creates",
    "recent_runs",
    "record_conflict",
    "record_created",
    "run_counts",
    "search_accounts",
    "set_conflict_policy",
    "set_link_state",
    "set_watermark",
    "settle_conflict",
    "settlements_for_link",
    "start_run",
    "unlink",
    "upsert_accounts",
]
