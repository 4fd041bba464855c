"""Answers are read as a stream and refused past the size limit, whatever the server declares."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from connectors.errors import BadResponse
from connectors.ports import guarded_calls
from connectors.transport import send


def _client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler, base_url="http://system.test")


def test_an_answer_under_the_limit_is_read_whole() -> None:
    client = _client(httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 1000)))
    response = send(client, client.build_request("GET", "/"), system="perfectquote", operation="get_group",
                    writes=False, max_bytes=1000)
    assert response.content == b"x" * 1000 and response.status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    read: list[int] = []

    def body() -> httpx.SyncByteStream:
        class Stream(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                read.append(1)
                yield b"x" * 10

        return Stream()

    client = _client(httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-length": "5000000"}, stream=body())))
    with pytest.raises(BadResponse) as caught:
        send(client, client.build_request("GET", "/"), system="benefitpoint", operation="findProducts",
             writes=False, max_bytes=1000)
    assert caught.value.system == "benefitpoint" and caught.value.operation == "findProducts"
    assert "limit of 1000 bytes" in str(caught.value)
    assert read == []


def test_a_stream_without_a_length_is_cut_at_the_limit() -> None:
    pulled: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            pulled.append(1)
            yield b"y" * 100

    client = _client(httpx.MockTransport(lambda request: httpx.Response(200, content=chunks())))
    with pytest.raises(BadResponse, match="limit of 1000 bytes"):
        send(client, client.build_request("GET", "/"), system="perfectquote", operation="list_plans",
             writes=False, max_bytes=1000)
    assert len(pulled) <= 11


def test_a_compressed_answer_is_refused_past_the_limit_of_what_it_inflates_to() -> None:
    packed = gzip.compress(b"x" * 100_000)
    client = _client(httpx.MockTransport(lambda request: httpx.Response(
        200, headers={"content-encoding": "gzip", "content-length": str(len(packed))}, content=packed)))
    # The declared length is the packed one, well under the limit: the inflated body is what counts.
    with pytest.raises(BadResponse, match="larger than the limit"):
        send(client, client.build_request("GET", "/"), system="perfectquote", operation="get_plan",
             writes=False, max_bytes=10_000)



class Overtaken(Exception):
    pass


def _overtaken() -> None:
    raise Overtaken


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_guard_is_checked_before_a_request_that_writes_only(method: str) -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return httpx.Response(200, content=b"{}")

    client = _client(httpx.MockTransport(answer))
    writes = method != "GET"
    with guarded_calls(_overtaken):
        if writes:
            with pytest.raises(Overtaken):
                send(client, client.build_request(method, "/"), system="perfectquote", operation="put_plan",
                     writes=True)
        else:
            send(client, client.build_request(method, "/"), system="perfectquote", operation="get_plan",
                 writes=False)
    assert sent == ([] if writes else ["GET"])
