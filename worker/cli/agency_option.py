"""`--agency NAME`, taken by every command: the agency it is about (default: the only one in service)."""

from __future__ import annotations

from contextvars import ContextVar

AGENCY_FLAG = "--agency"
AGENCY_VARIABLE = "PLANSYNC_AGENCY"
HELP = (f"The agency the command is about (or {AGENCY_VARIABLE}); default: the only one. Goes before or "
        "after the command.")
# Commands that name their agency themselves: `agencies ...` by its argument, `catalogue ...` by its own
# --agency; the services run every enabled agency.
OWN_AGENCY = frozenset({"agencies", "catalogue", "worker", "clock"})

_chosen: ContextVar[str | None] = ContextVar("chosen_agency", default=None)


def choose(name: str | None) -> None:
    _chosen.set(name.strip() if name and name.strip() else None)


def chosen_agency() -> str | None:
    """The agency named with --agency (or PLANSYNC_AGENCY); None: the only one in service."""
    return _chosen.get()


def hoisted(args: list[str]) -> list[str]:
    """The command line with an --agency given after the command moved before it, where the global option
    is read (`plansync sync G --agency acme` is `plansync --agency acme sync G`)."""
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command is None or command in OWN_AGENCY or "--" in args:
        return list(args)
    start = args.index(command)
    head, tail = list(args[:start]), list(args[start:])
    moved: list[str] = []
    index = 0
    while index < len(tail):
        arg = tail[index]
        if arg == AGENCY_FLAG and index + 1 < len(tail):
            moved += tail[index:index + 2]
            del tail[index:index + 2]
        elif arg.startswith(AGENCY_FLAG + "="):
            moved.append(tail.pop(index))
        else:
            index += 1
    return head + moved + tail
