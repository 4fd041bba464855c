"""The XML types of the BrokerConnect subset: one table the codec and the WSDL both read."""

from __future__ import annotations

from dataclasses import dataclass

BC_NS = "http://ws.benefitpoint.com/aptusconnect/broker/v4"
SCALARS = frozenset({"int", "string", "boolean", "double", "dateTime"})


@dataclass(frozen=True, slots=True)
class Field:
    """A child element: `kind` is a scalar, an enum name or a complex type name."""

    name: str
    kind: str
    repeated: bool = False
    required: bool = False


def fields_from(spec: str) -> tuple[Field, ...]:
    """`name:kind` pairs; `kind[]` repeats, a trailing `!` makes the field required."""
    result = []
    for item in spec.split():
        name, kind = item.split(":")
        required = kind.endswith("!")
        kind = kind.rstrip("!")
        repeated = kind.endswith("[]")
        result.append(Field(name, kind.removesuffix("[]"), repeated=repeated, required=required))
    return tuple(result)


ENUMS: dict[str, tuple[str, ...]] = {
    "ProductStatus": ("None_Selected", "Pending", "Current", "Cancelled", "Expired"),
    "UOM": ("Dollars", "Percent", "Visits", "Days", "Text"),
    "EntityType": ("Account", "Product", "Benefit_Summary", "Rate"),
    "ErrorCode": ("Access_Error", "Application_Error", "Duplicate_Error", "System_Error",
                  "Validation_Error"),
}

TYPES: dict[str, tuple[Field, ...]] = {
    "SessionIdHeader": fields_from("sessionId:string"),
    "LoginResult": fields_from("sessionID:string"),
    "AccountSearchCriteria": fields_from("accountNameMatch:string active:boolean"),
    "AccountSummary": fields_from(
        "accountID:int accountName:string accountType:string active:boolean "
        "lastModifiedOn:dateTime officeName:string"),
    "Account": fields_from(
        "accountID:int accountName:string accountType:string active:boolean officeID:int "
        "primarySalesLeadUserID:int primaryServiceLeadUserID:int lastModifiedOn:dateTime"),
    "CarrierSummary": fields_from("carrierID:int carrierName:string carrierAlias:string"),
    "ProductType": fields_from("productTypeID:int description:string lineOfCoverage:string"),
    "ProductSearchCriteria": fields_from("accountID:int! sinceLastModifiedOn:dateTime"),
    "ProductSummary": fields_from(
        "productID:int productTypeID:int productTypeDescription:string productStatus:ProductStatus "
        "name:string carrierID:int carrierName:string policyNumber:string effectiveAsOf:dateTime "
        "renewalOn:dateTime lastModifiedOn:dateTime"),
    "CustomFieldValue": fields_from("customFieldID:int valueText:string"),
    "Product": fields_from(
        "productID:int accountID:int productTypeID:int productStatus:ProductStatus name:string "
        "carrierID:int policyNumber:string effectiveAsOf:dateTime renewalOn:dateTime "
        "cancellationOn:dateTime officeID:int primarySalesLeadUserID:int "
        "primaryServiceLeadUserID:int customFieldValues:CustomFieldValue[] lastModifiedOn:dateTime"),
    "PlanConfigurationOptions": fields_from("attributeValueOptions:string attributeViewLevelID:int"),
    "Error": fields_from("errorCode:ErrorCode message:string"),
    "Result": fields_from("success:boolean ID:int errors:Error[]"),
    "BenefitSummarySearchCriteria": fields_from("productID:int!"),
    "BenefitSummaryDescription": fields_from("benefitSummaryID:int description:string"),
    "AttributeValueDetail": fields_from("value:string UOM:UOM benefitColumnID:int"),
    "AttributeValue": fields_from(
        "attributeID:int attributeVisibility:string attributeValueDetails:AttributeValueDetail[]"),
    "BenefitSummary": fields_from(
        "benefitSummaryID:int productID:int description:string viewLevelID:int "
        "attributeValues:AttributeValue[] lastModifiedOn:dateTime"),
    "BenefitAttribute": fields_from("attributeID:int description:string UOM:UOM"),
    "RateSearchCriteria": fields_from("productID:int!"),
    "RateSummary": fields_from(
        "rateID:int description:string effectiveAsOf:dateTime expirationOn:dateTime "
        "lastModifiedOn:dateTime"),
    "RateTier": fields_from("rateTierID:int description:string"),
    "RateFieldValue": fields_from("rateField:string valueNum:double rateTier:RateTier ageBandIndex:int"),
    "Rate": fields_from(
        "rateID:int productID:int description:string rateTypeID:int rateTypeTierID:int "
        "effectiveAsOf:dateTime expirationOn:dateTime ageBanded:boolean ageBandedStartOn:int "
        "ageBandedEndOn:int ageBandedInterval:int rateFieldValues:RateFieldValue[] "
        "lastModifiedOn:dateTime"),
    "ChangeSearchCriteria": fields_from("sinceLastModifiedOn:dateTime typesToInclude:EntityType[]"),
    "Modification": fields_from("entityID:int entityType:EntityType lastModifiedOn:dateTime"),
    "Deletion": fields_from("entityID:int entityType:EntityType deletedOn:dateTime"),
    "ChangeSummary": fields_from(
        "processStartedOn:dateTime modifications:Modification[] deletions:Deletion[]"),
}
