"""`--merge PQ_PLAN BP_PLAN`, repeatable; each plan bare or prefixed `pq:`/`bp:` as for `--copy`/`--skip`."""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand

from reconciliation.link_entry import parse_plan_ref
from reconciliation.side import Side

try:  # Typer carries its own copy of Click from 0.2x on.
    from typer._click.exceptions import BadOptionUsage
except ImportError:  # pragma: no cover - an older Typer on Click
    from click.exceptions import BadOptionUsage

MERGE = "--merge"
PREFIXES = frozenset(side.short for side in Side)
PAIR_SEPARATOR = "\x00"  # never in a command line argument, so it cannot be part of a plan id
NEEDS_TWO = "--merge needs two plans: PQ_PLAN BP_PLAN (bare, or as pq:ID bp:ID in either order)"


class PairedMergeCommand(TyperCommand):
    """Click takes an option of two values only once; this command joins each `--merge A B` into one
    value first, so that the option can be given again and again."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, join_merge_pairs(args, ctx=ctx))


def join_merge_pairs(args: list[str], *, ctx: Any = None) -> list[str]:
    joined: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return joined + args[index:]
        if arg != MERGE:
            joined.append(arg)
            index += 1
            continue
        pair = args[index + 1:index + 3]
        if len(pair) < 2 or any(value.startswith("-") for value in pair):
            raise BadOptionUsage(MERGE, NEEDS_TWO, ctx=ctx)
        joined += [MERGE, PAIR_SEPARATOR.join(pair)]
        index += 3
    return joined


def merge_pair(value: str) -> tuple[str, str]:
    """(PerfectQuote plan id, BenefitPoint plan id) of one `--merge`: bare ids are PerfectQuote's then
    BenefitPoint's; a prefixed id says its own side, and a bare one beside it is the other side's."""
    first, _, second = value.partition(PAIR_SEPARATOR)
    if not second:
        raise ValueError(NEEDS_TWO)
    (side_a, id_a), (side_b, id_b) = _side_of(first), _side_of(second)
    if side_a is None and side_b is None:
        return id_a, id_b
    if side_a is not None and side_a is side_b:
        raise ValueError(f"--merge {first} {second}: both plans are {side_a.value}'s; give one of each")
    first_side = side_a if side_a is not None else side_b.other  # type: ignore[union-attr]
    return (id_a, id_b) if first_side is Side.PERFECTQUOTE else (id_b, id_a)


def _side_of(text: str) -> tuple[Side | None, str]:
    prefix, colon, _ = text.strip().partition(":")
    if colon and prefix.strip().lower() in PREFIXES:
        return parse_plan_ref(text)
    return None, text.strip()
