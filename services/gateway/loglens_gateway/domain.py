"""Rules of accounts and API keys: what a valid username, email and password are, what an API key looks like.

Plain Python: no gRPC, no SQL, no I/O. The password policy follows NIST SP 800-63B: length over composition
rules, a block list of common passwords, nothing derived from the account's own names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from loglens_common.errors import FieldViolation, InvalidArgument
from loglens_common.text import unsafe_character

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # hashing cost grows with length; nobody types more
# Whole-string rules: always fullmatch (re.match with "$" also accepts a trailing newline).
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
MAX_EMAIL_LENGTH = 254

# The most frequent leaked passwords of 12+ characters (the shorter ones already fail the length rule).
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "password1234",
        "password12345",
        "password123!",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "1q2w3e4r5t6y",
        "iloveyou1234",
        "passwordpassword",
        "111111111111",
        "000000000000",
        "123123123123",
        "abc123abc123",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "administrator",
        "qwerty123456",
        "123qweasdzxc",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "aaaaaaaaaaaa",
        "football1234",
        "baseball1234",
        "superman1234",
        "trustno11234",
        "monkey123456",
        "dragon123456",
    }
)

API_KEY_PREFIX = "llk_"  # recognisable in logs and by secret scanners
API_KEY_SECRET_BYTES = 32  # 256 bits: a plain SHA-256 is a sound hash for a secret this strong
API_KEY_SHOWN_PREFIX = len(API_KEY_PREFIX) + 8
_API_KEY = re.compile(rf"{API_KEY_PREFIX}[A-Za-z0-9_-]{{43}}")
_ID = re.compile(r"apiKeys/([0-9a-f]{32})")
MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class User:
    id: str
    username: str
    email: str
    password_hash: str
    create_time: dt.datetime


@dataclass(frozen=True)
class ApiKey:
    id: str
    user_id: str
    display_name: str
    key_prefix: str
    create_time: dt.datetime
    last_use_time: dt.datetime | None = None
    revoke_time: dt.datetime | None = None


@dataclass(frozen=True)
class NewApiKey:
    secret: str
    secret_hash: str
    key_prefix: str


def _invalid(field: str, message: str, reason: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, violations=[FieldViolation(field, message)])


def normalize_username(username: str) -> str:
    return username.strip().lower()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def validate_registration(username: str, email: str, password: str) -> tuple[str, str]:
    """The normalized (username, email), or INVALID_ARGUMENT saying what to change."""
    user = normalize_username(username)
    if not USERNAME.fullmatch(user):
        raise _invalid(
            "username",
            "username must be 3 to 32 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
            "INVALID_USERNAME",
        )
    mail = normalize_email(email)
    if problem := unsafe_character(mail):
        raise _invalid("email", f"email {problem}", "INVALID_EMAIL")
    if len(mail) > MAX_EMAIL_LENGTH or not EMAIL.fullmatch(mail):
        raise _invalid("email", f"email {email!r} is not an email address", "INVALID_EMAIL")
    check_password(password, user, mail)
    return user, mail


def check_password(password: str, username: str, email: str, field: str = "password") -> None:
    def weak(why: str) -> InvalidArgument:
        return _invalid(field, f"the password is too weak: {why}", "WEAK_PASSWORD")

    if len(password) < MIN_PASSWORD_LENGTH:
        raise weak(f"use at least {MIN_PASSWORD_LENGTH} characters (a few random words work well)")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise _invalid(field, f"the password is longer than {MAX_PASSWORD_LENGTH} characters", "PASSWORD_TOO_LONG")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        raise weak("it is one of the most common passwords; choose another")
    if len(set(password)) < 4:
        raise weak("it repeats too few different characters")
    local_part = email.split("@", 1)[0]
    if username in lowered or (len(local_part) >= 3 and local_part in lowered):
        raise weak("it contains your username or email")


def validate_display_name(display_name: str) -> str:
    name = display_name.strip()
    if len(name) > MAX_DISPLAY_NAME:
        raise _invalid(
            "api_key.display_name",
            f"display_name is longer than {MAX_DISPLAY_NAME} characters",
            "INVALID_DISPLAY_NAME",
        )
    if problem := unsafe_character(name):
        raise _invalid("api_key.display_name", f"display_name {problem}", "INVALID_DISPLAY_NAME")
    return name


# API keys ------------------------------------------------------------------------------------------------
def new_api_key() -> NewApiKey:
    secret = API_KEY_PREFIX + secrets.token_urlsafe(API_KEY_SECRET_BYTES)
    return NewApiKey(secret=secret, secret_hash=hash_api_key(secret), key_prefix=secret[:API_KEY_SHOWN_PREFIX])


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_api_key(token: str) -> bool:
    """An API key rather than a JWT: decided by the prefix, checked for shape by the caller."""
    return token.startswith(API_KEY_PREFIX)


def well_formed_api_key(token: str) -> bool:
    return bool(_API_KEY.fullmatch(token))


def user_name(user_id: str) -> str:
    return f"users/{user_id}"


def api_key_name(key_id: str) -> str:
    return f"apiKeys/{key_id}"


def parse_api_key_name(name: str) -> str:
    match = _ID.fullmatch(name)
    if not match:
        raise _invalid(
            "name",
            f"name {name!r} is not a valid resource name; expected apiKeys/{{32 hex digits}}",
            "INVALID_NAME",
        )
    return match.group(1)
