"""The link map: reading TOML, plan references, checking a map as a whole, finding unreviewed plans."""

from __future__ import annotations

import pytest

from reconciliation.decisions import Choice
from reconciliation.link_map import (
    LinkEntry,
    LinkMapError,
    load_link_map,
    parse_plan_ref,
    unreviewed,
    validate_link_map,
)
from reconciliation.side import Side

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
PQ_IDS = ("pln_01", "pln_02", "pln_03")
BP_IDS = ("90211", "90212", "90213")

EXAMPLE = """
[[merge]]
perfectquote = "pln_01"
benefitpoint = "90211"
source_of_truth = "perfectquote"

[[copy]]
plan = "pq:pln_02"

[[skip]]
plan = "bp:90212"
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(LinkMapError) as raised:
        load_link_map(text)
    return raised.value.problems


def validation_problems(entries: list[LinkEntry], existing: tuple[LinkEntry, ...] = ()) -> list[str]:
    with pytest.raises(LinkMapError) as raised:
        validate_link_map(
            entries, perfectquote_plan_ids=PQ_IDS, benefitpoint_plan_ids=BP_IDS, existing=existing
        )
    return raised.value.problems


def test_a_map_file_reads_as_entries() -> None:
    assert load_link_map(EXAMPLE) == [
        LinkEntry.merge("pln_01", "90211", source_of_truth=PQ),
        LinkEntry.copy(PQ, "pln_02"),
        LinkEntry.skip(BP, "90212"),
    ]


def test_merge_ids_may_be_numbers_or_references_of_their_own_system() -> None:
    text = '[[merge]]\nperfectquote = "pq:pln_01"\nbenefitpoint = 90211\nsource_of_truth = "BP"\n'
    assert load_link_map(text) == [LinkEntry.merge("pln_01", "90211", source_of_truth=BP)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("pq:pln_1", (PQ, "pln_1")), ("bp:90211", (BP, "90211")), (" PQ: pln_1 ", (PQ, "pln_1"))],
)
def test_plan_references_name_the_system_then_the_id(text: str, expected: tuple[Side, str]) -> None:
    assert parse_plan_ref(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pln_1", "must start with pq: (PerfectQuote) or bp: (BenefitPoint)"),
        ("xx:pln_1", "must start with pq: (PerfectQuote) or bp: (BenefitPoint)"),
        ("bp:", "the plan id after bp: is empty"),
        (42, "must be text like pq:ID or bp:ID"),
    ],
)
def test_a_bad_plan_reference_says_what_is_wrong(text: object, problem: str) -> None:
    with pytest.raises(LinkMapError, match="plan reference") as raised:
        parse_plan_ref(text)
    assert problem in raised.value.problems[0]


def test_not_toml_is_reported() -> None:
    assert problems_of("[[merge]\n")[0].startswith("not valid TOML:")


def test_unknown_tables_and_single_tables_are_reported() -> None:
    assert problems_of('[[link]]\nplan = "pq:pln_01"\n[skip]\nplan = "pq:pln_02"\n') == [
        "link: unknown table; a link map has only [[merge]], [[copy]] and [[skip]]",
        "skip: must be written as [[skip]] tables",
    ]


def test_unknown_and_missing_keys_name_the_entry() -> None:
    text = '[[copy]]\nplan = "pq:pln_01"\n[[copy]]\nplna = "pq:pln_02"\n[[merge]]\nperfectquote = "pln_03"\n'
    assert problems_of(text) == [
        "copy[1]: unknown key 'plna'; expected plan",
        "copy[1]: missing key 'plan'",
        "merge[0]: missing key 'benefitpoint'",
        "merge[0]: missing key 'source_of_truth'",
    ]


def test_a_source_of_truth_that_is_neither_side_is_reported() -> None:
    text = '[[merge]]\nperfectquote = "pln_01"\nbenefitpoint = "90211"\nsource_of_truth = "both"\n'
    assert problems_of(text) == [
        "merge[0]: source_of_truth = 'both' is neither perfectquote nor benefitpoint"
    ]


def test_a_merge_of_two_plans_of_one_system_is_reported() -> None:
    text = '[[merge]]\nperfectquote = "pq:pln_01"\nbenefitpoint = "pq:pln_02"\nsource_of_truth = "pq"\n'
    assert problems_of(text) == [
        "merge[0]: benefitpoint = 'pq:pln_02' names a perfectquote plan; "
        "a merge links one perfectquote plan and one benefitpoint plan"
    ]


def test_bad_values_are_reported_for_every_entry_at_once() -> None:
    text = (
        '[[merge]]\nperfectquote = ""\nbenefitpoint = true\nsource_of_truth = "pq"\n'
        '[[copy]]\nplan = "pln_02"\n[[skip]]\nplan = "bp:"\n'
    )
    problems = problems_of(text)
    assert problems == [
        "merge[0]: perfectquote = '' is not a plan id",
        "merge[0]: benefitpoint = True is not a plan id",
        "copy[0]: plan reference 'pln_02': must start with pq: (PerfectQuote) or bp: (BenefitPoint)",
        "skip[0]: plan reference 'bp:': the plan id after bp: is empty",
    ]


def test_a_map_of_existing_distinct_plans_is_valid() -> None:
    validate_link_map(load_link_map(EXAMPLE), perfectquote_plan_ids=PQ_IDS, benefitpoint_plan_ids=BP_IDS)


def test_a_plan_in_two_entries_is_reported() -> None:
    entries = [LinkEntry.merge("pln_01", "90211", source_of_truth=PQ), LinkEntry.skip(PQ, "pln_01")]
    assert validation_problems(entries) == [
        "skip[0] (pq:pln_01): pq:pln_01 is already in merge[0] (pq:pln_01 + bp:90211)"
    ]


def test_a_plan_already_in_a_stored_entry_is_reported() -> None:
    stored = (LinkEntry.copy(BP, "90212"),)
    entries = [LinkEntry.merge("pln_01", "90212", source_of_truth=BP)]
    assert validation_problems(entries, existing=stored) == [
        "merge[0] (pq:pln_01 + bp:90212): bp:90212 is already in stored entry copy bp:90212"
    ]


def test_reapplying_a_stored_entry_or_choosing_for_an_unreviewed_plan_is_no_clash() -> None:
    stored = (LinkEntry.copy(BP, "90212"), LinkEntry.unreviewed(PQ, "pln_03"))
    entries = [LinkEntry.copy(BP, "90212"), LinkEntry.skip(PQ, "pln_03")]
    validate_link_map(entries, perfectquote_plan_ids=PQ_IDS, benefitpoint_plan_ids=BP_IDS, existing=stored)


def test_a_link_to_a_plan_the_system_does_not_have_is_reported() -> None:
    entries = [LinkEntry.merge("pln_09", "90211", source_of_truth=PQ), LinkEntry.copy(BP, "pln_01")]
    assert validation_problems(entries) == [
        "merge[0] (pq:pln_09 + bp:90211): pq:pln_09 is not a perfectquote plan of this group",
        "copy[0] (bp:pln_01): bp:pln_01 is not a benefitpoint plan of this group",
    ]


def test_entries_built_in_code_are_checked_for_shape() -> None:
    entries = [
        LinkEntry(choice=Choice.MERGE, perfectquote_plan_id="pln_01", source_of_truth=PQ),
        LinkEntry(choice=Choice.MERGE, perfectquote_plan_id="pln_02", benefitpoint_plan_id="90211"),
        LinkEntry(
            choice=Choice.MERGE,
            perfectquote_plan_id="pln_03",
            benefitpoint_plan_id="90212",
            source_of_truth="both",  # type: ignore[arg-type]
        ),
        LinkEntry(choice=Choice.COPY, benefitpoint_plan_id="90213", source_of_truth=PQ),
    ]
    assert validation_problems(entries) == [
        "merge[0] (pq:pln_01): a merge links one perfectquote plan and one benefitpoint plan",
        "merge[1] (pq:pln_02 + bp:90211): a merge needs a source of truth (perfectquote or benefitpoint)",
        "merge[2] (pq:pln_03 + bp:90212): source of truth 'both' is neither perfectquote nor benefitpoint",
        "copy[0] (bp:90213): a copy is copied from the side of its plan",
    ]


def test_one_bad_entry_makes_the_whole_map_invalid_and_every_problem_is_listed() -> None:
    entries = [
        LinkEntry.merge("pln_01", "90211", source_of_truth=PQ),
        LinkEntry.copy(PQ, "pln_02"),
        LinkEntry.skip(BP, "90299"),
        LinkEntry.copy(BP, "90211"),
    ]
    with pytest.raises(LinkMapError) as raised:
        validate_link_map(entries, perfectquote_plan_ids=PQ_IDS, benefitpoint_plan_ids=BP_IDS)
    assert len(raised.value.problems) == 2
    assert str(raised.value).startswith("link map has 2 problems:\n  - skip[0] (bp:90299)")


def test_unreviewed_lists_plans_no_choice_mentions() -> None:
    entries = [*load_link_map(EXAMPLE), LinkEntry.unreviewed(BP, "90213")]
    assert unreviewed(entries, perfectquote_plan_ids=PQ_IDS, benefitpoint_plan_ids=BP_IDS) == [
        (PQ, "pln_03"),
        (BP, "90213"),
    ]
