"""Account use cases: register, log in, refresh, who am I, API keys, and authenticating an API key.

No gRPC and no SQL here: the servicer translates protos, the repository stores, this decides.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from loglens_common import names
from loglens_common.auth import ACCESS, REFRESH, Principal, TokenSigner, TokenVerifier
from loglens_common.errors import (
    AlreadyExists,
    FieldViolation,
    InvalidArgument,
    PermissionDenied,
    Unauthenticated,
    not_found,
)
from loglens_gateway.adapters.repository import (
    AccountRepository,
    EmailTaken,
    Rotation,
    UsernameTaken,
)
from loglens_gateway.domain import (
    ApiKey,
    User,
    api_key_name,
    check_password,
    hash_api_key,
    new_api_key,
    normalize_username,
    parse_api_key_name,
    validate_display_name,
    validate_registration,
    well_formed_api_key,
)
from loglens_gateway.passwords import Passwords
from loglens_gateway.ratelimit import LoginBackoff, RateLimiter

VIA_JWT = "jwt"
VIA_API_KEY = "api_key"


def _duration(seconds: int) -> str:
    return f"{seconds // 60} minutes" if seconds % 60 == 0 and seconds >= 120 else f"{seconds} seconds"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expire_time: dt.datetime
    refresh_token: str
    refresh_expire_time: dt.datetime


@dataclass(frozen=True)
class TokenPolicy:
    access_ttl_s: int
    refresh_ttl_s: int
    api_key_token_ttl_s: int


def _expiry(token: str) -> dt.datetime:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)


CUTOFF_CACHE_S = 5.0  # how stale a user's session cut-off may be in one gateway process
MAX_CUTOFFS = 100_000


def _this_second() -> dt.datetime:
    """Now, to the second: tokens carry whole-second iat, and one issued right after the cut-off must pass."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _required(field: str) -> InvalidArgument:
    return InvalidArgument(
        f"{field} is required", reason="MISSING_FIELD", violations=[FieldViolation(field, "required")]
    )


def _taken(username_taken: bool, username: str) -> AlreadyExists:
    if username_taken:
        return AlreadyExists(
            f"the username {username!r} is taken; choose another",
            reason="USERNAME_TAKEN",
            metadata={"field": "username"},
        )
    return AlreadyExists(
        "an account with this email already exists; log in instead",
        reason="EMAIL_TAKEN",
        metadata={"field": "email"},
    )


@dataclass(frozen=True)
class AuthLimits:
    """The rate limits of the credential-less RPCs (see :mod:`loglens_gateway.ratelimit`)."""

    per_client: RateLimiter  # Register and Login calls per client address
    registrations: RateLimiter  # Register calls per client address
    backoff: LoginBackoff  # failed passwords per (account, client address)


class Accounts:
    def __init__(
        self,
        repository: AccountRepository,
        passwords: Passwords,
        signer: TokenSigner,
        verifier: TokenVerifier,
        policy: TokenPolicy,
        limits: AuthLimits,
    ) -> None:
        self.repository = repository
        self.passwords = passwords
        self.signer = signer
        self.verifier = verifier
        self.policy = policy
        self.limits = limits
        self._cutoffs: dict[str, tuple[float, float | None]] = {}  # user -> (until, sessions revoke epoch)

    # Register, Login, Refresh, Logout: no credential, rate limited ---------------------------------------
    async def register(self, client: str, username: str, email: str, password: str) -> User:
        """A new account. Whether a username or email is taken is said (a person must be able to choose
        another), but each client address gets a few registrations an hour, so learning which accounts exist
        is slow (what most sign-up pages do; an answer that hides it needs an emailed confirmation link)."""
        self.limits.per_client.check(client)
        username, email = validate_registration(username, email, password)
        # After validation (fixing a typo costs nothing), before the lookup (a probe costs the same either way).
        self.limits.registrations.check(client)
        # Checked before hashing so that a taken name costs no Argon2; the unique constraints decide races.
        username_taken, email_taken = await self.repository.user_taken(username, email)
        if username_taken or email_taken:
            raise _taken(username_taken, username)
        user = User(
            id=names.new_id(),
            username=username,
            email=email,
            password_hash=await self.passwords.hash(password),
            create_time=dt.datetime.now(dt.UTC),
        )
        try:
            return await self.repository.add_user(user)
        except UsernameTaken:
            raise _taken(True, username) from None
        except EmailTaken:
            raise _taken(False, username) from None

    async def login(self, client: str, login: str, password: str) -> tuple[TokenPair, User]:
        self.limits.per_client.check(client)
        key = normalize_username(login)
        user = await self.repository.user_by_login(key)
        await self._verify_password(client, user, f"name:{key}", password)
        assert user is not None  # _verify_password raised otherwise
        family = uuid.uuid4().hex
        return await self._issue(user, family, None), user

    async def _verify_password(self, client: str, user: User | None, unknown_key: str, password: str) -> None:
        """One Argon2 verification (against a dummy hash when the user is unknown: same time either way), behind
        the backoff of this account and client address; a wrong password extends the backoff."""
        backoff_key = f"{user.id if user else unknown_key}@{client}"
        self.limits.backoff.check(backoff_key)
        if not await self.passwords.verify(user.password_hash if user else None, password) or user is None:
            self.limits.backoff.failed(backoff_key)
            raise Unauthenticated("the username or password is wrong", reason="INVALID_CREDENTIALS")
        self.limits.backoff.succeeded(backoff_key)
        if self.passwords.needs_rehash(user.password_hash):
            await self.repository.set_password_hash(user.id, await self.passwords.hash(password))

    async def logout(self, refresh_token: str) -> None:
        """End the session of ``refresh_token``: every refresh token of its family is revoked.

        The token must be one we signed (so nobody can probe ids), but it may be spent or revoked already:
        holding any token of a session is enough to end it, and a retried logout succeeds.
        """
        claims = self.verifier.verify(refresh_token, expected_type=REFRESH)
        await self.repository.revoke_session(str(claims.get("jti", "")))

    async def refresh(self, refresh_token: str) -> TokenPair:
        claims = self.verifier.verify(refresh_token, expected_type=REFRESH)
        new_token_id = uuid.uuid4().hex
        expire = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.policy.refresh_ttl_s)
        result = await self.repository.rotate_refresh_token(str(claims.get("jti", "")), new_token_id, expire)
        if result.outcome is Rotation.UNKNOWN:
            raise Unauthenticated("the refresh token is unknown; log in again", reason="REFRESH_TOKEN_UNKNOWN")
        if result.outcome is Rotation.REVOKED:
            raise Unauthenticated("the refresh token was revoked; log in again", reason="REFRESH_TOKEN_REVOKED")
        if result.outcome is Rotation.REUSED:
            raise Unauthenticated(
                "the refresh token was already used, so this session's refresh tokens are revoked (access tokens"
                f" already issued work until they expire, within {_duration(self.policy.access_ttl_s)}); log in again",
                reason="REFRESH_TOKEN_REUSED",
            )
        user = await self.repository.user_by_id(result.user_id)
        if user is None:
            raise Unauthenticated("the account no longer exists", reason="ACCOUNT_GONE")
        return await self._issue(user, result.family_id, new_token_id)

    async def _issue(self, user: User, family: str, refresh_id: str | None) -> TokenPair:
        access = self.signer.sign(user.id, ACCESS, self.policy.access_ttl_s, name=user.username, via=VIA_JWT)
        if refresh_id is None:  # a new session: record its first refresh token
            refresh_id = uuid.uuid4().hex
            await self.repository.add_refresh_token(
                refresh_id,
                family,
                user.id,
                dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.policy.refresh_ttl_s),
            )
        refresh = self.signer.sign(user.id, REFRESH, self.policy.refresh_ttl_s, jti=refresh_id, fam=family)
        return TokenPair(access, _expiry(access), refresh, _expiry(refresh))

    # Authenticated -------------------------------------------------------------------------------------
    async def me(self, principal: Principal) -> User:
        user = await self.repository.user_by_id(principal.subject)
        if user is None:
            raise Unauthenticated("the account of this credential no longer exists", reason="ACCOUNT_GONE")
        return user

    async def logout_all(self, principal: Principal) -> int:
        """End every session of the caller; the number that were open."""
        user = await self.me(principal)
        ended = await self.repository.revoke_sessions(user.id, _this_second())
        self._cutoffs.pop(user.id, None)
        return ended

    async def ensure_not_ended(self, user_id: str, issued_at: int, lookup_timeout_s: float | None = None) -> None:
        """Refuse an access token issued before its user ended every session (LogoutAll, ChangePassword).

        The instant is read from the store at most every CUTOFF_CACHE_S per user and process, so another
        gateway replica's change applies here within that; a read that takes over ``lookup_timeout_s`` raises
        TimeoutError. (The timeout covers the read only: a timer per call would cost every call, most of which
        read nothing.)
        """
        now = time.monotonic()
        cached = self._cutoffs.get(user_id)
        if cached is None or cached[0] <= now:
            async with asyncio.timeout(lookup_timeout_s):
                revoke_time = await self.repository.sessions_revoke_time(user_id)
            if len(self._cutoffs) >= MAX_CUTOFFS:
                self._cutoffs.clear()
            cached = (now + CUTOFF_CACHE_S, revoke_time.timestamp() if revoke_time else None)
            self._cutoffs[user_id] = cached
        if cached[1] is not None and issued_at < cached[1]:
            raise Unauthenticated(
                "this token's session was ended (log out everywhere, or a password change); log in again",
                reason="SESSION_ENDED",
            )

    async def change_password(
        self, principal: Principal, client: str, current_password: str, new_password: str
    ) -> tuple[TokenPair, int]:
        """Verify the current password, store the new one and end every session; a new session and the number
        of sessions ended. A stolen access token alone cannot change the password: the current one is needed,
        and wrong guesses back off like logins."""
        if principal.via == VIA_API_KEY:
            raise PermissionDenied(
                "an API key cannot change the password; log in with your password to change it",
                reason="API_KEY_NOT_ALLOWED",
            )
        user = await self.me(principal)
        if not current_password:
            raise _required("current_password")
        await self._verify_password(client, user, "", current_password)
        check_password(new_password, user.username, user.email, field="new_password")
        if new_password == current_password:
            raise InvalidArgument(
                "the new password is the same as the current one; choose another",
                reason="PASSWORD_UNCHANGED",
                violations=[FieldViolation("new_password", "must differ from current_password")],
            )
        ended = await self.repository.revoke_sessions(user.id, _this_second(), await self.passwords.hash(new_password))
        self._cutoffs.pop(user.id, None)
        return await self._issue(user, uuid.uuid4().hex, None), ended

    async def create_api_key(self, principal: Principal, display_name: str) -> tuple[ApiKey, str]:
        if principal.via == VIA_API_KEY:
            raise PermissionDenied(
                "an API key cannot create API keys; log in with your password to create one",
                reason="API_KEY_NOT_ALLOWED",
            )
        user = await self.me(principal)
        made = new_api_key()
        key = ApiKey(
            id=names.new_id(),
            user_id=user.id,
            display_name=validate_display_name(display_name),
            key_prefix=made.key_prefix,
            create_time=dt.datetime.now(dt.UTC),
        )
        await self.repository.add_api_key(key, made.secret_hash)
        return key, made.secret

    async def list_api_keys(self, principal: Principal, page_size: int, page_token: str) -> tuple[list[ApiKey], str]:
        limit = names.page_size(page_size)
        query = f"apiKeys:{principal.subject}"
        after = names.decode_page_token(page_token, query)
        found = await self.repository.api_keys_page(principal.subject, limit + 1, after)
        return names.cut_page(found, limit, query)

    async def revoke_api_key(self, principal: Principal, name: str) -> ApiKey:
        key = await self.repository.revoke_api_key(principal.subject, parse_api_key_name(name))
        if key is None:
            raise not_found(api_key_name(parse_api_key_name(name)))
        return key

    async def authenticate_api_key(self, secret: str) -> tuple[Principal, str]:
        """The caller behind an API key and the short-lived access token forwarded for it to the back ends.

        Looked up on every call (no cache), so a revocation takes effect on the next call.
        """
        if not well_formed_api_key(secret):
            raise Unauthenticated(
                "the API key is malformed: expected llk_ followed by 43 characters", reason="API_KEY_MALFORMED"
            )
        found = await self.repository.api_key_by_hash(hash_api_key(secret))
        if found is None:
            raise Unauthenticated("the API key is unknown", reason="API_KEY_UNKNOWN")
        if found.key.revoke_time is not None:
            raise Unauthenticated("the API key was revoked", reason="API_KEY_REVOKED")
        await self.repository.touch_api_key(found.key.id)
        user = found.user
        token = self.signer.sign(
            user.id,
            ACCESS,
            self.policy.api_key_token_ttl_s,
            name=user.username,
            via=VIA_API_KEY,
            api_key=found.key.id,
        )
        return Principal(subject=user.id, username=user.username, via=VIA_API_KEY), token
