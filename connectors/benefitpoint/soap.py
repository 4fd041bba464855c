"""SOAP 1.1 envelopes: built for requests, parsed (no DTDs, no entities) from answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from connectors.benefitpoint.xmltree import Native, append_native, local_name, to_native
from connectors.errors import BadResponse

SYSTEM = "benefitpoint"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
BC_NS = "http://ws.benefitpoint.com/aptusconnect/broker/v4"
CM_NS = "http://ws.benefitpoint.com/common/v3"
LOGIN_PATH = "/aptusConnect/services/LoginV2SOAP"
SERVICE_PATH = "/aptusConnect/services/BrokerConnectV4SOAP"

register_namespace("soapenv", SOAP_NS)
register_namespace("bc", BC_NS)

# The deepest answer of the contract is about ten levels; the records are read recursively.
MAX_XML_DEPTH = 64


def soap_action(operation: str) -> str:
    return f'"{BC_NS}/{operation}"'


def build_envelope(operation: str, params: Mapping[str, Any], *, session_id: str | None) -> bytes:
    """`<bc:operation>` with unqualified parameter children, the session in the header."""
    envelope = Element(f"{{{SOAP_NS}}}Envelope")
    header = SubElement(envelope, f"{{{SOAP_NS}}}Header")
    if session_id is not None:
        session = SubElement(header, f"{{{BC_NS}}}SessionIdHeader")
        append_native(session, "sessionId", session_id)
    body = SubElement(envelope, f"{{{SOAP_NS}}}Body")
    call = SubElement(body, f"{{{BC_NS}}}{operation}")
    for name, value in params.items():
        append_native(call, name, value)
    return tostring(envelope, encoding="utf-8", xml_declaration=True)


def _deeper_than(root: Element, limit: int) -> bool:
    """Iterative, so a hostile answer cannot exhaust the stack of the check itself."""
    pending = [(root, 1)]
    while pending:
        element, depth = pending.pop()
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in element)
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class SoapFault:
    code: str
    text: str
    detail: str


def parse_body(content: bytes, *, operation: str) -> Element:
    """The first element of the Body; refuses DTDs, entities, deep nesting and anything not an envelope."""
    try:
        root = safe_xml.fromstring(content, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except DefusedXmlException as error:
        raise BadResponse(system=SYSTEM, operation=operation, field="Envelope",
                          message=f"refused XML ({type(error).__name__})") from None
    except safe_xml.ParseError as error:
        raise BadResponse(system=SYSTEM, operation=operation, field="Envelope",
                          message=f"not well-formed XML ({error})") from None
    if _deeper_than(root, MAX_XML_DEPTH):
        raise BadResponse(system=SYSTEM, operation=operation, field="Envelope",
                          message=f"elements nested deeper than the limit of {MAX_XML_DEPTH}")
    if local_name(root.tag) != "Envelope":
        raise BadResponse(system=SYSTEM, operation=operation, field="Envelope",
                          message=f"expected a SOAP Envelope, got <{local_name(root.tag)}>")
    body = _child(root, "Body")
    if body is None or not list(body):
        raise BadResponse(system=SYSTEM, operation=operation, field="Body",
                          message="the envelope has no Body content")
    return next(iter(body))


def fault_of(element: Element) -> SoapFault | None:
    if local_name(element.tag) != "Fault":
        return None
    fields = {local_name(child.tag): child for child in element}

    def text(name: str) -> str:
        child = fields.get(name)
        return "" if child is None else " ".join("".join(child.itertext()).split())

    return SoapFault(code=text("faultcode"), text=text("faultstring"), detail=text("detail"))


def response_of(element: Element, *, operation: str) -> Element:
    if local_name(element.tag) != f"{operation}Response":
        raise BadResponse(system=SYSTEM, operation=operation, field=f"{operation}Response",
                          message=f"expected <{operation}Response>, got <{local_name(element.tag)}>")
    return element


def items_of(response: Element, type_name: str) -> list[Native]:
    """A list answer: one element per item, named by its type, under the response."""
    return [_record(child) for child in response if local_name(child.tag) == type_name]


def object_of(response: Element, type_name: str, *, operation: str) -> Native:
    """A single-object answer wrapped in an element named by its type."""
    child = _child(response, type_name)
    if child is None:
        raise BadResponse(system=SYSTEM, operation=operation, field=type_name,
                          message=f"the answer has no <{type_name}>")
    return _record(child)


def _record(element: Element) -> Native:
    value = to_native(element)
    return value if isinstance(value, dict) else {}


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if local_name(child.tag) == name), None)
