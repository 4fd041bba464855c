"""The BenefitPoint (BrokerConnect v4 SOAP) connector."""

from connectors.benefitpoint.accounts import Account, AccountSummary, CarrierSummary, ProductTypeSummary
from connectors.benefitpoint.connector import BenefitPointConnector

__all__ = ["Account", "AccountSummary", "BenefitPointConnector", "CarrierSummary", "ProductTypeSummary"]
