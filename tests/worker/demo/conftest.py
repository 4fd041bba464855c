"""One demo run per module, and clients that read the sandboxes' state after it (real HTTP)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from connectors.benefitpoint import BenefitPointConnector
from connectors.perfectquote import PerfectQuoteConnector
from connectors.sandbox.launcher import BENEFITPOINT_PASSWORD, BENEFITPOINT_USERNAME, PERFECTQUOTE_TOKEN
from connectors.sandbox.server import ServerThread
from worker.demo.runner import DemoResult, run_demo


@dataclass
class Finished:
    """The demo's result, its database, its printed story, and the sandboxes served again for reading."""

    result: DemoResult
    sessions: sessionmaker[Session]
    story: str
    perfectquote: PerfectQuoteConnector
    benefitpoint: BenefitPointConnector


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Finished]:
    out = io.StringIO()
    result = run_demo(directory=tmp_path_factory.mktemp("demo"), pace_s=0.0, keep=True, out=out)
    world = result.world
    engine = make_engine(f"sqlite:///{world.database_path}")
    sandboxes = world.sandboxes
    with ServerThread(sandboxes.perfectquote_app) as pq, ServerThread(sandboxes.benefitpoint_app) as bp:
        perfectquote = PerfectQuoteConnector(base_url=f"{pq.url}/api/v1", token=PERFECTQUOTE_TOKEN)
        benefitpoint = BenefitPointConnector(base_url=bp.url, username=BENEFITPOINT_USERNAME,
                                             password=BENEFITPOINT_PASSWORD)
        yield Finished(result=result, sessions=make_session_factory(engine), story=out.getvalue(),
                       perfectquote=perfectquote, benefitpoint=benefitpoint)
        perfectquote.close()
        benefitpoint.close()
    engine.dispose()
