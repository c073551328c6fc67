"""Who is calling: JWT verification shared by every service, signing used only by the gateway.

Tokens are EdDSA (Ed25519) JWTs. The algorithm is pinned; ``kid`` picks the key from a configured key set
so that two keys are valid during a rotation; iss, aud, sub, exp, iat, nbf and ``typ`` are required, and
``typ`` keeps access and refresh tokens apart.
"""

from __future__ import annotations

import contextvars
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from loglens_common.errors import Unauthenticated

ALGORITHM = "EdDSA"
ACCESS = "access"
REFRESH = "refresh"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "nbf", "typ"]


@dataclass(frozen=True)
class Principal:
    """The verified caller. ``subject`` is the owner of every resource the caller makes."""

    subject: str
    username: str = ""
    via: str = "jwt"  # "jwt" or "api_key"


principal_var: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)


def current_principal() -> Principal:
    principal = principal_var.get()
    if principal is None:  # the auth interceptor guarantees one on every authenticated RPC
        raise Unauthenticated("no credential: send 'authorization: Bearer <token>'", reason="NO_CREDENTIAL")
    return principal


def load_public_keys(spec: str) -> dict[str, Ed25519PublicKey]:
    """Parse ``{"kid": "PEM", ...}`` given inline or as ``@path``."""
    if not spec:
        return {}
    text = Path(spec[1:]).read_text() if spec.startswith("@") else spec
    raw: dict[str, str] = json.loads(text)
    keys: dict[str, Ed25519PublicKey] = {}
    for kid, pem in raw.items():
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"key {kid!r} is not an Ed25519 public key")
        keys[kid] = key
    return keys


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key is not an Ed25519 private key")
    return key


LEEWAY_S = 5
# Tokens whose signature and claims were verified, kept so that a client's next call with the same token costs
# a dictionary look-up instead of an Ed25519 verification and a JSON parse (about 110 us, twice per call through
# the gateway). Only the expiry can change the verdict on a verified token: it is checked on every use. Failed
# tokens are never kept. Bounded: when full, the oldest entry makes room.
VERIFIED_TOKENS_MAX = 4096


class TokenVerifier:
    def __init__(self, keys: dict[str, Ed25519PublicKey], issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._verified: dict[str, dict[str, Any]] = {}

    def verify(self, token: str, expected_type: str = ACCESS) -> dict[str, Any]:
        """The token's claims (read-only) once its signature, key, algorithm, audience, issuer and times hold."""
        claims = self._verified.get(token)
        if claims is None or claims["exp"] + LEEWAY_S <= time.time():
            claims = self._decode(token)
            if len(self._verified) >= VERIFIED_TOKENS_MAX:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = claims
        if claims.get("typ") != expected_type:
            raise Unauthenticated(
                f"a {claims.get('typ')!r} token cannot be used here; send an {expected_type} token",
                reason="TOKEN_TYPE",
            )
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise Unauthenticated("the token is malformed: not a JWT", reason="TOKEN_MALFORMED") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(
                f"the token's algorithm {header.get('alg')!r} is not accepted; only {ALGORITHM}",
                reason="TOKEN_ALGORITHM",
            )
        key = self._keys.get(str(header.get("kid", "")))
        if key is None:
            raise Unauthenticated("the token was signed with an unknown key (kid)", reason="TOKEN_UNKNOWN_KEY")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
                leeway=LEEWAY_S,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired; log in again", reason="TOKEN_EXPIRED") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("the token is not valid yet (nbf/iat)", reason="TOKEN_NOT_YET_VALID") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("the token is for another audience", reason="TOKEN_AUDIENCE") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("the token has an unknown issuer", reason="TOKEN_ISSUER") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"the token lacks the {exc.claim!r} claim", reason="TOKEN_CLAIMS") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the token's signature does not verify", reason="TOKEN_SIGNATURE") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is invalid: {exc}", reason="TOKEN_INVALID") from None
        return claims

    def principal(self, token: str) -> Principal:
        return principal_of(self.verify(token))


def principal_of(claims: dict[str, Any]) -> Principal:
    """The caller named by a verified access token's claims."""
    return Principal(
        subject=str(claims["sub"]),
        username=str(claims.get("name", "")),
        via=str(claims.get("via", "jwt")),
    )


class TokenSigner:
    """Mints tokens. Only the gateway holds a private key."""

    def __init__(self, kid: str, key: Ed25519PrivateKey, issuer: str, audience: str) -> None:
        self.kid = kid
        self._key = key
        self._issuer = issuer
        self._audience = audience

    def sign(self, subject: str, token_type: str, ttl_s: int, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
            "typ": token_type,
            **extra,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
