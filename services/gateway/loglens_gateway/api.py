"""AuthService servicer: protos in, account use cases, protos out. Errors become statuses in the interceptor."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeAlias

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import auth_pb2, auth_pb2_grpc
from loglens_common.auth import current_principal
from loglens_gateway.accounts import Accounts
from loglens_gateway.clients import FORWARDED_FOR, ClientAddresses
from loglens_gateway.domain import ApiKey, User, api_key_name, user_name

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]

SERVICE = auth_pb2.DESCRIPTOR.services_by_name["AuthService"]
# The RPCs that take no credential (they are how one gets a credential).
PUBLIC_METHODS = frozenset(f"/{SERVICE.full_name}/{m}" for m in ("Register", "Login", "Refresh", "Logout"))


def _ts(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def user_proto(user: User) -> auth_pb2.User:
    return auth_pb2.User(
        name=user_name(user.id), username=user.username, email=user.email, create_time=_ts(user.create_time)
    )


def api_key_proto(key: ApiKey) -> auth_pb2.ApiKey:
    return auth_pb2.ApiKey(
        name=api_key_name(key.id),
        display_name=key.display_name,
        key_prefix=key.key_prefix,
        create_time=_ts(key.create_time),
        last_use_time=_ts(key.last_use_time),
        revoke_time=_ts(key.revoke_time),
    )


class AuthApi(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, accounts: Accounts, clients: ClientAddresses) -> None:
        self.accounts = accounts
        self.clients = clients

    def _client(self, context: Context) -> str:
        """The caller's address for rate limits: the peer, or whom a trusted proxy (the REST bridge) serves."""
        forwarded = [v for k, v in (context.invocation_metadata() or ()) if k == FORWARDED_FOR]
        return self.clients.client(context.peer(), ", ".join(str(v) for v in forwarded))

    async def Register(self, request: auth_pb2.RegisterRequest, context: Context) -> auth_pb2.RegisterResponse:
        user = await self.accounts.register(self._client(context), request.username, request.email, request.password)
        return auth_pb2.RegisterResponse(user=user_proto(user))

    async def Login(self, request: auth_pb2.LoginRequest, context: Context) -> auth_pb2.LoginResponse:
        tokens, user = await self.accounts.login(self._client(context), request.username, request.password)
        return auth_pb2.LoginResponse(
            access_token=tokens.access_token,
            access_token_expire_time=_ts(tokens.access_expire_time),
            refresh_token=tokens.refresh_token,
            refresh_token_expire_time=_ts(tokens.refresh_expire_time),
            user=user_proto(user),
        )

    async def Refresh(self, request: auth_pb2.RefreshRequest, context: Context) -> auth_pb2.RefreshResponse:
        tokens = await self.accounts.refresh(request.refresh_token)
        return auth_pb2.RefreshResponse(
            access_token=tokens.access_token,
            access_token_expire_time=_ts(tokens.access_expire_time),
            refresh_token=tokens.refresh_token,
            refresh_token_expire_time=_ts(tokens.refresh_expire_time),
        )

    async def Logout(self, request: auth_pb2.LogoutRequest, context: Context) -> auth_pb2.LogoutResponse:
        await self.accounts.logout(request.refresh_token)
        return auth_pb2.LogoutResponse()

    async def LogoutAll(self, request: auth_pb2.LogoutAllRequest, context: Context) -> auth_pb2.LogoutAllResponse:
        ended = await self.accounts.logout_all(current_principal())
        return auth_pb2.LogoutAllResponse(revoked_session_count=ended)

    async def ChangePassword(
        self, request: auth_pb2.ChangePasswordRequest, context: Context
    ) -> auth_pb2.ChangePasswordResponse:
        tokens, ended = await self.accounts.change_password(
            current_principal(), self._client(context), request.current_password, request.new_password
        )
        return auth_pb2.ChangePasswordResponse(
            access_token=tokens.access_token,
            access_token_expire_time=_ts(tokens.access_expire_time),
            refresh_token=tokens.refresh_token,
            refresh_token_expire_time=_ts(tokens.refresh_expire_time),
            revoked_session_count=ended,
        )

    async def GetMe(self, request: auth_pb2.GetMeRequest, context: Context) -> auth_pb2.GetMeResponse:
        principal = current_principal()
        user = await self.accounts.me(principal)
        return auth_pb2.GetMeResponse(user=user_proto(user), credential_type=principal.via)

    async def CreateApiKey(
        self, request: auth_pb2.CreateApiKeyRequest, context: Context
    ) -> auth_pb2.CreateApiKeyResponse:
        key, secret = await self.accounts.create_api_key(current_principal(), request.api_key.display_name)
        return auth_pb2.CreateApiKeyResponse(api_key=api_key_proto(key), secret=secret)

    async def ListApiKeys(self, request: auth_pb2.ListApiKeysRequest, context: Context) -> auth_pb2.ListApiKeysResponse:
        keys, token = await self.accounts.list_api_keys(current_principal(), request.page_size, request.page_token)
        return auth_pb2.ListApiKeysResponse(api_keys=[api_key_proto(k) for k in keys], next_page_token=token)

    async def RevokeApiKey(
        self, request: auth_pb2.RevokeApiKeyRequest, context: Context
    ) -> auth_pb2.RevokeApiKeyResponse:
        key = await self.accounts.revoke_api_key(current_principal(), request.name)
        return auth_pb2.RevokeApiKeyResponse(api_key=api_key_proto(key))
