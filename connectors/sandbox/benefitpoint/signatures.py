"""The operations of each endpoint: parameters and the shape of the answer."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.sandbox.benefitpoint.schema import BC_NS, Field, fields_from

LOGIN_PATH = "/aptusConnect/services/LoginV2SOAP"
BROKER_PATH = "/aptusConnect/services/BrokerConnectV4SOAP"


@dataclass(frozen=True, slots=True)
class Operation:
    """`answer` is the element under `<name>Response`; a list answer repeats it per item."""

    name: str
    path: str
    params: tuple[Field, ...]
    answer_type: str
    answer_element: str
    is_list: bool = False

    @property
    def soap_action(self) -> str:
        return f"{BC_NS}/{self.name}"

    @property
    def needs_session(self) -> bool:
        return self.path == BROKER_PATH


def _list(name: str, params: str, item_type: str) -> Operation:
    return Operation(name, BROKER_PATH, fields_from(params), item_type, item_type, is_list=True)


def _single(name: str, params: str, answer_type: str) -> Operation:
    return Operation(name, BROKER_PATH, fields_from(params), answer_type, answer_type)


_ALL = (
    Operation("login", LOGIN_PATH, fields_from("username:string! password:string!"), "LoginResult", "result"),
    _list("findAccounts", "criteria:AccountSearchCriteria", "AccountSummary"),
    _single("getAccount", "accountID:int!", "Account"),
    _list("getAvailableCarriers", "", "CarrierSummary"),
    _list("getProductTypes", "", "ProductType"),
    _list("findProducts", "criteria:ProductSearchCriteria!", "ProductSummary"),
    _single("getProduct", "productID:int!", "Product"),
    _single("createProduct", "product:Product! planConfigurationOptions:PlanConfigurationOptions",
            "Result"),
    _single("updateProduct", "update:Product!", "Result"),
    _list("findBenefitSummaries", "criteria:BenefitSummarySearchCriteria!", "BenefitSummaryDescription"),
    _single("getBenefitSummary", "benefitSummaryID:int!", "BenefitSummary"),
    _single("createBenefitSummary", "benefitSummary:BenefitSummary!", "Result"),
    _single("updateBenefitSummary", "benefitSummary:BenefitSummary!", "Result"),
    _list("getBenefitSummaryStructure", "planTypeID:int!", "BenefitAttribute"),
    _list("findRates", "rateSearchCriteria:RateSearchCriteria!", "RateSummary"),
    _single("getRate", "rateID:int!", "Rate"),
    _single("createRate", "rate:Rate!", "Result"),
    _single("updateRate", "rate:Rate!", "Result"),
    _single("findChanges", "criteria:ChangeSearchCriteria", "ChangeSummary"),
)

OPERATIONS: dict[tuple[str, str], Operation] = {(op.path, op.name): op for op in _ALL}


def operations_at(path: str) -> tuple[Operation, ...]:
    return tuple(op for op in _ALL if op.path == path)
