"""The PerfectQuote REST connector: HTTP calls, native <-> canonical mapping, the PlanSystem."""

from connectors.perfectquote.connector import PerfectQuoteConnector
from connectors.perfectquote.records import EnrollmentChange, Group, Member

__all__ = ["EnrollmentChange", "Group", "Member", "PerfectQuoteConnector"]
