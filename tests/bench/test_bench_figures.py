"""The benches' own arithmetic: nearest-rank percentiles, and CPU time read from /proc."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.freshness_edits import percentile
from bench.stack import cpu_s, tree


@pytest.mark.parametrize(("share", "expected"), [(0.5, 50.0), (0.95, 95.0), (0.99, 99.0), (1.0, 100.0)])
def test_percentiles_are_nearest_rank(share: float, expected: float) -> None:
    values = [float(value) for value in range(100, 0, -1)]
    assert percentile(values, share) == expected


def test_a_single_value_is_every_percentile() -> None:
    assert percentile([7.5], 0.5) == percentile([7.5], 0.99) == 7.5


def test_cpu_time_counts_a_process_and_the_children_it_reaped() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    script = (f"import subprocess, sys, time; subprocess.run([sys.executable, '-c', {burn!r}]); "
              "print('done', flush=True); time.sleep(30)")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "done"
        assert tree(parent.pid) == [parent.pid]
        assert 0.3 <= cpu_s([parent.pid]) < 5
    finally:
        parent.kill()
        parent.wait()
