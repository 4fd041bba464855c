"""A scripted BenefitPoint for unit tests: hand-written SOAP answers per operation, over MockTransport."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

import httpx
from defusedxml.ElementTree import fromstring

from connectors.benefitpoint import BenefitPointConnector

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
BC = "http://ws.benefitpoint.com/aptusconnect/broker/v4"
NO_WAIT = {"max_attempts": 4, "sleep": lambda _s: None}


def envelope(body: str, *, prefix: str = "soapenv") -> bytes:
    return (f'<{prefix}:Envelope xmlns:{prefix}="{SOAP}" xmlns:bc="{BC}" xmlns:ns2="{BC}">'
            f"<{prefix}:Body>{body}</{prefix}:Body></{prefix}:Envelope>").encode()


def response(operation: str, inner: str, *, qualified: bool = False) -> bytes:
    if qualified:
        return envelope(f"<ns2:{operation}Response>{_qualify(inner)}</ns2:{operation}Response>")
    return envelope(f"<bc:{operation}Response>{inner}</bc:{operation}Response>")


def _qualify(inner: str) -> str:
    return re.sub(r"<(/?)(\w)", r"<\1ns2:\2", inner)


def result(*, success: bool = True, new_id: int | None = None, errors: tuple[tuple[str, str], ...] = ()
           ) -> str:
    parts = [f"<success>{str(success).lower()}</success>"]
    if new_id is not None:
        parts.append(f"<ID>{new_id}</ID>")
    parts += [f"<errors><errorCode>{code}</errorCode><message>{message}</message></errors>"
              for code, message in errors]
    return f"<Result>{''.join(parts)}</Result>"


def fault(text: str, *, code: str = "soapenv:Client", detail: str = "") -> bytes:
    return envelope(f"<soapenv:Fault><faultcode>{code}</faultcode><faultstring>{text}</faultstring>"
                    f"{detail}</soapenv:Fault>")


LOGIN_OK = response("login", "<result><sessionID>s3cr3t-session</sessionID></result>")
Answer = tuple[int, bytes] | tuple[int, bytes, dict[str, str]]


class ScriptedBenefitPoint:
    """Answers each operation from its queue (the last answer repeats); records every request."""

    def __init__(self) -> None:
        self.answers: dict[str, deque[Answer]] = defaultdict(deque)
        self.requests: list[tuple[str, bytes]] = []
        self.handlers: dict[str, Callable[[bytes], Answer]] = {}
        self.script("login", (200, LOGIN_OK))

    def script(self, operation: str, *answers: Answer) -> ScriptedBenefitPoint:
        self.answers[operation] = deque(answers)
        return self

    def calls(self, operation: str) -> int:
        return sum(1 for name, _ in self.requests if name == operation)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        root = fromstring(request.content)
        body = root.find(f"{{{SOAP}}}Body")
        assert body is not None
        operation = next(iter(body)).tag.rpartition("}")[2]
        assert request.headers["SOAPAction"] == f'"{BC}/{operation}"'
        self.requests.append((operation, request.content))
        if operation in self.handlers:
            answer = self.handlers[operation](request.content)
        else:
            queue = self.answers[operation]
            assert queue, f"no scripted answer for {operation}"
            answer = queue.popleft() if len(queue) > 1 else queue[0]
        status, content, *rest = answer
        headers: dict[str, Any] = {"Content-Type": "text/xml; charset=utf-8", **(rest[0] if rest else {})}
        return httpx.Response(status, content=content, headers=headers)


def connector_for(fake: ScriptedBenefitPoint, **options: Any) -> BenefitPointConnector:
    client = httpx.Client(base_url="http://bp.test", transport=httpx.MockTransport(fake))
    options.setdefault("retry", NO_WAIT)
    return BenefitPointConnector(base_url="http://bp.test", username="agency", password="hunter2-pass",
                                 http_client=client, **options)
