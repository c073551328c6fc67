"""Account rules, API-key format, rate limiting, password hashing and token verification, without servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from types import SimpleNamespace

import jwt.api_jwt
import pytest
from argon2 import extract_parameters
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from loglens_common import auth as auth_module
from loglens_common.auth import ACCESS, REFRESH, TokenSigner, TokenVerifier, private_pem
from loglens_common.errors import InvalidArgument, ResourceExhausted, Unauthenticated
from loglens_gateway import accounts as accounts_module
from loglens_gateway.accounts import Accounts
from loglens_gateway.clients import ClientAddresses, parse_networks, peer_address
from loglens_gateway.config import OWASP_MIN_MEMORY_X_TIME, GatewaySettings
from loglens_gateway.domain import (
    hash_api_key,
    looks_like_api_key,
    new_api_key,
    parse_api_key_name,
    validate_registration,
    well_formed_api_key,
)
from loglens_gateway.passwords import Passwords
from loglens_gateway.ratelimit import LoginBackoff, RateLimiter

GOOD = "correct horse battery staple"


def test_registration_normalizes_username_and_email() -> None:
    assert validate_registration(" Alice.B ", "Alice@Example.COM", GOOD) == ("alice.b", "alice@example.com")


@pytest.mark.parametrize(
    ("username", "email", "password", "field", "words"),
    [
        ("al", "a@example.com", GOOD, "username", "3 to 32"),
        ("-alice", "a@example.com", GOOD, "username", "starting with"),
        ("alice", "not-an-email", GOOD, "email", "not an email"),
        ("alice", "a@example.com", "short pass", "password", "at least 12"),
        ("alice", "a@example.com", "password1234", "password", "most common"),
        ("alice", "a@example.com", "abababababab", "password", "too few different"),
        ("alice", "a@example.com", "my name is ALICE ok", "password", "username or email"),
        ("alice", "a@example.com", "x" * 300 + "yzw1", "password", "longer than"),
    ],
)
def test_registration_says_what_to_change(username: str, email: str, password: str, field: str, words: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_registration(username, email, password)
    assert words in caught.value.message
    assert [v.field for v in caught.value.violations] == [field]


def test_api_keys_are_recognisable_and_stored_only_as_a_hash() -> None:
    made = new_api_key()
    assert looks_like_api_key(made.secret) and well_formed_api_key(made.secret)
    assert made.secret_hash == hash_api_key(made.secret) and made.secret not in made.secret_hash
    assert made.secret.startswith(made.key_prefix) and len(made.key_prefix) < len(made.secret) // 3
    assert new_api_key().secret != made.secret
    assert not well_formed_api_key("llk_short")
    assert not looks_like_api_key("eyJhbGciOiJFZERTQSJ9.e30.sig")


def test_api_key_names_parse() -> None:
    assert parse_api_key_name("apiKeys/" + "a" * 32) == "a" * 32
    with pytest.raises(InvalidArgument):
        parse_api_key_name("apiKeys/../users")


def test_token_bucket_refuses_after_the_burst_and_refills() -> None:
    now = [1000.0]
    limiter = RateLimiter("account", burst=3, per_minute=6, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("alice")
    with pytest.raises(ResourceExhausted) as caught:
        limiter.check("alice")
    assert caught.value.retry_after_s == 10.0  # 6 per minute: one every 10 s
    limiter.check("bob")  # buckets are per key
    now[0] += 10
    limiter.check("alice")


def test_rate_limiter_memory_is_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter("client address", burst=1, per_minute=60, clock=lambda: now[0], max_keys=100)
    for i in range(1000):
        now[0] += 0.001
        limiter.check(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) <= 100


@pytest.mark.parametrize(
    ("peer", "address"),
    [("ipv4:10.1.2.3:5555", "10.1.2.3"), ("ipv6:[::1]:40000", "::1"), ("unix:/tmp/s", "unix:/tmp/s")],
)
def test_peer_address_drops_the_port(peer: str, address: str) -> None:
    assert peer_address(peer) == address


BRIDGE = "ipv4:127.0.0.1:40000"  # the REST bridge calls the gateway over loopback


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # A direct client: its own address, whatever x-forwarded-for it writes.
        ("ipv4:203.0.113.7:5555", "", "203.0.113.7"),
        ("ipv4:203.0.113.7:5555", "198.51.100.1", "203.0.113.7"),
        # The bridge (loopback) forwards the HTTP client's address: believed.
        (BRIDGE, "203.0.113.7", "203.0.113.7"),
        # A client that wrote its own header in front: the bridge appended the real address, read from the right.
        (BRIDGE, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        # An HTTP client of the bridge on this machine cannot forge either: loopback is trusted only as the peer.
        (BRIDGE, "198.51.100.1, 127.0.0.4", "127.0.0.4"),
        # Behind a listed proxy (10.0.0.5): the address it saw.
        (BRIDGE, "1.1.1.1, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        ("ipv4:10.0.0.5:1234", "203.0.113.7", "203.0.113.7"),
        # An unlisted proxy is a client like any other.
        (BRIDGE, "203.0.113.7, 10.9.9.9", "10.9.9.9"),
        # Garbage a trusted hop passed on ends the walk at the last trusted address.
        (BRIDGE, "not-an-address", "127.0.0.1"),
        # Forms proxies write: ports, brackets, IPv4-mapped IPv6; IPv6 clients keyed by their /64.
        (BRIDGE, "203.0.113.7:4711", "203.0.113.7"),
        (BRIDGE, "::ffff:203.0.113.7", "203.0.113.7"),
        (BRIDGE, "[2001:db8:1:2::7]:443", "2001:db8:1:2::/64"),
        ("ipv6:[2001:db8:1:2::7]:443", "", "2001:db8:1:2::/64"),
        ("ipv6:[::1]:40000", "", "::1"),
        # Local clients with no header (tests, make run): the loopback address itself.
        ("ipv4:127.0.0.2:5555", "", "127.0.0.2"),
        ("unix:/tmp/s", "203.0.113.7", "unix:/tmp/s"),
    ],
)
def test_client_address_trusts_forwarded_for_only_from_trusted_proxies(peer: str, forwarded: str, client: str) -> None:
    clients = ClientAddresses(parse_networks("10.0.0.0/29"))
    assert clients.client(peer, forwarded) == client


def test_trusted_proxies_setting_is_checked() -> None:
    assert [str(n) for n in parse_networks("10.0.0.0/8, 192.168.1.7 ,")] == ["10.0.0.0/8", "192.168.1.7/32"]
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not an IP address or CIDR network"):
        parse_networks("10.0.0.0/33")


def test_login_backoff_doubles_per_failure_is_per_key_and_never_locks() -> None:
    now = [1000.0]
    backoff = LoginBackoff(free=3, base_s=1.0, max_s=60.0, forget_after_s=3600.0, clock=lambda: now[0])
    attacker, user = "u1@203.0.113.7", "u1@198.51.100.1"
    waits = []
    for _ in range(12):
        backoff.check(attacker)
        waits.append(backoff.failed(attacker))
        now[0] += waits[-1]  # the attacker waits exactly as long as told
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]  # doubling, capped: slower, never locked out
    backoff.failed(attacker)
    with pytest.raises(ResourceExhausted) as caught:
        backoff.check(attacker)
    assert caught.value.retry_after_s == 60.0 and "other addresses are not affected" in caught.value.message
    backoff.check(user)  # the same account from another address: not slowed at all
    backoff.succeeded(user)
    now[0] += 60
    backoff.check(attacker)
    backoff.succeeded(attacker)  # a success forgets the failures
    assert backoff.failed(attacker) == 0
    now[0] += 3600  # and so does an hour of quiet
    for _ in range(3):
        assert backoff.failed("u2@1.2.3.4") == 0


def test_login_backoff_memory_is_bounded() -> None:
    now = [0.0]
    backoff = LoginBackoff(free=1, base_s=1, max_s=10, forget_after_s=100, clock=lambda: now[0], max_keys=100)
    for i in range(1000):
        now[0] += 0.001
        backoff.failed(f"u@10.0.{i // 256}.{i % 256}")
    assert len(backoff._keys) <= 100


def test_passwords_use_argon2id_at_owasp_parameters_and_level_unknown_users() -> None:
    async def scenario() -> None:
        passwords = Passwords(19 * 1024, 2, 1, 2)
        stored = await passwords.hash(GOOD)
        params = extract_parameters(stored)
        assert stored.startswith("$argon2id$")
        assert params.memory_cost * params.time_cost >= OWASP_MIN_MEMORY_X_TIME
        assert await passwords.verify(stored, GOOD)
        assert not await passwords.verify(stored, GOOD + "!")

        async def timed(stored_hash: str | None) -> float:
            start = time.perf_counter()
            assert not await passwords.verify(stored_hash, "wrong password here")
            return time.perf_counter() - start

        assert not await passwords.verify(None, GOOD)  # unknown user: never true, even for the dummy's text
        # Interleaved, and the fastest of seven each: on a loaded 2-core machine a burst of load then hits
        # both sides alike instead of all the samples of one side (a 2.7x "difference" seen that way).
        pairs = [(await timed(None), await timed(stored)) for _ in range(7)]
        unknown = min(u for u, _ in pairs)
        wrong = min(w for _, w in pairs)
        assert 0.5 < unknown / wrong < 2.0, (unknown, wrong)
        weaker = Passwords(19 * 1024, 3, 1, 1)
        assert weaker.needs_rehash(stored)

    asyncio.run(scenario())


def test_verifier_accepts_both_keys_of_a_rotation_and_keeps_token_types_apart() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    verifier = TokenVerifier({"k1": old.public_key(), "k2": new.public_key()}, "loglens", "loglens")
    for kid, key in (("k1", old), ("k2", new)):
        signer = TokenSigner(kid, key, "loglens", "loglens")
        assert verifier.principal(signer.sign("u1", ACCESS, 60)).subject == "u1"
        with pytest.raises(Unauthenticated) as caught:
            verifier.verify(signer.sign("u1", REFRESH, 60))
        assert caught.value.reason == "TOKEN_TYPE"
    after_rotation = TokenVerifier({"k2": new.public_key()}, "loglens", "loglens")
    with pytest.raises(Unauthenticated) as caught:
        after_rotation.verify(TokenSigner("k1", old, "loglens", "loglens").sign("u1", ACCESS, 60))
    assert caught.value.reason == "TOKEN_UNKNOWN_KEY"


def test_verified_tokens_are_remembered_until_they_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    signer = TokenSigner("k1", key, "loglens", "loglens")
    verifier = TokenVerifier({"k1": key.public_key()}, "loglens", "loglens")
    token, refresh = signer.sign("u1", ACCESS, 60), signer.sign("u1", REFRESH, 60)
    assert verifier.verify(token)["sub"] == "u1"
    assert verifier.verify(refresh, REFRESH)["typ"] == REFRESH
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    def no_second_verification(token: str) -> dict[str, object]:
        raise AssertionError("a verified token was verified again")

    with monkeypatch.context() as patched:
        patched.setattr(verifier, "_decode", no_second_verification)
        assert verifier.principal(token).subject == "u1"
        with pytest.raises(Unauthenticated) as caught:  # a remembered token keeps its type
            verifier.verify(refresh)
        assert caught.value.reason == "TOKEN_TYPE"
    with pytest.raises(Unauthenticated) as caught:  # a forged copy is not the remembered token
        verifier.verify(tampered)
    assert caught.value.reason == "TOKEN_SIGNATURE"

    # Two minutes later, for the verifier's look-up and for PyJWT alike: the remembered token has expired.
    later = time.time() + 120

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Later:  # type: ignore[override]
            return cls.fromtimestamp(later, tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    monkeypatch.setattr(auth_module, "time", SimpleNamespace(time=lambda: later))
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(token)
    assert caught.value.reason == "TOKEN_EXPIRED"


def test_remembered_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_module, "VERIFIED_TOKENS_MAX", 3)
    key = Ed25519PrivateKey.generate()
    signer = TokenSigner("k1", key, "loglens", "loglens")
    verifier = TokenVerifier({"k1": key.public_key()}, "loglens", "loglens")
    for n in range(10):
        verifier.verify(signer.sign(f"u{n}", ACCESS, 60))
    assert len(verifier._verified) == 3


def test_gateway_settings_refuse_argon2_below_owasp_without_echoing_the_key(tmp_path: Path) -> None:
    pem = private_pem(Ed25519PrivateKey.generate())
    (tmp_path / "key.pem").write_text(pem)
    base = {"database_url": "postgresql://db/loglens", "jwt_kid": "k1"}
    settings = GatewaySettings(**base, jwt_private_key=f"@{tmp_path / 'key.pem'}")  # type: ignore[arg-type]
    assert settings.jwt_private_key == pem and settings.argon2_memory_kib >= 19 * 1024
    with pytest.raises(ValidationError) as caught:
        GatewaySettings(**base, jwt_private_key=pem, argon2_time_cost=1)  # type: ignore[arg-type]
    [error] = caught.value.errors()
    assert error["loc"] == ("argon2_time_cost",) and "OWASP" in error["msg"]
    assert "PRIVATE KEY" not in str(error.get("input"))


def test_trusted_proxies_are_checked_at_start_up(tmp_path: Path) -> None:
    pem = private_pem(Ed25519PrivateKey.generate())
    base = {"database_url": "postgresql://db/loglens", "jwt_kid": "k1", "jwt_private_key": pem}
    assert GatewaySettings(**base, trusted_proxies="10.0.0.0/8,192.168.1.7").trusted_proxies  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        GatewaySettings(**base, trusted_proxies="10.0.0.0/8,ingress")  # type: ignore[arg-type]
    [error] = caught.value.errors()
    assert error["loc"] == ("trusted_proxies",) and "'ingress' is not an IP address or CIDR network" in error["msg"]


class FakeSessions:
    """Just the repository calls the session cut-off makes."""

    def __init__(self) -> None:
        self.revoke_time: dt.datetime | None = None
        self.reads = 0

    async def sessions_revoke_time(self, user_id: str) -> dt.datetime | None:
        self.reads += 1
        return self.revoke_time


def test_access_tokens_issued_before_the_cut_off_are_refused_within_the_cache_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr(accounts_module.time, "monotonic", lambda: now[0])
    store = FakeSessions()
    accounts = Accounts(store, None, None, None, None, None)  # type: ignore[arg-type]
    cut = dt.datetime(2026, 11, 30, 10, 0, 5, tzinfo=dt.UTC)

    async def scenario() -> None:
        await accounts.ensure_not_ended("u1", int(cut.timestamp()) - 60)  # never cut off: fine
        store.revoke_time = cut  # another replica ends every session
        await accounts.ensure_not_ended("u1", int(cut.timestamp()) - 60)  # cached for up to 5 s
        now[0] += accounts_module.CUTOFF_CACHE_S
        with pytest.raises(Unauthenticated) as caught:
            await accounts.ensure_not_ended("u1", int(cut.timestamp()) - 60)
        assert caught.value.reason == "SESSION_ENDED"
        await accounts.ensure_not_ended("u1", int(cut.timestamp()))  # issued in the cut-off's second or later
        assert store.reads == 2

    asyncio.run(scenario())
