"""Malformed HTTP at the REST bridge: each case is a 4xx with a google.rpc.Status JSON body, never a 500.

Requests are written byte by byte on a socket (an HTTP client library would refuse to send most of them):
deep JSON nesting, an oversized body, bytes that are not UTF-8 in the body, the query, the path and headers
(Authorization included), a body of the wrong content type, bad query parameters. After every case the
bridge still answers a well-formed call.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from typing import Any

import pytest

from loglens_devstack.stack import Stack

# Status codes as google.rpc.Code numbers.
INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, UNAUTHENTICATED = 3, 5, 8, 16
MIB = 1024 * 1024
DEPTH = 200_000 if os.environ.get("LOGLENS_CHAOS_SCALE") == "full" else 50_000


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def status_json(self) -> dict[str, Any]:
        assert self.headers.get("content-type", "").startswith("application/json"), (self.status, self.headers)
        payload = json.loads(self.body)
        assert isinstance(payload.get("code"), int) and isinstance(payload.get("message"), str), payload
        return payload  # type: ignore[no-any-return]


async def raw(stack: Stack, head: bytes, body: bytes = b"", *, send_body: bool = True) -> Reply:
    """One request on a fresh connection; ``head`` is the request line and headers without the blank line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.ports.http)
    try:
        length = b"" if b"content-length" in head.lower() else b"Content-Length: %d\r\n" % len(body)
        writer.write(head + b"\r\nHost: test\r\nConnection: close\r\n" + length + b"\r\n")
        try:
            if send_body and body:
                writer.write(body)
            await writer.drain()
        except ConnectionError:  # the server answered early (a body too large) and closed: read its answer
            pass
        response = await asyncio.wait_for(reader.read(), 60)
    finally:
        writer.close()
    header_block, _, payload = response.partition(b"\r\n\r\n")
    lines = header_block.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        payload = _unchunk(payload)
    return Reply(status, headers, payload)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


@pytest.fixture
def bearer(stack: Stack, subject: str) -> bytes:
    return b"Authorization: Bearer " + stack.token(subject).encode()


async def still_serving(stack: Stack, bearer: bytes) -> None:
    reply = await raw(stack, b"GET /v1/logFiles HTTP/1.1\r\n" + bearer)
    assert reply.status == 200, reply


def refused(reply: Reply, http_status: int, code: int) -> dict[str, Any]:
    assert reply.status == http_status, (reply.status, reply.body[:300])
    payload = reply.status_json()
    assert payload["code"] == code, payload
    return payload


async def test_deeply_nested_json_body(stack: Stack, bearer: bytes) -> None:
    for body in (b"[" * DEPTH, b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, b'{"username":' + b"[" * DEPTH + b"]" * DEPTH):
        reply = await raw(stack, b"POST /v1/auth:login HTTP/1.1\r\nContent-Type: application/json", body)
        payload = refused(reply, 400, INVALID_ARGUMENT)
        assert "nested" in payload["message"], payload
    nested_field = json.dumps({"apiKey": {"displayName": "x"}, "x": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]})
    reply = await raw(
        stack, b"POST /v1/apiKeys HTTP/1.1\r\nContent-Type: application/json\r\n" + bearer, nested_field.encode()
    )
    assert 400 <= reply.status < 500 and reply.status_json()
    await still_serving(stack, bearer)


async def test_oversized_body(stack: Stack, bearer: bytes) -> None:
    big = b'{"username":"' + b"a" * (5 * MIB) + b'"}'
    reply = await raw(stack, b"POST /v1/auth:login HTTP/1.1\r\nContent-Type: application/json", big)
    refused(reply, 413, RESOURCE_EXHAUSTED)
    # A declared length past the limit is refused before any of the body is read.
    reply = await raw(
        stack,
        b"POST /v1/auth:login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 1073741824",
        send_body=False,
    )
    refused(reply, 413, RESOURCE_EXHAUSTED)
    await still_serving(stack, bearer)


async def test_body_that_is_not_utf8(stack: Stack, bearer: bytes) -> None:
    for body in (b'{"username":"\xff\xfe","password":"x"}', b"\xc3\x28", b'{"username":"\xed\xa0\x80"}'):
        reply = await raw(stack, b"POST /v1/auth:login HTTP/1.1\r\nContent-Type: application/json", body)
        refused(reply, 400, INVALID_ARGUMENT)
    # JSON escapes for a lone surrogate decode to a str that is not valid Unicode.
    reply = await raw(
        stack,
        b"POST /v1/auth:login HTTP/1.1\r\nContent-Type: application/json",
        b'{"username":"\\ud800","password":"x"}',
    )
    assert 400 <= reply.status < 500 and reply.status_json()
    await still_serving(stack, bearer)


@pytest.mark.parametrize(
    "value",
    [b"Bearer \xff\xfe", b"Bearer caf\xc3\xa9", b"\xff", b"Bearer a\x01b", b"Bearer " + b"x" * 20000],
    ids=["latin1", "utf8", "only-non-ascii", "control", "huge"],
)
async def test_authorization_header_that_is_not_ascii(stack: Stack, value: bytes) -> None:
    reply = await raw(stack, b"GET /v1/logFiles HTTP/1.1\r\nAuthorization: " + value)
    assert reply.status in (400, 401, 431), (reply.status, reply.body[:300])
    assert reply.status_json()["code"] in (INVALID_ARGUMENT, UNAUTHENTICATED, RESOURCE_EXHAUSTED)


@pytest.mark.parametrize(
    "header",
    [b"grpc-timeout: 1\xffS", b"x-request-id: \xff\xfe", b"Content-Type: text/\xff", b"X-Other: \xc3\xa9\x00"],
    ids=["grpc-timeout", "request-id", "content-type", "other"],
)
async def test_other_headers_that_are_not_ascii(stack: Stack, bearer: bytes, header: bytes) -> None:
    reply = await raw(stack, b"GET /v1/logFiles HTTP/1.1\r\n" + bearer + b"\r\n" + header)
    assert reply.status == 200 or 400 <= reply.status < 500, (reply.status, reply.body[:300])
    if reply.status != 200:
        reply.status_json()


async def test_upload_headers_and_query_that_are_not_utf8(stack: Stack, bearer: bytes) -> None:
    for head in (
        b"PUT /v1/logFiles:upload?filename=a.log&analyze=false HTTP/1.1\r\nContent-Type: text/\xff\xfe",
        b"PUT /v1/logFiles:upload?filename=%ff%fe.log&analyze=false HTTP/1.1",
        b"PUT /v1/logFiles:upload?filename=%ed%a0%80.log&analyze=false HTTP/1.1",
        b"PUT /v1/logFiles:upload?filename=a.log&service=%ff&analyze=false HTTP/1.1",
        b"PUT /v1/logFiles:upload?filename=a.log&labels[%ff]=x&analyze=false HTTP/1.1",
    ):
        reply = await raw(stack, head + b"\r\n" + bearer, b"2026-11-30 10:00:00 INFO hello\n")
        assert reply.status == 200 or 400 <= reply.status < 500, (head, reply.status, reply.body[:300])
        if reply.status != 200:
            reply.status_json()
    await still_serving(stack, bearer)


@pytest.mark.parametrize(
    "content_type",
    [
        b"text/plain",
        b"multipart/form-data; boundary=x",
        b"application/x-www-form-urlencoded",
        b"application/json; charset=latin-1",
        b"image/png",
        b";;;",
    ],
)
async def test_body_of_another_content_type(stack: Stack, bearer: bytes, content_type: bytes) -> None:
    for body in (b"username=a&password=b", b"\x89PNG\r\n\x1a\n\x00\x00", b'{"displayName":"k"}'):
        reply = await raw(stack, b"POST /v1/apiKeys HTTP/1.1\r\nContent-Type: " + content_type + b"\r\n" + bearer, body)
        assert reply.status == 200 or 400 <= reply.status < 500, (content_type, body, reply.status, reply.body[:300])
        if reply.status != 200:
            reply.status_json()


@pytest.mark.parametrize(
    "query",
    [
        b"page_size=abc",
        b"page_size=99999999999999999999999",
        b"page_size=-1",
        b"page_size=1e400",
        b"page_token=%ff%fe",
        b"page_token=%00",
        b"%ff=1",
        b"page_size",
        b"=1",
        b"&&&=&=",
        b"page_size[x]=1",
        b"a.b.c.d.e.f.g.h=1",
        b"filter=" + b"%ff" * 2000,
        b"page_size=1&page_size=2",
        b"page_token=" + b"A" * 100_000,
    ],
)
async def test_bad_query_parameters(stack: Stack, bearer: bytes, query: bytes) -> None:
    reply = await raw(stack, b"GET /v1/logFiles?" + query + b" HTTP/1.1\r\n" + bearer)
    assert 400 <= reply.status < 500, (query[:60], reply.status, reply.body[:300])
    reply.status_json()


@pytest.mark.parametrize(
    "path",
    [
        b"/v1/logFiles/%ff%fe",
        b"/v1/logFiles/%ed%a0%80",
        b"/v1/logFiles/\xff",
        b"/v1/logFiles/%00",
        b"/v1/" + b"a/" * 5000,
    ],
)
async def test_bad_paths(stack: Stack, bearer: bytes, path: bytes) -> None:
    reply = await raw(stack, b"GET " + path + b" HTTP/1.1\r\n" + bearer)
    assert 400 <= reply.status < 500, (path[:60], reply.status, reply.body[:300])
    reply.status_json()
