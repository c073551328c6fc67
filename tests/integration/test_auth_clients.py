"""Rate limits per real client, on a gateway with the production limits (issue 15, item 2).

The session stack's gateway raises the per-address limits (every local client is 127.0.0.1); this module starts
a second gateway with the defaults and its own REST bridge. HTTP clients bind distinct loopback addresses
(127.0.0.2, 127.0.0.3, ...: Linux routes all of 127/8 to lo) to be different clients of the bridge.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import grpc
import pytest

from loglens.v1 import auth_pb2, auth_pb2_grpc
from loglens_common.errors import error_info
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Stack
from tests.chaos.kit import FIGURES

PASSWORD = "correct horse battery staple"
WRONG = "not the password at all"


def fresh_name() -> str:
    return "u" + uuid.uuid4().hex[:20]


def register(auth: auth_pb2_grpc.AuthServiceStub) -> str:
    name = fresh_name()
    auth.Register(auth_pb2.RegisterRequest(username=name, email=f"{name}@example.com", password=PASSWORD), timeout=10)
    return name


@pytest.fixture(scope="module")
def production_gateway(stack: Stack) -> Iterator[tuple[str, str]]:
    """(gRPC address, REST URL) of a gateway with the production rate limits, sharing the stack's database."""
    grpc_port, http_port = free_port(), free_port()
    name = "gateway-production-limits"
    stack.start_service(
        "gateway",
        name=name,
        LOGLENS_LISTEN_ADDR=f"127.0.0.1:{grpc_port}",
        LOGLENS_HTTP_LISTEN_ADDR=f"127.0.0.1:{http_port}",
        LOGLENS_METRICS_PORT="0",
        LOGLENS_AUTH_PEER_BURST="30",  # the defaults, which the session stack raises
        LOGLENS_AUTH_REGISTER_BURST="10",
    )
    try:
        stack.wait_serving(name, addr=f"127.0.0.1:{grpc_port}")
        yield f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{http_port}"
    finally:
        stack.stop_service(name)


@pytest.fixture(scope="module")
def victim(gateway_channel: grpc.Channel) -> str:
    return register(auth_pb2_grpc.AuthServiceStub(gateway_channel))


class Client:
    """An HTTP client of the bridge from one loopback address."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.session.post(f"{self.url}{path}", json=body) as reply:
            return reply.status, await reply.json()

    async def login(self, username: str, password: str) -> tuple[int, dict[str, Any]]:
        return await self.post("/v1/auth:login", {"username": username, "password": password})


@pytest.fixture
async def clients(production_gateway: tuple[str, str]) -> AsyncIterator[dict[str, Client]]:
    sessions = {}
    for host in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        connector = aiohttp.TCPConnector(local_addr=(host, 0), force_close=True)
        sessions[host] = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))
    try:
        yield {host: Client(s, production_gateway[1]) for host, s in sessions.items()}
    finally:
        for session in sessions.values():
            await session.close()


def reason(payload: dict[str, Any]) -> str:
    return next((d.get("reason", "") for d in payload.get("details", []) if "reason" in d), "")


async def test_rest_login_from_a_second_address_is_unaffected_by_100_bad_attempts_from_a_first(
    clients: dict[str, Client], victim: str
) -> None:
    attacker, user = clients["127.0.0.2"], clients["127.0.0.3"]
    statuses: Counter[int] = Counter()
    reasons: Counter[str] = Counter()
    for _ in range(100):
        status, payload = await attacker.login(victim, WRONG)
        statuses[status] += 1
        reasons[reason(payload)] += 1
    # Five free failures and one that starts the backoff (1 s, doubling) of this account from this address, a
    # few more each time a wait ends; the address's own bucket (burst 30) ends even those.
    assert 6 <= statuses[401] <= 10 and statuses[401] + statuses[429] == 100, statuses
    status, payload = await attacker.login(victim, PASSWORD)
    assert status == 429, payload  # the attacker's address waits, even with the right password

    started = time.perf_counter()
    status, payload = await user.login(victim, PASSWORD)
    took = time.perf_counter() - started
    assert status == 200 and payload["user"]["username"] == victim, payload
    FIGURES.append(
        f"REST login from 127.0.0.3 after 100 bad attempts on the same account from 127.0.0.2: {status} in "
        f"{took * 1000:.0f} ms (attacker: {dict(statuses)}; reasons {dict(reasons)})"
    )


async def test_a_client_cannot_escape_its_limit_by_writing_x_forwarded_for(
    clients: dict[str, Client], production_gateway: tuple[str, str]
) -> None:
    attacker = clients["127.0.0.4"]
    codes: Counter[int] = Counter()
    for i in range(35):  # a different account each time, a different forged address each time
        async with attacker.session.post(
            f"{attacker.url}/v1/auth:login",
            json={"username": fresh_name(), "password": WRONG},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        ) as reply:
            codes[reply.status] += 1
            if reply.status == 429:
                payload = await reply.json()
    # The burst of 30 for 127.0.0.4 (plus what refills at 0.5/s while they run), not 35 fresh buckets.
    assert 30 <= codes[401] <= 32 and codes[429] == 35 - codes[401], codes
    assert "client address" in payload["message"]


async def test_registration_answers_are_limited_per_client_address(
    clients: dict[str, Client], gateway_channel: grpc.Channel
) -> None:
    """Whether a username or email is taken is said, so each address gets 10 registrations, then waits."""
    taken = register(auth_pb2_grpc.AuthServiceStub(gateway_channel))
    prober, other = clients["127.0.0.5"], clients["127.0.0.3"]
    answers: Counter[int] = Counter()
    for _ in range(12):
        name = fresh_name()
        status, payload = await prober.post(
            "/v1/auth:register", {"username": name, "email": f"{taken}@example.com", "password": PASSWORD}
        )
        answers[status] += 1
    assert answers == {409: 10, 429: 2}, answers
    assert reason(payload) == "RATE_LIMITED" and "registrations" in payload["message"]
    name = fresh_name()
    status, payload = await other.post(
        "/v1/auth:register", {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    )
    assert status == 200, payload


def test_grpc_backoff_is_per_account_and_client(production_gateway: tuple[str, str], victim: str) -> None:
    """Over gRPC through a trusted proxy (here: loopback, as the bridge): each forwarded client has its own
    backoff on the account, with a wait that grows, and a success from elsewhere is unaffected."""
    with grpc.insecure_channel(production_gateway[0]) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        name = register(auth_pb2_grpc.AuthServiceStub(channel))

        def login(client: str, password: str) -> grpc.StatusCode:
            try:
                auth.Login(
                    auth_pb2.LoginRequest(username=name, password=password),
                    metadata=(("x-forwarded-for", client),),
                    timeout=10,
                )
                return grpc.StatusCode.OK
            except grpc.RpcError as error:
                return error.code()  # type: ignore[no-any-return]

        codes = [login("203.0.113.9", WRONG) for _ in range(7)]
        assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 6 + [grpc.StatusCode.RESOURCE_EXHAUSTED]
        with pytest.raises(grpc.RpcError) as caught:
            auth.Login(
                auth_pb2.LoginRequest(username=name, password=PASSWORD),
                metadata=(("x-forwarded-for", "203.0.113.9"),),
                timeout=10,
            )
        info = error_info(caught.value)
        assert info is not None and info.metadata["limit"] == "account and client address"
        assert login("203.0.113.10", PASSWORD) == grpc.StatusCode.OK
        time.sleep(1.1)  # the first wait is 1 s; then one more try, and the next wait is 2 s
        assert login("203.0.113.9", WRONG) == grpc.StatusCode.UNAUTHENTICATED
        assert login("203.0.113.9", PASSWORD) == grpc.StatusCode.RESOURCE_EXHAUSTED


def _external_address() -> str | None:
    """An address of this machine that is not loopback (none on some CI sandboxes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else str(address)


def test_grpc_x_forwarded_for_from_an_untrusted_peer_is_ignored(stack: Stack) -> None:
    address = _external_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to call the gateway from")
    port = free_port()
    name = "gateway-external"
    stack.start_service(
        "gateway",
        name=name,
        LOGLENS_LISTEN_ADDR=f"{address}:{port}",
        LOGLENS_HTTP_LISTEN_ADDR="",
        LOGLENS_METRICS_PORT="0",
        LOGLENS_AUTH_PEER_BURST="4",
        LOGLENS_AUTH_PEER_PER_MINUTE="1",
    )
    try:
        stack.wait_serving(name, addr=f"{address}:{port}")
        with grpc.insecure_channel(f"{address}:{port}") as channel:
            auth = auth_pb2_grpc.AuthServiceStub(channel)
            codes = []
            for i in range(6):  # a forged address each time: all one client, the peer
                try:
                    auth.Login(
                        auth_pb2.LoginRequest(username=fresh_name(), password=WRONG),
                        metadata=(("x-forwarded-for", f"198.51.100.{i}"),),
                        timeout=10,
                    )
                except grpc.RpcError as error:
                    codes.append(error.code())
        assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 4 + [grpc.StatusCode.RESOURCE_EXHAUSTED] * 2
    finally:
        stack.stop_service(name)


def test_concurrent_attempts_from_one_address_stay_within_its_burst(production_gateway: tuple[str, str]) -> None:
    """Many bad logins at once from one forwarded client: no more than the burst are checked."""

    async def attempt(channel: grpc.aio.Channel) -> grpc.StatusCode:
        try:
            await auth_pb2_grpc.AuthServiceStub(channel).Login(
                auth_pb2.LoginRequest(username=fresh_name(), password=WRONG),
                metadata=(("x-forwarded-for", "203.0.113.77"),),
                timeout=30,
            )
            return grpc.StatusCode.OK
        except grpc.aio.AioRpcError as error:
            return error.code()

    async def scenario() -> Counter[grpc.StatusCode]:
        async with grpc.aio.insecure_channel(production_gateway[0]) as channel:
            return Counter(await asyncio.gather(*(attempt(channel) for _ in range(40))))

    codes = asyncio.run(scenario())
    # The bucket refills at 0.5/s while the 40 arrive: at most one more than the burst gets through.
    assert codes[grpc.StatusCode.UNAUTHENTICATED] in (30, 31) and sum(codes.values()) == 40, codes
