"""The gateway schema: users, refresh-token families, API keys. The only place with SQL for the gateway."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from loglens_gateway.domain import ApiKey, User

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(32), nullable=False),
    Column("email", String(254), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Access tokens issued before this instant are refused (set by LogoutAll and ChangePassword).
    Column("sessions_revoke_time", DateTime(timezone=True)),
    UniqueConstraint("username", name="users_username_key"),
    UniqueConstraint("email", name="users_email_key"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("family_id", String(32), nullable=False),
    Column("user_id", String(32), ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expire_time", DateTime(timezone=True), nullable=False),
    Column("used_time", DateTime(timezone=True)),
    Column("revoke_time", DateTime(timezone=True)),
    Index("refresh_tokens_family", "family_id"),
    Index("refresh_tokens_expire", "expire_time"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("key_prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_use_time", DateTime(timezone=True)),
    Column("revoke_time", DateTime(timezone=True)),
    UniqueConstraint("secret_hash", name="api_keys_secret_hash_key"),
    Index("api_keys_user_newest", "user_id", text("create_time DESC"), text("id DESC")),
)

API_KEY_COLUMNS = [c for c in api_keys.c if c.name != "secret_hash"]
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_use_time is coarse so a busy key does not write on every call


class UsernameTaken(Exception):
    pass


class EmailTaken(Exception):
    pass


class Rotation(enum.Enum):
    ROTATED = "rotated"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    REUSED = "reused"  # a spent token came back: its family is now revoked


@dataclass(frozen=True)
class RotationResult:
    outcome: Rotation
    user_id: str = ""
    family_id: str = ""


@dataclass(frozen=True)
class KeyedUser:
    """An API key found by its hash, with its owner."""

    key: ApiKey
    user: User


def _user(m: Any) -> User:
    return User(**{k: m[k] for k in User.__dataclass_fields__})


def _key(m: Any) -> ApiKey:
    return ApiKey(**{k: m[k] for k in ApiKey.__dataclass_fields__})


async def _lock_sessions(conn: AsyncConnection, user_id: str) -> None:
    """Serialize changes to one user's sessions on the user's row: a refresh that rotates a token while a
    logout revokes its session would otherwise insert a successor the revocation never saw."""
    await conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update(key_share=True))


class AccountRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # Users -----------------------------------------------------------------------------------------
    async def add_user(self, user: User) -> User:
        values = {k: getattr(user, k) for k in User.__dataclass_fields__}
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(users).values(**values))
        except IntegrityError as exc:
            if "users_username_key" in str(exc.orig):
                raise UsernameTaken from exc
            if "users_email_key" in str(exc.orig):
                raise EmailTaken from exc
            raise
        return user

    async def user_taken(self, username: str, email: str) -> tuple[bool, bool]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(users.c.username, users.c.email).where(or_(users.c.username == username, users.c.email == email))
            )
            found = list(rows)
        return any(r.username == username for r in found), any(r.email == email for r in found)

    async def user_by_login(self, login: str) -> User | None:
        """The user whose username or email is ``login`` (both are stored lowercase)."""
        async with self.engine.connect() as conn:
            found = (
                (await conn.execute(select(users).where(or_(users.c.username == login, users.c.email == login))))
                .mappings()
                .first()
            )
        return _user(found) if found else None

    async def user_by_id(self, user_id: str) -> User | None:
        async with self.engine.connect() as conn:
            found = (await conn.execute(select(users).where(users.c.id == user_id))).mappings().first()
        return _user(found) if found else None

    async def sessions_revoke_time(self, user_id: str) -> dt.datetime | None:
        """When the user last ended every session (access tokens issued before are refused), if ever."""
        async with self.engine.connect() as conn:
            return (  # type: ignore[no-any-return]
                await conn.execute(select(users.c.sessions_revoke_time).where(users.c.id == user_id))
            ).scalar()

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    # Refresh tokens ---------------------------------------------------------------------------------
    async def add_refresh_token(self, token_id: str, family_id: str, user_id: str, expire_time: dt.datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(refresh_tokens).values(
                    id=token_id, family_id=family_id, user_id=user_id, expire_time=expire_time
                )
            )

    async def rotate_refresh_token(
        self, token_id: str, new_token_id: str, new_expire_time: dt.datetime
    ) -> RotationResult:
        """Spend ``token_id`` and record its successor in the same family, atomically.

        A token spent before is a replay (or the legitimate holder's copy after a thief refreshed): the whole
        family is revoked, so both the thief and the victim must log in again.
        """
        async with self.engine.begin() as conn:
            owner = (
                await conn.execute(select(refresh_tokens.c.user_id).where(refresh_tokens.c.id == token_id))
            ).first()
            if owner is None:
                return RotationResult(Rotation.UNKNOWN)
            await _lock_sessions(conn, owner.user_id)
            row = (
                (await conn.execute(select(refresh_tokens).where(refresh_tokens.c.id == token_id).with_for_update()))
                .mappings()
                .first()
            )
            if row is None:
                return RotationResult(Rotation.UNKNOWN)
            if row["revoke_time"] is not None:
                return RotationResult(Rotation.REVOKED, row["user_id"], row["family_id"])
            if row["used_time"] is not None:
                await conn.execute(
                    update(refresh_tokens)
                    .where(refresh_tokens.c.family_id == row["family_id"], refresh_tokens.c.revoke_time.is_(None))
                    .values(revoke_time=func.now())
                )
                return RotationResult(Rotation.REUSED, row["user_id"], row["family_id"])
            await conn.execute(
                update(refresh_tokens).where(refresh_tokens.c.id == token_id).values(used_time=func.now())
            )
            await conn.execute(
                insert(refresh_tokens).values(
                    id=new_token_id,
                    family_id=row["family_id"],
                    user_id=row["user_id"],
                    expire_time=new_expire_time,
                )
            )
            return RotationResult(Rotation.ROTATED, row["user_id"], row["family_id"])

    async def revoke_session(self, token_id: str) -> str | None:
        """Revoke every refresh token of the session (family) ``token_id`` belongs to, spent or not.

        The owner's id, or None when the token is unknown. Idempotent: a revoked session stays revoked.
        """
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(refresh_tokens.c.family_id, refresh_tokens.c.user_id).where(refresh_tokens.c.id == token_id)
                )
            ).first()
            if row is None:
                return None
            await _lock_sessions(conn, row.user_id)
            await conn.execute(
                update(refresh_tokens)
                .where(refresh_tokens.c.family_id == row.family_id, refresh_tokens.c.revoke_time.is_(None))
                .values(revoke_time=func.now())
            )
            return str(row.user_id)

    async def revoke_sessions(self, user_id: str, revoke_time: dt.datetime, password_hash: str | None = None) -> int:
        """Revoke every refresh token of the user and refuse access tokens issued before ``revoke_time``, after
        setting a new password hash if one is given (all in one transaction: no session made with the old
        password survives the change).

        The number of sessions that were open (an unspent, unexpired token ended).
        """
        async with self.engine.begin() as conn:
            await _lock_sessions(conn, user_id)
            changes: dict[str, Any] = {"sessions_revoke_time": revoke_time}
            if password_hash is not None:
                changes["password_hash"] = password_hash
            await conn.execute(update(users).where(users.c.id == user_id).values(**changes))
            ended = await conn.execute(
                update(refresh_tokens)
                .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoke_time.is_(None))
                .values(revoke_time=func.now())
                .returning(refresh_tokens.c.family_id, refresh_tokens.c.used_time, refresh_tokens.c.expire_time)
            )
            now = dt.datetime.now(dt.UTC)
            return len({r.family_id for r in ended if r.used_time is None and r.expire_time > now})

    async def delete_expired_refresh_tokens(self) -> int:
        """Forget refresh tokens past their expiry: the JWT check refuses them before the table is read."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(refresh_tokens).where(refresh_tokens.c.expire_time < func.now()))
        return int(result.rowcount or 0)

    # API keys ----------------------------------------------------------------------------------------
    async def add_api_key(self, key: ApiKey, secret_hash: str) -> ApiKey:
        values = {k: getattr(key, k) for k in ApiKey.__dataclass_fields__}
        async with self.engine.begin() as conn:
            await conn.execute(insert(api_keys).values(secret_hash=secret_hash, **values))
        return key

    async def api_key_by_hash(self, secret_hash: str) -> KeyedUser | None:
        async with self.engine.connect() as conn:
            found = (
                (
                    await conn.execute(
                        select(*API_KEY_COLUMNS, *[c.label(f"u_{c.name}") for c in users.c])
                        .join_from(api_keys, users, api_keys.c.user_id == users.c.id)
                        .where(api_keys.c.secret_hash == secret_hash)
                    )
                )
                .mappings()
                .first()
            )
        if found is None:
            return None
        user = User(**{k: found[f"u_{k}"] for k in User.__dataclass_fields__})
        return KeyedUser(_key(found), user)

    async def touch_api_key(self, key_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(api_keys)
                .where(
                    api_keys.c.id == key_id,
                    or_(api_keys.c.last_use_time.is_(None), api_keys.c.last_use_time < func.now() - TOUCH_EVERY),
                )
                .values(last_use_time=func.now())
            )

    async def api_keys_page(self, user_id: str, limit: int, after: tuple[dt.datetime, str] | None) -> list[ApiKey]:
        query = select(*API_KEY_COLUMNS).where(api_keys.c.user_id == user_id)
        if after is not None:
            query = query.where(tuple_(api_keys.c.create_time, api_keys.c.id) < tuple_(*after))
        query = query.order_by(api_keys.c.create_time.desc(), api_keys.c.id.desc()).limit(limit)
        async with self.engine.connect() as conn:
            return [_key(m) for m in (await conn.execute(query)).mappings()]

    async def revoke_api_key(self, user_id: str, key_id: str) -> ApiKey | None:
        """Revoke the caller's key (idempotent); None when the caller has no such key."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(api_keys)
                .where(api_keys.c.user_id == user_id, api_keys.c.id == key_id, api_keys.c.revoke_time.is_(None))
                .values(revoke_time=func.now())
            )
            found = (
                (
                    await conn.execute(
                        select(*API_KEY_COLUMNS).where(api_keys.c.user_id == user_id, api_keys.c.id == key_id)
                    )
                )
                .mappings()
                .first()
            )
        return _key(found) if found else None
