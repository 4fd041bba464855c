"""Hand-written SOAP envelopes for the sandbox tests, and a reader for the answers."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import httpx
from defusedxml.ElementTree import fromstring

from connectors.sandbox.benefitpoint.signatures import BROKER_PATH, LOGIN_PATH

BC = "http://ws.benefitpoint.com/aptusconnect/broker/v4"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(operation: str, body: str = "", *, session: str | None = None, prefix: str = "bc") -> str:
    header = (f"<soapenv:Header><{prefix}:SessionIdHeader><sessionId>{session}</sessionId>"
              f"</{prefix}:SessionIdHeader></soapenv:Header>") if session else ""
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:{prefix}="{BC}">{header}'
            f"<soapenv:Body><{prefix}:{operation}>{body}</{prefix}:{operation}></soapenv:Body>"
            f"</soapenv:Envelope>")


def post(client: httpx.Client, operation: str, payload: str | bytes, *, path: str = BROKER_PATH,
         action: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8",
               "SOAPAction": f'"{BC}/{operation}"' if action is None else action}
    return client.post(path, content=payload, headers=headers)


def login(client: httpx.Client, *, username: str = "sandbox", password: str = "sandbox") -> httpx.Response:
    body = f"<username>{username}</username><password>{password}</password>"
    return post(client, "login", envelope("login", body), path=LOGIN_PATH)


def session_of(client: httpx.Client) -> str:
    response = login(client)
    assert response.status_code == 200, response.text
    return text(answer(response, "login"), "result/sessionID")


def call(client: httpx.Client, operation: str, body: str = "", *, session: str) -> httpx.Response:
    return post(client, operation, envelope(operation, body, session=session))


def answer(response: httpx.Response, operation: str) -> Element:
    """The `<{operation}Response>` element, checked to be in the bc namespace."""
    root = fromstring(response.content, forbid_dtd=True)
    element = root.find(f"{{{SOAP_ENV}}}Body/{{{BC}}}{operation}Response")
    assert element is not None, response.text
    return element


def fault(response: httpx.Response) -> tuple[str, str]:
    """faultcode and faultstring of a Fault answer, which must come with HTTP 500."""
    assert response.status_code == 500, response.text
    root = fromstring(response.content, forbid_dtd=True)
    element = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert element is not None, response.text
    return element.findtext("faultcode") or "", element.findtext("faultstring") or ""


def text(element: Element, path: str) -> str:
    value = element.findtext(path)
    assert value is not None, f"no {path} under <{element.tag}>"
    return value


def children(element: Element) -> list[str]:
    return [child.tag for child in element]
