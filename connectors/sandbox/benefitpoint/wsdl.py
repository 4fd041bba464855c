"""The WSDL 1.1 (document/literal, SOAP 1.1) of each endpoint, generated from the schema table."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from connectors.sandbox.benefitpoint.schema import BC_NS, ENUMS, SCALARS, TYPES, Field
from connectors.sandbox.benefitpoint.signatures import Operation, operations_at

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"


def _element(parent: Element, field: Field) -> None:
    kind = f"xsd:{field.kind}" if field.kind in SCALARS else f"bc:{field.kind}"
    attributes = {"name": field.name, "type": kind, "minOccurs": "1" if field.required else "0"}
    if field.repeated:
        attributes["maxOccurs"] = "unbounded"
    SubElement(parent, "xsd:element", attributes)


def _sequence(parent: Element, fields: tuple[Field, ...]) -> None:
    sequence = SubElement(parent, "xsd:sequence")
    for field in fields:
        _element(sequence, field)


def _schema(parent: Element, operations: tuple[Operation, ...]) -> None:
    schema = SubElement(SubElement(parent, "wsdl:types"), "xsd:schema",
                        {"targetNamespace": BC_NS, "elementFormDefault": "unqualified"})
    for name, values in ENUMS.items():
        restriction = SubElement(SubElement(schema, "xsd:simpleType", {"name": name}),
                                 "xsd:restriction", {"base": "xsd:string"})
        for value in values:
            SubElement(restriction, "xsd:enumeration", {"value": value})
    for name, fields in TYPES.items():
        _sequence(SubElement(schema, "xsd:complexType", {"name": name}), fields)
    SubElement(schema, "xsd:element", {"name": "SessionIdHeader", "type": "bc:SessionIdHeader"})
    for op in operations:
        request = SubElement(schema, "xsd:element", {"name": op.name})
        _sequence(SubElement(request, "xsd:complexType"), op.params)
        response = SubElement(schema, "xsd:element", {"name": f"{op.name}Response"})
        _sequence(SubElement(response, "xsd:complexType"),
                  (Field(op.answer_element, op.answer_type, repeated=op.is_list, required=not op.is_list),))


def _messages(parent: Element, operations: tuple[Operation, ...]) -> None:
    for op in operations:
        for suffix, element in (("Request", op.name), ("Response", f"{op.name}Response")):
            message = SubElement(parent, "wsdl:message", {"name": f"{op.name}{suffix}"})
            SubElement(message, "wsdl:part", {"name": "parameters", "element": f"bc:{element}"})
    header = SubElement(parent, "wsdl:message", {"name": "SessionIdHeader"})
    SubElement(header, "wsdl:part", {"name": "SessionIdHeader", "element": "bc:SessionIdHeader"})


def _binding(parent: Element, service: str, operations: tuple[Operation, ...]) -> None:
    port_type = SubElement(parent, "wsdl:portType", {"name": service})
    binding = SubElement(parent, "wsdl:binding", {"name": f"{service}SOAPBinding", "type": f"bc:{service}"})
    SubElement(binding, "soap:binding", {"style": "document", "transport": HTTP_TRANSPORT})
    for op in operations:
        abstract = SubElement(port_type, "wsdl:operation", {"name": op.name})
        SubElement(abstract, "wsdl:input", {"message": f"bc:{op.name}Request"})
        SubElement(abstract, "wsdl:output", {"message": f"bc:{op.name}Response"})
        concrete = SubElement(binding, "wsdl:operation", {"name": op.name})
        SubElement(concrete, "soap:operation", {"soapAction": op.soap_action, "style": "document"})
        request = SubElement(concrete, "wsdl:input")
        if op.needs_session:
            SubElement(request, "soap:header", {"message": "bc:SessionIdHeader", "part": "SessionIdHeader",
                                                "use": "literal"})
        SubElement(request, "soap:body", {"use": "literal"})
        SubElement(SubElement(concrete, "wsdl:output"), "soap:body", {"use": "literal"})


def render_wsdl(path: str, *, address: str) -> bytes:
    """The WSDL of the endpoint at `path`, its service located at `address`."""
    operations = operations_at(path)
    if not operations:
        raise LookupError(f"no SOAP endpoint at {path}")
    service = path.rstrip("/").rpartition("/")[2].removesuffix("SOAP")
    definitions = Element("wsdl:definitions", {
        "name": service, "targetNamespace": BC_NS, "xmlns:wsdl": WSDL_NS, "xmlns:soap": SOAP_BINDING_NS,
        "xmlns:xsd": XSD_NS, "xmlns:bc": BC_NS})
    _schema(definitions, operations)
    _messages(definitions, operations)
    _binding(definitions, service, operations)
    port = SubElement(SubElement(definitions, "wsdl:service", {"name": f"{service}Service"}), "wsdl:port",
                      {"name": f"{service}SOAP", "binding": f"bc:{service}SOAPBinding"})
    SubElement(port, "soap:address", {"location": address})
    return tostring(definitions, encoding="utf-8", xml_declaration=True)
