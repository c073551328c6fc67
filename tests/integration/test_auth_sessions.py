"""Sessions on the real gateway (issue 15, item 9): Logout, LogoutAll and ChangePassword over gRPC, REST and the CLI."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest

from loglens.v1 import auth_pb2, auth_pb2_grpc, log_file_pb2, log_file_pb2_grpc
from loglens_cli.__main__ import main as cli_main
from loglens_cli.config import ConfigFile
from loglens_common.errors import error_info
from loglens_devstack.stack import Stack

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different horse entirely"


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def fresh_name() -> str:
    return "u" + uuid.uuid4().hex[:20]


@pytest.fixture(scope="module")
def auth(gateway_channel: grpc.Channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(gateway_channel)


def register(auth: auth_pb2_grpc.AuthServiceStub) -> str:
    name = fresh_name()
    auth.Register(auth_pb2.RegisterRequest(username=name, email=f"{name}@example.com", password=PASSWORD), timeout=10)
    return name


def login(auth: auth_pb2_grpc.AuthServiceStub, name: str, password: str = PASSWORD) -> auth_pb2.LoginResponse:
    return auth.Login(auth_pb2.LoginRequest(username=name, password=password), timeout=10)  # type: ignore[no-any-return]


def failure(call: Any, request: Any, **kwargs: Any) -> tuple[grpc.StatusCode, str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=10, **kwargs)
    info = error_info(caught.value)
    return caught.value.code(), info.reason if info else "", caught.value.details() or ""


def refresh(auth: auth_pb2_grpc.AuthServiceStub, token: str) -> auth_pb2.RefreshResponse:
    return auth.Refresh(auth_pb2.RefreshRequest(refresh_token=token), timeout=10)  # type: ignore[no-any-return]


def test_logout_ends_only_its_own_session(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    name = register(auth)
    first, second = login(auth, name), login(auth, name)
    rotated = refresh(auth, first.refresh_token)  # the session's newest token; the first is spent

    auth.Logout(auth_pb2.LogoutRequest(refresh_token=first.refresh_token), timeout=10)  # a spent token ends it too
    for token in (first.refresh_token, rotated.refresh_token):
        code, reason, _ = failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=token))
        assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, "REFRESH_TOKEN_REVOKED")
    refresh(auth, second.refresh_token)  # the other session goes on
    auth.Logout(auth_pb2.LogoutRequest(refresh_token=rotated.refresh_token), timeout=10)  # again: still fine

    for token, reason in (("garbage", "TOKEN_MALFORMED"), (first.access_token, "TOKEN_TYPE")):
        code, got, _ = failure(auth.Logout, auth_pb2.LogoutRequest(refresh_token=token))
        assert (code, got) == (grpc.StatusCode.UNAUTHENTICATED, reason)


def test_logout_all_ends_every_session(auth: auth_pb2_grpc.AuthServiceStub, gateway_channel: grpc.Channel) -> None:
    name = register(auth)
    sessions = [login(auth, name) for _ in range(3)]
    refresh(auth, sessions[0].refresh_token)  # a rotated session is still one session
    auth.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(sessions[2].access_token), timeout=10)
    time.sleep(1.1)  # access tokens carry whole-second issue times: the cut-off spares one issued in its second
    reply = auth.LogoutAll(auth_pb2.LogoutAllRequest(), metadata=bearer(sessions[1].access_token), timeout=10)
    assert reply.revoked_session_count == 3
    # The access tokens of those sessions stop working too, at the gateway and so for every service behind it.
    for session in sessions:
        code, reason, message = failure(auth.GetMe, auth_pb2.GetMeRequest(), metadata=bearer(session.access_token))
        assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, "SESSION_ENDED") and "log in again" in message
    code, reason, _ = failure(
        log_file_pb2_grpc.LogFileServiceStub(gateway_channel).ListLogFiles,
        log_file_pb2.ListLogFilesRequest(),
        metadata=bearer(sessions[0].access_token),
    )
    assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, "SESSION_ENDED")
    for session in sessions:
        code, reason, _ = failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=session.refresh_token))
        assert code == grpc.StatusCode.UNAUTHENTICATED and reason in ("REFRESH_TOKEN_REVOKED", "REFRESH_TOKEN_REUSED")
    code, _, _ = failure(auth.LogoutAll, auth_pb2.LogoutAllRequest())
    assert code == grpc.StatusCode.UNAUTHENTICATED  # it needs a credential
    again = login(auth, name)  # logging in again works
    auth.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(again.access_token), timeout=10)


def test_change_password_verifies_the_current_one_and_ends_every_session(
    auth: auth_pb2_grpc.AuthServiceStub, gateway_channel: grpc.Channel
) -> None:
    name = register(auth)
    old_sessions = [login(auth, name) for _ in range(2)]
    caller = bearer(old_sessions[0].access_token)
    time.sleep(1.1)  # whole-second issue times (see above)

    def change(current: str, new: str, metadata: Any = caller) -> tuple[grpc.StatusCode, str, str]:
        request = auth_pb2.ChangePasswordRequest(current_password=current, new_password=new)
        return failure(auth.ChangePassword, request, metadata=metadata)

    assert change("wrong password entirely", NEW_PASSWORD)[:2] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "INVALID_CREDENTIALS",
    )
    code, reason, message = change(PASSWORD, "short")
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "WEAK_PASSWORD") and "12 characters" in message
    assert change(PASSWORD, PASSWORD)[1] == "PASSWORD_UNCHANGED"
    assert change("", NEW_PASSWORD)[1] == "MISSING_FIELD"
    refresh(auth, old_sessions[1].refresh_token)  # refused attempts changed nothing

    reply = auth.ChangePassword(
        auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW_PASSWORD),
        metadata=caller,
        timeout=10,
    )
    assert reply.revoked_session_count == 2 and reply.access_token and reply.refresh_token
    for session in old_sessions:
        code, _, _ = failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=session.refresh_token))
        assert code == grpc.StatusCode.UNAUTHENTICATED
    assert failure(auth.GetMe, auth_pb2.GetMeRequest(), metadata=caller)[1] == "SESSION_ENDED"
    refresh(auth, reply.refresh_token)  # the session the change started works
    me = auth.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(reply.access_token), timeout=10)
    assert me.user.username == name
    code, _, _ = failure(auth.Login, auth_pb2.LoginRequest(username=name, password=PASSWORD))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    login(auth, name, NEW_PASSWORD)

    key = auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(api_key=auth_pb2.ApiKey(display_name="ci")),
        metadata=bearer(reply.access_token),
        timeout=10,
    ).secret
    assert change(NEW_PASSWORD, PASSWORD, bearer(key))[:2] == (
        grpc.StatusCode.PERMISSION_DENIED,
        "API_KEY_NOT_ALLOWED",
    )
    log_file_pb2_grpc.LogFileServiceStub(gateway_channel).ListLogFiles(
        log_file_pb2.ListLogFilesRequest(), metadata=bearer(key), timeout=10
    )  # API keys are not sessions: they keep working


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session, f"http://127.0.0.1:{stack.ports.http}"


async def test_sessions_over_rest(http: tuple[aiohttp.ClientSession, str]) -> None:
    session, url = http

    async def post(path: str, body: dict[str, Any], token: str = "") -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with session.post(f"{url}{path}", json=body, headers=headers) as reply:
            return reply.status, await reply.json()

    async with session.get(f"{url}/openapi.json") as reply:
        paths = (await reply.json())["paths"]
    assert {"/v1/auth:logout", "/v1/auth:logoutAll", "/v1/auth:changePassword"} <= set(paths)

    name = fresh_name()
    account = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    status, _ = await post("/v1/auth:register", account)
    assert status == 200
    tokens = [(await post("/v1/auth:login", {"username": name, "password": PASSWORD}))[1] for _ in range(3)]
    await asyncio.sleep(1.1)  # whole-second issue times (see above)

    assert await post("/v1/auth:logout", {"refreshToken": tokens[0]["refreshToken"]}) == (200, {})
    status, payload = await post("/v1/auth:refresh", {"refreshToken": tokens[0]["refreshToken"]})
    assert status == 401 and payload["details"][0]["reason"] == "REFRESH_TOKEN_REVOKED"

    status, payload = await post(
        "/v1/auth:changePassword",
        {"currentPassword": "wrong password entirely", "newPassword": NEW_PASSWORD},
        tokens[1]["accessToken"],
    )
    assert status == 401 and payload["details"][0]["reason"] == "INVALID_CREDENTIALS"
    status, payload = await post(
        "/v1/auth:changePassword", {"currentPassword": PASSWORD, "newPassword": "short"}, tokens[1]["accessToken"]
    )
    assert status == 400 and payload["details"][1]["fieldViolations"][0]["field"] == "new_password"
    status, changed = await post(
        "/v1/auth:changePassword", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, tokens[1]["accessToken"]
    )
    assert status == 200 and changed["revokedSessionCount"] == 2, changed  # tokens[0] had ended already
    status, _ = await post("/v1/auth:refresh", {"refreshToken": tokens[2]["refreshToken"]})
    assert status == 401
    async with session.get(f"{url}/v1/me", headers={"Authorization": f"Bearer {tokens[2]['accessToken']}"}) as got:
        assert got.status == 401 and (await got.json())["details"][0]["reason"] == "SESSION_ENDED"

    status, payload = await post("/v1/auth:logoutAll", {}, changed["accessToken"])
    assert (status, payload) == (200, {"revokedSessionCount": 1})
    status, payload = await post("/v1/auth:logoutAll", {})
    assert status == 401


def cli(*argv: str, env: dict[str, str], stdin: str = "") -> tuple[int, str]:
    err = io.StringIO()
    code = cli_main(list(argv), stdout=io.StringIO(), stderr=err, stdin=io.StringIO(stdin), env=env)
    return code, err.getvalue()


def test_cli_passwd_and_logout(stack: Stack, auth: auth_pb2_grpc.AuthServiceStub, tmp_path: Path) -> None:
    name = register(auth)
    env = {"LOGLENS_SERVER": stack.ports.addr("gateway"), "LOGLENS_CONFIG": str(tmp_path / "config.toml")}
    other = login(auth, name)  # a session on another machine

    assert cli("login", "-u", name, "--password-stdin", env=env, stdin=PASSWORD + "\n")[0] == 0
    code, err = cli("passwd", "--password-stdin", env=env, stdin=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert code == 0 and "Password changed; 2 session(s) ended" in err, err
    assert failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=other.refresh_token))[0] == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    assert cli("whoami", env=env)[0] == 0  # the new session was saved
    saved = ConfigFile.load(tmp_path / "config.toml").credentials.refresh_token

    code, err = cli("logout", env=env)
    assert code == 0 and "ended on" in err
    assert failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=saved))[1] == "REFRESH_TOKEN_REVOKED"
    assert not ConfigFile.load(tmp_path / "config.toml").credentials.refresh_token
    assert cli("whoami", env=env)[0] == 3  # not logged in

    elsewhere = login(auth, name, NEW_PASSWORD)
    assert cli("login", "-u", name, "--password-stdin", env=env, stdin=NEW_PASSWORD + "\n")[0] == 0
    code, err = cli("logout", "--all", env=env)
    assert code == 0 and "Ended 2 session(s)" in err, err
    assert failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=elsewhere.refresh_token))[0] == (
        grpc.StatusCode.UNAUTHENTICATED
    )
