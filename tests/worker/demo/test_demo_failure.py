"""A demo whose story breaks says so, shuts its world down and exits non-zero."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from worker.demo import runner
from worker.demo.cast import Cast
from worker.runtime.process_context import installed_context


def _broken(cast: Cast) -> None:
    cast.say.chapter("A chapter that cannot go on")
    raise RuntimeError("BenefitPoint is gone")


def test_a_broken_story_is_a_problem_and_the_world_is_stopped(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CHAPTERS", (_broken,))
    out = io.StringIO()
    result = runner.run_demo(directory=tmp_path, pace_s=0.0, keep=False, out=out)
    assert result.exit_code == 1
    assert result.problems == ["the demo stopped in chapter 1: RuntimeError: BenefitPoint is gone"]
    assert not result.world.database_path.exists()
    assert installed_context() is None
    with pytest.raises(httpx.ConnectError):
        httpx.get(result.world.sandboxes.benefitpoint_url + "/_sandbox/faults", timeout=2.0)
