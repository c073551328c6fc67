"""Print (or write into deploy/README.md) the table of every LOGLENS_* setting, from the settings classes.

    .venv/bin/python deploy/settings_table.py            # print the table
    .venv/bin/python deploy/settings_table.py --write    # replace the table in deploy/README.md

The settings classes are the single source of truth; tests/unit/test_deploy.py fails when the README misses one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from loglens_analysis.config import AnalysisSettings
from loglens_gateway.config import GatewaySettings
from loglens_ingest.config import IngestSettings

README = Path(__file__).with_name("README.md")
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
SERVICES: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings,
    "analysis": AnalysisSettings,
    "gateway": GatewaySettings,
}
# For the fields whose class gives no description.
NOTES = {
    "listen_addr": "host:port of the service's gRPC server (health and reflection included)",
    "log_level": "DEBUG, INFO, WARNING or ERROR; logs are JSON lines on stdout",
    "jwt_issuer": "required `iss` of access tokens",
    "jwt_audience": "required `aud` of access tokens",
    "nats_url": "NATS server(s) with JetStream, comma-separated for a cluster",
    "s3_access_key": "S3 access key (a Secret in Kubernetes)",
    "s3_secret_key": "S3 secret key (a Secret in Kubernetes)",
    "s3_secure": "use HTTPS to reach S3",
    "s3_region": "S3 region",
    "s3_bucket": "bucket of the log files; made at start-up if missing",
}


def _default(value: object) -> str:
    if value is PydanticUndefined:
        return "**required**"
    if value == "":
        return '`""`'
    return f"`{value}`"


def table() -> str:
    rows: dict[str, tuple[str, dict[str, str], str]] = {}
    for service, cls in SERVICES.items():
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            env = (prefix + name).upper()
            note = field.description or NOTES.get(name, "")
            _, defaults, _ = rows.setdefault(env, (name, {}, note))
            defaults[service] = _default(field.default)
    lines = [
        "| Setting | Services: default | Meaning |",
        "| --- | --- | --- |",
    ]
    for env, (_, defaults, note) in rows.items():
        values = set(defaults.values())
        if len(values) == 1 and len(defaults) > 1:
            where = f"{', '.join(defaults)}: {values.pop()}"
        else:
            where = "<br>".join(f"{service}: {value}" for service, value in defaults.items())
        lines.append(f"| `{env}` | {where} | {note} |")
    return "\n".join(lines)


def main() -> int:
    text = table()
    if "--write" not in sys.argv[1:]:
        print(text)
        return 0
    readme = README.read_text()
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
