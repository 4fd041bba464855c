"""Plan snapshots and the versions the feeds named, stored on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from reconciliation.known_plans import EntityVersions, FeedEntity
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.snapshots import snapshots_of

BP = Side.BENEFITPOINT
PRODUCT, SUMMARY, RATE = ("Product", "700001"), ("Benefit_Summary", "800001"), ("Rate", "900001")
NATIVE = {"product": {"productID": "700001"}, "benefit_summary": {"benefitSummaryID": "800001"}, "rates": []}


def _named(key: tuple[str, str], version: str | None, *, plan_id: str | None = "700001") -> FeedEntity:
    return FeedEntity(side=BP, entity_type=key[0], entity_id=key[1], plan_id=plan_id, owner_id="48201",
                      version=version)


def _remember(session: Session, *, product: str, summary: str | None,
              read: dict[tuple[str, str], str | None] | None = None) -> None:
    record = repo.PlanRecord(side=BP, plan_id="700001", owner_id="48201", version=f"v-{product}-{summary}",
                             native=NATIVE, parts={PRODUCT: product, SUMMARY: summary}, read=read or {})
    repo.remember_plans(session, [record])


def test_a_version_named_again_or_already_held_is_no_news(session: Session) -> None:
    _remember(session, product="t1", summary="s1")

    news = repo.note_named(session, BP, [_named(PRODUCT, "t1"), _named(SUMMARY, "s2"), _named(RATE, "r1")])

    assert [entity.key for entity in news] == [SUMMARY, RATE]
    # The feed's overlap names the same versions again: nothing is news any more.
    again = [_named(PRODUCT, "t1"), _named(SUMMARY, "s2"), _named(RATE, "r1")]
    assert repo.note_named(session, BP, again) == []
    # A feed entry without a version is always news.
    assert [e.key for e in repo.note_named(session, BP, [_named(SUMMARY, None), _named(SUMMARY, None)])] == [
        SUMMARY]
    assert [e.key for e in repo.note_named(session, BP, [_named(SUMMARY, None)])] == [SUMMARY]


def test_the_feeds_overlap_naming_the_same_versions_again_writes_nothing(session: Session) -> None:
    _remember(session, product="t1", summary="s1")
    repo.note_named(session, BP, [_named(PRODUCT, "t1"), _named(SUMMARY, "s2")])
    written: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            written.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert repo.note_named(session, BP, [_named(PRODUCT, "t1"), _named(SUMMARY, "s2")]) == []
        assert written == []
        # A newer version of one of them is written, and only that one.
        news = repo.note_named(session, BP, [_named(PRODUCT, "t1"), _named(SUMMARY, "s3")])
        assert [entity.key for entity in news] == [SUMMARY]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(written) == 1 and "REMOTE_ENTITIES" in written[0].upper()
    assert repo.plan_snapshots(session, BP, ["700001"])["700001"].entities[SUMMARY].named == "s3"


def test_a_known_entity_is_news_with_its_plan_even_when_the_feed_does_not_say_it(session: Session) -> None:
    _remember(session, product="t1", summary="s1")
    [news] = repo.note_named(session, BP, [_named(SUMMARY, "s2", plan_id=None)])
    assert news.plan_id == "700001"
    assert repo.entity_owners(session, BP, [SUMMARY, RATE]) == {SUMMARY: ("700001", "48201")}


def test_the_snapshot_tells_which_parts_changed_since(session: Session) -> None:
    _remember(session, product="t1", summary="s1")
    repo.note_named(session, BP, [_named(PRODUCT, "t1"), _named(SUMMARY, "s2")])

    snapshot = repo.plan_snapshots(session, BP, ["700001", "700404"])["700001"]

    assert (snapshot.stored, snapshot.native, snapshot.named) == (True, NATIVE, True)
    assert snapshot.changed() == [SUMMARY]
    assert snapshot.entities[PRODUCT] == EntityVersions(known="t1", named="t1")


def test_a_part_read_again_is_no_longer_changed_unless_named_anew_meanwhile(
        session: Session, session_factory: sessionmaker) -> None:
    _remember(session, product="t1", summary="s1")
    repo.note_named(session, BP, [_named(SUMMARY, "s2"), _named(PRODUCT, "t2")])
    session.commit()
    observed = repo.plan_snapshots(session, BP, ["700001"])["700001"].named_versions()
    # While the run reads, another feed cycle names a newer product version.
    with session_factory.begin() as feed:
        repo.note_named(feed, BP, [_named(PRODUCT, "t3")])

    _remember(session, product="t2", summary=None, read=observed)
    session.commit()

    snapshot = repo.plan_snapshots(session, BP, ["700001"])["700001"]
    # The summary carried no version of its own: it is known at the version named before the read.
    assert snapshot.entities[SUMMARY] == EntityVersions(known="s2", named="s2")
    assert snapshot.changed() == [PRODUCT]  # t3 was named after the read began: read again next time


def test_a_part_read_again_and_gone_is_forgotten(session: Session) -> None:
    _remember(session, product="t1", summary="s1")
    repo.note_named(session, BP, [_named(SUMMARY, "deleted:x")])
    observed = repo.plan_snapshots(session, BP, ["700001"])["700001"].named_versions()
    repo.remember_plans(session, [repo.PlanRecord(side=BP, plan_id="700001", owner_id="48201", version="v2",
                                                  native=NATIVE, parts={PRODUCT: "t1"}, read=observed)])
    snapshot = repo.plan_snapshots(session, BP, ["700001"])["700001"]
    assert (set(snapshot.entities), snapshot.changed(), snapshot.version) == ({PRODUCT}, [], "v2")


def test_versions_named_before_any_snapshot_are_kept_for_the_first_read(session: Session) -> None:
    repo.note_named(session, BP, [_named(PRODUCT, "t1")])
    snapshot = repo.plan_snapshots(session, BP, ["700001"])["700001"]
    assert (snapshot.stored, snapshot.named, snapshot.changed()) == (False, True, [PRODUCT])


def test_snapshots_of_both_systems_are_read_together(session: Session) -> None:
    _remember(session, product="t1", summary="s1")
    repo.remember_plans(session, [repo.PlanRecord(side=Side.PERFECTQUOTE, plan_id="700001",
                                                  owner_id="grp_001", version="7", native={"id": "700001"},
                                                  parts={("Plan", "700001"): "7"}, read={})])

    found = snapshots_of(session, [(BP, "700001"), (Side.PERFECTQUOTE, "700001"), (BP, "700404")])

    # The same plan id on the two systems is two plans; a plan with nothing stored is absent.
    assert set(found) == {(BP, "700001"), (Side.PERFECTQUOTE, "700001")}
    assert found[(Side.PERFECTQUOTE, "700001")].version == "7"
    assert found[(BP, "700001")] == repo.plan_snapshots(session, BP, ["700001"])["700001"]
    assert set(found[(BP, "700001")].entities) == {PRODUCT, SUMMARY}
