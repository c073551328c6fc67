"""Where the CLI connects and with what credential: flags, then environment variables, then the config file.

The file (``$LOGLENS_CONFIG``, else ``$XDG_CONFIG_HOME/loglens/config.toml``, else
``~/.config/loglens/config.toml``) is written by ``loglens login`` with mode 0600:

    server = "loglens.example.com:443"
    tls = true

    [credentials]
    username = "alice"
    access_token = "..."
    access_token_expire_time = "2026-11-20T10:15:00Z"
    refresh_token = "..."
    refresh_token_expire_time = "2026-12-04T10:00:00Z"
    # or, for a machine: api_key = "..."

Environment: ``LOGLENS_SERVER`` (host:port; ``https://`` turns TLS on), ``LOGLENS_TOKEN`` (an access token),
``LOGLENS_API_KEY`` (an API key secret), ``LOGLENS_TLS=1``. A credential has no flag on purpose: command
lines are visible to every user of the machine (``ps``), environment variables and files are not.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import CliError, ExitCode

DEFAULT_SERVER = "127.0.0.1:50051"


def config_path(env: Mapping[str, str]) -> Path:
    if env.get("LOGLENS_CONFIG"):
        return Path(env["LOGLENS_CONFIG"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "loglens" / "config.toml"


@dataclass
class Credentials:
    username: str = ""
    access_token: str = ""
    access_token_expire_time: str = ""
    refresh_token: str = ""
    refresh_token_expire_time: str = ""
    api_key: str = ""

    def access_token_expires_within(self, seconds: float) -> bool:
        expiry = _parse_time(self.access_token_expire_time)
        return expiry is not None and (expiry - datetime.now(UTC)).total_seconds() < seconds

    def refresh_token_usable(self) -> bool:
        if not self.refresh_token:
            return False
        expiry = _parse_time(self.refresh_token_expire_time)
        return expiry is None or expiry > datetime.now(UTC)


@dataclass
class ConfigFile:
    """The saved settings; ``save`` keeps keys it does not know (a newer CLI may have written them)."""

    path: Path
    server: str = ""
    tls: bool = False
    credentials: Credentials = field(default_factory=Credentials)
    other: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ConfigFile:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read the config file {path}: {exc}", ExitCode.USAGE) from None
        except tomllib.TOMLDecodeError as exc:
            raise CliError(f"the config file {path} is not valid TOML: {exc}", ExitCode.USAGE) from None
        creds = data.pop("credentials", {})
        if not isinstance(creds, dict):
            raise CliError(f"the config file {path}: [credentials] must be a table", ExitCode.USAGE)
        known = {k: str(v) for k, v in creds.items() if k in Credentials.__dataclass_fields__}
        server = data.pop("server", "")
        tls = data.pop("tls", False)
        if not isinstance(server, str) or not isinstance(tls, bool):
            raise CliError(f"the config file {path}: server must be a string and tls a boolean", ExitCode.USAGE)
        return cls(path, server, tls, Credentials(**known), data)

    def save(self) -> None:
        lines = ["# Written by `loglens login`. It holds secrets: keep it private.", ""]
        if self.server:
            lines.append(f"server = {_toml_str(self.server)}")
        if self.tls:
            lines.append("tls = true")
        for key, value in self.other.items():
            if isinstance(value, str | bool | int | float):
                lines.append(f"{key} = {_toml_value(value)}")
        creds = {k: v for k, v in vars(self.credentials).items() if v}
        if creds:
            lines += ["", "[credentials]"] + [f"{k} = {_toml_str(v)}" for k, v in creds.items()]
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a file


def _toml_str(value: str) -> str:
    # A JSON string without \u escapes beyond the controls is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value: str | bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_str(value)
    return repr(value)


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Settings:
    """What one command uses: the address, TLS, and where the credential came from."""

    server: str
    tls: bool
    token: str  # a bearer secret: an access token or an API key; empty when there is none
    source: str  # "LOGLENS_TOKEN", "LOGLENS_API_KEY", "config", or ""
    config: ConfigFile


def split_server(address: str) -> tuple[str, bool | None]:
    """``https://host:port`` -> (host:port, TLS on); ``http://`` -> off; a bare target keeps the setting."""
    for scheme, tls in (("https://", True), ("grpcs://", True), ("http://", False), ("grpc://", False)):
        if address.startswith(scheme):
            target = address[len(scheme) :].rstrip("/")
            if ":" not in target:
                target += ":443" if tls else ":80"
            return target, tls
    return address, None


def resolve(env: Mapping[str, str], *, server_flag: str | None = None, config_flag: str | None = None) -> Settings:
    config = ConfigFile.load(Path(config_flag).expanduser() if config_flag else config_path(env))
    raw = server_flag or env.get("LOGLENS_SERVER") or config.server or DEFAULT_SERVER
    server, scheme_tls = split_server(raw.strip())
    tls = scheme_tls if scheme_tls is not None else (_truthy(env.get("LOGLENS_TLS")) or config.tls)
    if env.get("LOGLENS_TOKEN"):
        return Settings(server, tls, env["LOGLENS_TOKEN"].strip(), "LOGLENS_TOKEN", config)
    if env.get("LOGLENS_API_KEY"):
        return Settings(server, tls, env["LOGLENS_API_KEY"].strip(), "LOGLENS_API_KEY", config)
    creds = config.credentials
    if config.server and split_server(config.server)[0] != server:
        # Saved credentials belong to the saved server: never send them to another one.
        return Settings(server, tls, "", "", config)
    if creds.access_token or creds.refresh_token:
        return Settings(server, tls, creds.access_token, "config", config)
    if creds.api_key:
        return Settings(server, tls, creds.api_key, "config", config)
    return Settings(server, tls, "", "", config)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")
