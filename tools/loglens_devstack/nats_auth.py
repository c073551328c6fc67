"""NATS users of LogLens and what each may publish and subscribe to: the one source of those permissions.

``make run`` and the test session write this block into their NATS server's configuration (with passwords
made per data folder); deploy/nats/nats.conf and the Kubernetes dev overlay hold the same block with the
passwords taken from the server's environment (a unit test keeps them equal to what this module writes).

- ingest publishes log-file events and manages the LOGLENS stream (it declares it at start-up);
- analysis publishes queued runs, manages the stream and its own two durable consumers, pulls from them and
  acks (ack, nak, in-progress and term all publish on the consumer's ``$JS.ACK`` subjects);
- each subscribes only to its own reply inbox (``_INBOX_<service>.>``, set by the service's connection), so
  neither can read the other's replies; neither may subscribe to the event subjects directly.

JetStream's API lives on ``$JS.API.>`` subjects, so each user gets exactly the calls it makes: a user that
may not publish ``loglens.logfile.stored`` cannot write it into the stream by any other route, and a user
without the consumer's ``MSG.NEXT`` subject cannot read events.
"""

from __future__ import annotations

import json

from loglens_analysis.adapters.queue import EVENTS_CONSUMER, WORK_CONSUMER
from loglens_common.events import STREAM, SUBJECT_DELETED, SUBJECT_RUN_QUEUED, SUBJECT_STORED, inbox_prefix

USERS = ("ingest", "analysis")
ADMIN = "admin"  # local only (make run, tests): every subject, for inspecting streams; not in deploy/


def _stream_api() -> list[str]:
    return [f"$JS.API.STREAM.{verb}.{STREAM}" for verb in ("INFO", "CREATE", "UPDATE")]


def _consumer_api(durable: str) -> list[str]:
    return [
        f"$JS.API.CONSUMER.CREATE.{STREAM}.{durable}",
        f"$JS.API.CONSUMER.CREATE.{STREAM}.{durable}.>",  # the form with a filter subject
        f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.{durable}",
        f"$JS.API.CONSUMER.INFO.{STREAM}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{durable}",
        f"$JS.ACK.{STREAM}.{durable}.>",
    ]


def permissions() -> dict[str, dict[str, dict[str, list[str]]]]:
    return {
        "ingest": {
            "publish": {"allow": [SUBJECT_STORED, SUBJECT_DELETED, *_stream_api()]},
            "subscribe": {"allow": [f"{inbox_prefix('ingest')}.>"]},
        },
        "analysis": {
            "publish": {
                "allow": [
                    SUBJECT_RUN_QUEUED,
                    *_stream_api(),
                    *_consumer_api(EVENTS_CONSUMER),
                    *_consumer_api(WORK_CONSUMER),
                ]
            },
            "subscribe": {"allow": [f"{inbox_prefix('analysis')}.>"]},
        },
    }


def authorization_block(passwords: dict[str, str]) -> str:
    """NATS configuration text: one user per service with its permissions (plus any other user named in
    ``passwords``, e.g. the local admin, with every permission). A password starting with ``$`` is a
    variable reference (the server reads it from its environment) and stays unquoted."""
    rules = permissions()
    lines = ["authorization {", "  users: ["]
    for user, password in passwords.items():
        secret = password if password.startswith("$") else json.dumps(password)
        lines += ["    {", f"      user: {user}", f"      password: {secret}"]
        if user in rules:
            lines.append("      permissions: {")
            for direction in ("publish", "subscribe"):
                allowed = "".join(f"\n          {json.dumps(subject)}" for subject in rules[user][direction]["allow"])
                lines.append(f"        {direction}: {{allow: [{allowed}\n        ]}}")
            lines.append("      }")
        lines.append("    }")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"
