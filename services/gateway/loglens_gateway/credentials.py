"""Who is calling the gateway: an access JWT or an API key, and what the back ends are sent for that caller.

Back ends trust only JWTs signed by the gateway. A JWT caller's token is forwarded as it came (it is already
one); for an API-key caller the gateway mints a short-lived access token, so API keys never leave the
gateway and the back ends need no database of keys.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Mapping

from sqlalchemy.exc import SQLAlchemyError

from loglens_common.auth import Principal, TokenVerifier, principal_of
from loglens_common.errors import Unavailable
from loglens_common.interceptors import bearer_token
from loglens_gateway.accounts import Accounts
from loglens_gateway.domain import looks_like_api_key

log = logging.getLogger("loglens.gateway.auth")

CUTOFF_LOOKUP_S = 2.0  # the longest a call waits to learn whether its token's sessions were ended

# The bearer token to send to the back ends for the call being served; set by the authenticator.
forward_token_var: contextvars.ContextVar[str] = contextvars.ContextVar("forward_token", default="")


class GatewayAuthenticator:
    def __init__(self, verifier: TokenVerifier, accounts: Accounts) -> None:
        self._verifier = verifier
        self._accounts = accounts

    async def authenticate(self, metadata: Mapping[str, str]) -> Principal:
        token = bearer_token(metadata)
        if looks_like_api_key(token):
            try:
                principal, forward = await self._accounts.authenticate_api_key(token)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("API key lookup failed: %s", exc)
                raise Unavailable(
                    "the API key cannot be checked right now; retry shortly", reason="AUTH_STORE_UNAVAILABLE"
                ) from None
        else:
            claims = self._verifier.verify(token)
            principal, forward = principal_of(claims), token
            try:
                await self._accounts.ensure_not_ended(principal.subject, int(claims["iat"]), CUTOFF_LOOKUP_S)
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                # The token is signed and expires within minutes: when the store cannot say whether its session
                # was ended, let it through rather than fail every call while the database is away.
                log.warning("session cut-off lookup failed, token accepted: %s", exc)
        forward_token_var.set(forward)
        return principal
