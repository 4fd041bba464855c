"""The second instance: another agency's BenefitPoint, with ids and descriptions of its own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from connectors.sandbox.benefitpoint.app import create_app
from connectors.sandbox.benefitpoint.instances import catalog_for
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from connectors.sandbox.launcher import start_sandboxes
from connectors.sandbox.server import ServerThread
from tests.sandbox.benefitpoint.soap_client import answer, call, session_of
from worker.cli.app import app

ACME = EMPLOYERS[0]


@pytest.fixture(scope="module")
def second() -> Iterator[tuple[httpx.Client, str]]:
    with ServerThread(create_app(seed=0, instance="second")) as server, \
            httpx.Client(base_url=server.url, timeout=10.0) as http:
        yield http, session_of(http)


def _list(second: tuple[httpx.Client, str], operation: str, body: str = "") -> list[dict[str, str]]:
    client, session = second
    response = call(client, operation, body, session=session)
    assert response.status_code == 200, response.text
    return [{child.tag.rsplit("}", 1)[-1]: child.text or "" for child in item}
            for item in answer(response, operation)]


def test_its_product_types_carriers_and_attributes_are_its_own(second: tuple[httpx.Client, str]) -> None:
    types = {int(t["productTypeID"]): t["description"] for t in _list(second, "getProductTypes")}
    default_ids = {entry.id for entry in catalog_for("default").product_types}
    assert not default_ids & set(types)
    assert types[5101] == "Medical PPO" and types[5102] == "MEDICAL - HMO"
    carriers = {int(c["carrierID"]): c["carrierName"] for c in _list(second, "getAvailableCarriers")}
    assert carriers[7102] == "Anthem Blue Cross" and 101 not in carriers
    structure = _list(second, "getBenefitSummaryStructure", "<planTypeID>5101</planTypeID>")
    assert {"attributeID": "61001", "description": "Deductible (Individual)", "UOM": "Dollars"} in structure


def test_a_default_id_is_unknown_to_it(second: tuple[httpx.Client, str]) -> None:
    client, session = second
    response = call(client, "getBenefitSummaryStructure", "<planTypeID>1</planTypeID>", session=session)
    assert response.status_code == 500 and "plan type 1" in response.text


def test_its_seeded_products_use_its_ids(second: tuple[httpx.Client, str]) -> None:
    products = _list(second, "findProducts",
                     f"<criteria><accountID>{ACME.benefitpoint_account_id}</accountID></criteria>")
    assert sorted(p["name"] for p in products) == sorted(s.benefitpoint.name for s in seed_plans(ACME)
                                                         if s.benefitpoint)
    catalog = catalog_for("second")
    assert {int(p["productTypeID"]) for p in products} <= {t.id for t in catalog.product_types}
    assert {int(p["carrierID"]) for p in products} <= {c.id for c in catalog.carriers}
    summaries = create_app(seed=0, instance="second").state.store.summaries.values()
    attribute_ids = {value["attributeID"] for summary in summaries for value in summary["attributeValues"]}
    assert attribute_ids and attribute_ids <= {a.attribute_id for entries in catalog.attribute_tables.values()
                                               for a in entries}
    assert min(attribute_ids) > 60000


def test_an_unknown_instance_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'third' is not one of default, second"):
        start_sandboxes(benefitpoint_instance="third")
    refused = CliRunner().invoke(app, ["sandbox", "--benefitpoint-instance", "third"])
    assert refused.exit_code == 2
    assert "'third' is not one of default, second" in refused.output
