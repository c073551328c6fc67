"""AuthService on the real gateway: accounts, refresh-token rotation, API keys, rate limits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from loglens.v1 import auth_pb2, auth_pb2_grpc, log_file_pb2, log_file_pb2_grpc
from loglens_common.errors import error_info
from loglens_devstack.servers import free_port
from loglens_devstack.stack import STANDBY_KID, Stack

PASSWORD = "correct horse battery staple"


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def fresh_name() -> str:
    return "u" + uuid.uuid4().hex[:20]


def register(auth: auth_pb2_grpc.AuthServiceStub, username: str = "") -> auth_pb2.User:
    username = username or fresh_name()
    request = auth_pb2.RegisterRequest(username=username, email=f"{username}@example.com", password=PASSWORD)
    return auth.Register(request, timeout=10).user


def login(auth: auth_pb2_grpc.AuthServiceStub, username: str, password: str = PASSWORD) -> auth_pb2.LoginResponse:
    return auth.Login(auth_pb2.LoginRequest(username=username, password=password), timeout=10)  # type: ignore[no-any-return]


def failure(call: object, *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def reason(error: grpc.RpcError) -> str:
    info = error_info(error)
    return info.reason if info else ""


def retry_info(error: grpc.RpcError) -> error_details_pb2.RetryInfo | None:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info
    return None


@pytest.fixture(scope="module")
def auth(gateway_channel: grpc.Channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(gateway_channel)


@pytest.fixture(scope="module")
def log_files(gateway_channel: grpc.Channel) -> log_file_pb2_grpc.LogFileServiceStub:
    return log_file_pb2_grpc.LogFileServiceStub(gateway_channel)


def test_register_login_and_get_me(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    name = fresh_name()
    user = register(auth, name.upper())
    assert user.username == name and user.email == f"{name}@example.com" and user.name.startswith("users/")

    tokens = login(auth, f"{name}@EXAMPLE.com")  # the email works too, case-insensitively
    assert tokens.user == user
    lifetime = tokens.access_token_expire_time.ToSeconds() - time.time()
    assert 14 * 60 < lifetime <= 15 * 60 + 5
    assert tokens.refresh_token_expire_time.ToSeconds() > tokens.access_token_expire_time.ToSeconds()

    me = auth.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(tokens.access_token), timeout=5)
    assert me.user == user and me.credential_type == "jwt"
    assert PASSWORD not in str(me) and "argon2" not in str(me)

    wrong = failure(login, auth, name, PASSWORD + "!")
    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED and reason(wrong) == "INVALID_CREDENTIALS"
    unknown = failure(login, auth, fresh_name())
    assert (unknown.code(), unknown.details(), reason(unknown)) == (wrong.code(), wrong.details(), reason(wrong))


def test_register_validation(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    taken = register(auth)

    error = failure(register, auth, taken.username.upper())
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS and reason(error) == "USERNAME_TAKEN"
    assert taken.username in error.details()

    same_email = auth_pb2.RegisterRequest(username=fresh_name(), email=taken.email.upper(), password=PASSWORD)
    error = failure(auth.Register, same_email, timeout=10)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS and reason(error) == "EMAIL_TAKEN"

    name = fresh_name()
    weak = auth_pb2.RegisterRequest(username=name, email=f"{name}@example.com", password="hunter2")
    error = failure(auth.Register, weak, timeout=10)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and reason(error) == "WEAK_PASSWORD"
    assert "at least 12 characters" in error.details()

    common = auth_pb2.RegisterRequest(username=name, email=f"{name}@example.com", password="Password1234")
    error = failure(auth.Register, common, timeout=10)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "most common passwords" in error.details()

    bad_email = auth_pb2.RegisterRequest(username=name, email="nobody", password=PASSWORD)
    error = failure(auth.Register, bad_email, timeout=10)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and reason(error) == "INVALID_EMAIL"


def test_refresh_rotates_and_reuse_revokes_the_family(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    name = register(auth).username
    first = login(auth, name)
    other_session = login(auth, name)

    second = auth.Refresh(auth_pb2.RefreshRequest(refresh_token=first.refresh_token), timeout=5)
    assert second.refresh_token != first.refresh_token and second.access_token
    auth.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(second.access_token), timeout=5)

    replay = failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=first.refresh_token), timeout=5)
    assert replay.code() == grpc.StatusCode.UNAUTHENTICATED and reason(replay) == "REFRESH_TOKEN_REUSED"
    # It says what is revoked: the session's refresh tokens; an access token already issued works until it expires.
    assert "refresh tokens are revoked" in replay.details() and "until they expire" in replay.details()
    auth.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(second.access_token), timeout=5)
    # The token the legitimate client (or the thief) got from the rotation is dead too.
    revoked = failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=second.refresh_token), timeout=5)
    assert revoked.code() == grpc.StatusCode.UNAUTHENTICATED and reason(revoked) == "REFRESH_TOKEN_REVOKED"
    # Another session of the same user is another family: untouched.
    auth.Refresh(auth_pb2.RefreshRequest(refresh_token=other_session.refresh_token), timeout=5)

    as_refresh = failure(auth.Refresh, auth_pb2.RefreshRequest(refresh_token=first.access_token), timeout=5)
    assert as_refresh.code() == grpc.StatusCode.UNAUTHENTICATED and reason(as_refresh) == "TOKEN_TYPE"


def test_api_key_lifecycle(
    stack: Stack, auth: auth_pb2_grpc.AuthServiceStub, log_files: log_file_pb2_grpc.LogFileServiceStub
) -> None:
    user = register(auth)
    session = bearer(login(auth, user.username).access_token)
    created = auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(api_key=auth_pb2.ApiKey(display_name="nightly CI")), metadata=session, timeout=5
    )
    secret, key = created.secret, created.api_key
    assert secret.startswith("llk_") and secret.startswith(key.key_prefix) and secret not in str(key)

    as_key = bearer(secret)
    me = auth.GetMe(auth_pb2.GetMeRequest(), metadata=as_key, timeout=5)
    assert me.user == user and me.credential_type == "api_key"
    log_files.ListLogFiles(log_file_pb2.ListLogFilesRequest(), metadata=as_key, timeout=5)

    # The back ends never accept an API key: the gateway forwards a token it minted instead.
    with grpc.insecure_channel(stack.ports.addr("ingest")) as channel:
        direct = failure(
            log_file_pb2_grpc.LogFileServiceStub(channel).ListLogFiles,
            log_file_pb2.ListLogFilesRequest(),
            metadata=as_key,
            timeout=5,
        )
    assert direct.code() == grpc.StatusCode.UNAUTHENTICATED

    denied = failure(
        auth.CreateApiKey, auth_pb2.CreateApiKeyRequest(api_key=auth_pb2.ApiKey()), metadata=as_key, timeout=5
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED and reason(denied) == "API_KEY_NOT_ALLOWED"

    listed = auth.ListApiKeys(auth_pb2.ListApiKeysRequest(), metadata=session, timeout=5)
    assert [k.name for k in listed.api_keys] == [key.name]
    assert listed.api_keys[0].HasField("last_use_time") and secret not in str(listed)

    revoked = auth.RevokeApiKey(auth_pb2.RevokeApiKeyRequest(name=key.name), metadata=session, timeout=5)
    assert revoked.api_key.HasField("revoke_time")
    refused = failure(log_files.ListLogFiles, log_file_pb2.ListLogFilesRequest(), metadata=as_key, timeout=5)
    assert refused.code() == grpc.StatusCode.UNAUTHENTICATED and reason(refused) == "API_KEY_REVOKED"

    unknown = failure(auth.GetMe, auth_pb2.GetMeRequest(), metadata=bearer("llk_" + "A" * 43), timeout=5)
    assert unknown.code() == grpc.StatusCode.UNAUTHENTICATED and reason(unknown) == "API_KEY_UNKNOWN"


def test_api_keys_page_and_stay_private(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    owner, stranger = register(auth), register(auth)
    mine, theirs = bearer(login(auth, owner.username).access_token), bearer(login(auth, stranger.username).access_token)
    made = [
        auth.CreateApiKey(
            auth_pb2.CreateApiKeyRequest(api_key=auth_pb2.ApiKey(display_name=f"key {i}")), metadata=mine, timeout=5
        ).api_key.name
        for i in range(3)
    ]
    first = auth.ListApiKeys(auth_pb2.ListApiKeysRequest(page_size=2), metadata=mine, timeout=5)
    rest = auth.ListApiKeys(
        auth_pb2.ListApiKeysRequest(page_size=2, page_token=first.next_page_token), metadata=mine, timeout=5
    )
    assert [k.name for k in [*first.api_keys, *rest.api_keys]] == made[::-1] and not rest.next_page_token
    assert not auth.ListApiKeys(auth_pb2.ListApiKeysRequest(), metadata=theirs, timeout=5).api_keys

    target = made[0]
    random_name = f"apiKeys/{uuid.uuid4().hex}"
    other = failure(auth.RevokeApiKey, auth_pb2.RevokeApiKeyRequest(name=target), metadata=theirs, timeout=5)
    missing = failure(auth.RevokeApiKey, auth_pb2.RevokeApiKeyRequest(name=random_name), metadata=theirs, timeout=5)
    assert other.code() == missing.code() == grpc.StatusCode.NOT_FOUND
    assert other.details().replace(target, "X") == missing.details().replace(random_name, "X")


def test_failed_logins_back_off_per_account_and_client(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    name = register(auth).username
    for _ in range(6):  # five free failures, and the one that starts the backoff
        assert failure(login, auth, name, "not the password at all").code() == grpc.StatusCode.UNAUTHENTICATED
    limited = failure(login, auth, name)  # even the right password waits now, from this address
    assert limited.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and reason(limited) == "RATE_LIMITED"
    info = retry_info(limited)
    assert info is not None and info.retry_delay.seconds >= 1
    assert "retry in" in limited.details() and "other addresses are not affected" in limited.details()
    time.sleep(info.retry_delay.seconds + 0.1)  # a wait, not a lockout
    login(auth, name)


def test_unknown_user_login_takes_about_as_long_as_a_wrong_password(auth: auth_pb2_grpc.AuthServiceStub) -> None:
    name = register(auth).username

    def timed(username: str) -> float:
        start = time.perf_counter()
        failure(login, auth, username, "a wrong password for sure")
        return time.perf_counter() - start

    # Interleaved, and the fastest of each: other load on the machine only ever adds time.
    pairs = [(timed(name), timed(fresh_name())) for _ in range(4)]  # 4 stays inside the account's burst
    wrong, unknown = min(p[0] for p in pairs), min(p[1] for p in pairs)
    assert 0.5 < unknown / wrong < 2.0, pairs


@pytest.fixture(scope="module")
def rotated_gateway(stack: Stack) -> Iterator[str]:
    """A second gateway signing with the standby key (a rotation's next step), with a tight per-client limit."""
    port = free_port()
    name = "gateway-rotated"
    stack.start_service(
        "gateway",
        name=name,
        LOGLENS_LISTEN_ADDR=f"127.0.0.1:{port}",
        LOGLENS_METRICS_PORT="0",
        LOGLENS_HTTP_LISTEN_ADDR="",  # the main gateway holds the REST port
        LOGLENS_JWT_PRIVATE_KEY=f"@{stack.root / 'keys' / 'standby-signing-key.pem'}",
        LOGLENS_JWT_KID=STANDBY_KID,
        LOGLENS_AUTH_PEER_BURST="4",
        LOGLENS_AUTH_PEER_PER_MINUTE="1",
    )
    try:
        stack.wait_serving(name, addr=f"127.0.0.1:{port}")  # by name: fails fast with its log if it exits
        yield f"127.0.0.1:{port}"
    finally:
        stack.stop_service(name)


def test_rotation_tokens_of_either_key_are_accepted(
    stack: Stack,
    rotated_gateway: str,
    auth: auth_pb2_grpc.AuthServiceStub,
    log_files: log_file_pb2_grpc.LogFileServiceStub,
) -> None:
    name = register(auth).username
    old = login(auth, name)
    with grpc.insecure_channel(rotated_gateway) as channel:
        new = login(auth_pb2_grpc.AuthServiceStub(channel), name)
        # The new gateway accepts the old key's tokens, and the old one (and the back ends) the new key's.
        auth_pb2_grpc.AuthServiceStub(channel).GetMe(auth_pb2.GetMeRequest(), metadata=bearer(old.access_token))
    for tokens in (old, new):
        log_files.ListLogFiles(log_file_pb2.ListLogFilesRequest(), metadata=bearer(tokens.access_token), timeout=5)
    standby = stack.standby_signer().sign(uuid.uuid4().hex, "access", 60)
    log_files.ListLogFiles(log_file_pb2.ListLogFilesRequest(), metadata=bearer(standby), timeout=5)


def test_register_and_login_are_rate_limited_per_client(rotated_gateway: str) -> None:
    with grpc.insecure_channel(rotated_gateway) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        codes = []
        for _ in range(6):  # different accounts each time: only the client address is shared
            try:
                login(auth, fresh_name(), "whatever password")
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                codes.append(error.code())
                last = error
        assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert grpc.StatusCode.UNAUTHENTICATED in codes
        assert "client address" in last.details() and retry_info(last) is not None
        blocked = failure(register, auth)
        assert blocked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
