"""How the demo prints: chapters, short plain lines, one line per finished sync run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TextIO

from reconciliation.records import Change, Run

CHANGES_SHOWN = 4
VALUE_WIDTH = 40


def _short(value: Any) -> str:
    text = "-" if value is None else str(value)
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 3] + "..."


class Narrator:
    """Writes the story to `out`; `pause()` is the fast clock's beat, so a reader can keep up."""

    def __init__(self, out: TextIO, *, pace_s: float) -> None:
        self.out = out
        self.pace_s = pace_s
        self.chapters = 0
        self.problems: list[str] = []

    def chapter(self, title: str) -> None:
        self.chapters += 1
        self._write(f"\n{self.chapters}. {title}")

    def say(self, text: str) -> None:
        self._write(f"   {text}")

    def pause(self) -> None:
        time.sleep(self.pace_s)

    def check(self, holds: bool, *, ok: str, problem: str) -> bool:
        """A fact the story relies on: said when it holds, kept (and said) as a problem when not."""
        if holds:
            self.say(f"ok: {ok}")
        else:
            self.problem(problem)
        return holds

    def problem(self, text: str) -> None:
        """Something went wrong: said at once, and it makes the demo exit non-zero."""
        self.problems.append(text)
        self.say(f"PROBLEM: {text}")

    def table(self, rows: Sequence[Sequence[Any]], *, headers: Sequence[str]) -> None:
        cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
        for row in cells:
            self._write("     " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

    def run(self, run: Run, *, changes: Sequence[Change]) -> None:
        """One finished sync run, read back from the runs table, with the first fields it wrote."""
        done = run.counts
        counts = (f"read {done.read}, created {done.created}, updated {done.updated}, "
                  f"conflicts {done.conflicts}, errors {done.errors}")
        error = f" ({run.error})" if run.error else ""
        self.say(f"sync run #{run.id} [{run.trigger}] {run.outcome.value}: {counts}{error}")
        for change in changes[:CHANGES_SHOWN]:
            before, after = _short(change.before), _short(change.after)
            self.say(f"  {change.direction.value} {change.path}: {before} -> {after}")
        hidden = len(changes) - CHANGES_SHOWN
        if hidden > 0:
            self.say(f"  ... and {hidden} more fields ('plansync changes grp_001' lists them all)")

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
