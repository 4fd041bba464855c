"""Server side of the SOAP 1.1 envelope: parse a request safely, render answers and faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from connectors.sandbox.benefitpoint.codec import encode, local_name
from connectors.sandbox.benefitpoint.schema import BC_NS
from connectors.sandbox.benefitpoint.signatures import Operation
from connectors.sandbox.benefitpoint.soap_fault import SoapFault

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CONTENT_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class SoapRequest:
    operation: str
    body: Element
    session_id: str | None


def parse_request(payload: bytes) -> SoapRequest:
    """The operation element of the Body and the session id of the Header, if any."""
    if not payload.strip():
        raise SoapFault("the request body is empty")
    try:
        root = fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SoapFault("request refused: DTDs and entity declarations are not allowed") from None
    except ParseError as error:
        raise SoapFault(f"the request is not well-formed XML ({error})") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault(f"the request root <{local_name(root.tag)}> is not a SOAP 1.1 Envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise SoapFault("the SOAP Envelope has no Body")
    elements = list(body)
    if len(elements) != 1:
        raise SoapFault(f"the SOAP Body must hold one operation element, it holds {len(elements)}")
    operation = elements[0]
    namespace = operation.tag[1:].partition("}")[0] if operation.tag.startswith("{") else ""
    if namespace not in ("", BC_NS):
        raise SoapFault(f"operation <{local_name(operation.tag)}> is in namespace {namespace!r}, "
                        f"expected {BC_NS}")
    return SoapRequest(local_name(operation.tag), operation,
                       _session_id(root.find(f"{{{SOAP_ENV}}}Header")))


def _session_id(header: Element | None) -> str | None:
    for block in header if header is not None else ():
        if local_name(block.tag) != "SessionIdHeader":
            continue
        for child in block:
            if local_name(child.tag) == "sessionId" and (child.text or "").strip():
                return (child.text or "").strip()
    return None


def _envelope() -> tuple[Element, Element]:
    # Literal prefixes keep `soapenv`/`bc` without touching ElementTree's global prefix registry.
    envelope = Element("soapenv:Envelope", {"xmlns:soapenv": SOAP_ENV, "xmlns:bc": BC_NS})
    return envelope, SubElement(envelope, "soapenv:Body")


def _serialize(envelope: Element) -> bytes:
    return tostring(envelope, encoding="utf-8", xml_declaration=True)


def render_response(operation: Operation, answer: Any) -> bytes:
    """`<bc:{op}Response>` holding one element per item (lists) or the one answer element."""
    envelope, body = _envelope()
    wrapper = SubElement(body, f"bc:{operation.name}Response")
    for item in answer if operation.is_list else [answer]:
        encode(wrapper, operation.answer_element, item, operation.answer_type)
    return _serialize(envelope)


def render_fault(fault: SoapFault) -> bytes:
    envelope, body = _envelope()
    element = SubElement(body, "soapenv:Fault")
    SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    SubElement(element, "faultstring").text = fault.faultstring
    if fault.error_code:
        detail = SubElement(SubElement(element, "detail"), "bc:fault")
        SubElement(detail, "errorCode").text = fault.error_code
        SubElement(detail, "message").text = fault.message
    return _serialize(envelope)


def truncated_envelope() -> bytes:
    """A response cut off mid-element: what a dropped connection leaves a client holding."""
    envelope, body = _envelope()
    wrapper = SubElement(body, "bc:findProductsResponse")
    summary = SubElement(wrapper, "ProductSummary")
    SubElement(summary, "productID").text = "700001"
    SubElement(summary, "name").text = "Gold PPO"
    whole = _serialize(envelope)
    return whole[: whole.index(b"<name>") + len(b"<name>Go")]
