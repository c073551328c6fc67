"""KEDA's ScaledObject for the analysis workers: its trigger names the code's stream and consumer, and its shape is
KEDA's.

No cluster and no KEDA here: the overlays are rendered with ``kubectl kustomize`` (as in test_deploy.py). The
ScaledObject is checked against a schema written from KEDA's documented fields (KEDA's CRD is not shipped with
any package the project installs), its HPA parts (bounds, behaviour, metrics) against the Kubernetes schema of
the HPA that KEDA makes from it, and its nats-jetstream trigger against ``loglens_common.events.STREAM`` and
``loglens_analysis.adapters.queue.WORK_CONSUMER``, so that renaming either in the code fails here.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from test_deploy import DEPLOY, K8S_VERSIONS, OVERLAYS, of_kind, render

from loglens_analysis.adapters.queue import WORK_CONSUMER, RunPublisher, work_consumer_config
from loglens_common.events import STREAM, STREAM_CONFIG

pytestmark = pytest.mark.unit

COMPONENT = DEPLOY / "k8s" / "components" / "keda"
ANALYSIS = "loglens-analysis"
NATS_CONFS = (DEPLOY / "nats" / "nats.conf", DEPLOY / "k8s" / "overlays" / "dev" / "nats.conf")

# The ScaledObject fields KEDA documents (keda.sh/docs/2.x/reference/scaledobject-spec and the scalers' pages),
# closed: a misspelt or invented field fails here instead of being ignored or refused by KEDA's webhook later.
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
SCALED_OBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": {"type": "string"},
                        "envSourceContainerName": {"type": "string"},
                    },
                },
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "initialCooldownPeriod": {"type": "integer", "minimum": 0},
                "idleReplicaCount": {"type": "integer", "minimum": 0},
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "fallback": {"type": "object"},
                "advanced": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                        "scalingModifiers": {"type": "object"},
                        "horizontalPodAutoscalerConfig": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"name": {"type": "string"}, "behavior": {"type": "object"}},
                        },
                    },
                },
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "name": {"type": "string"},
                            "metadata": _STRING_MAP,
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "useCachedMetrics": {"type": "boolean"},
                            "authenticationRef": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}, "kind": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
}
# Metadata of the two scalers used: required keys, then the optional ones (keda.sh/docs/2.x/scalers/...).
SCALER_METADATA = {
    "nats-jetstream": (
        {"natsServerMonitoringEndpoint", "account", "stream", "consumer"},
        {"lagThreshold", "activationLagThreshold", "useHttps"},
    ),
    "cpu": ({"value"}, {"containerName", "type"}),
}


def problems(docs: tuple[dict[str, Any], ...]) -> list[str]:
    """What is wrong with the overlay's ScaledObject for the analysis workers (empty: nothing)."""
    found: list[str] = []
    (scaled,) = of_kind(docs, "ScaledObject").values()
    for error in jsonschema.Draft7Validator(SCALED_OBJECT_SCHEMA).iter_errors(scaled):
        found.append(f"schema: {error.message} at {list(error.absolute_path)}")
    if found:
        return found
    spec = scaled["spec"]
    triggers = {t["type"]: t for t in spec["triggers"]}
    if set(triggers) != set(SCALER_METADATA) or len(spec["triggers"]) != len(triggers):
        return [f"triggers: want one nats-jetstream and one cpu, got {[t['type'] for t in spec['triggers']]}"]
    for kind, (required, optional) in SCALER_METADATA.items():
        keys = set(triggers[kind]["metadata"])
        if not required <= keys <= required | optional:
            found.append(
                f"{kind} metadata: missing {sorted(required - keys)}, unknown {sorted(keys - required - optional)}"
            )
    nats = triggers["nats-jetstream"]["metadata"]
    # The names the code uses: ensure_stream makes STREAM, the workers pull from the durable WORK_CONSUMER.
    if nats.get("stream") != STREAM:
        found.append(f"stream {nats.get('stream')!r} is not the code's {STREAM!r}")
    if nats.get("consumer") != WORK_CONSUMER:
        found.append(f"consumer {nats.get('consumer')!r} is not the code's work consumer {WORK_CONSUMER!r}")
    # Users, no accounts in the NATS configs: everything lives in the global account.
    if nats.get("account") != "$G":
        found.append(f"account {nats.get('account')!r}: the NATS configs define no accounts, so it is $G")
    if nats.get("useHttps", "false") not in ("true", "false"):
        found.append(f"useHttps {nats['useHttps']!r} is not true or false")
    # lagThreshold: the backlog one pod takes, its LOGLENS_WORKERS slots (as the Deployment reads them).
    workers = analysis_setting(docs, "LOGLENS_WORKERS")
    if nats.get("lagThreshold") != workers:
        found.append(f"lagThreshold {nats.get('lagThreshold')!r} is not the pods' LOGLENS_WORKERS {workers!r}")
    # The monitoring endpoint: the first NATS server the services use, on the configs' monitoring port.
    nats_url = analysis_setting(docs, "LOGLENS_NATS_URL") or "nats://127.0.0.1:4222"
    want = f"{urlsplit(nats_url.split(',')[0]).hostname}:{monitoring_port()}"
    if nats.get("natsServerMonitoringEndpoint") != want:
        found.append(f"natsServerMonitoringEndpoint {nats.get('natsServerMonitoringEndpoint')!r}, want {want!r}")
    target = spec["scaleTargetRef"]
    if (target.get("apiVersion", "apps/v1"), target.get("kind", "Deployment"), target["name"]) != (
        "apps/v1",
        "Deployment",
        ANALYSIS,
    ):
        found.append(f"scaleTargetRef {target} is not Deployment {ANALYSIS}")
    return found


def analysis_setting(docs: tuple[dict[str, Any], ...], key: str) -> str | None:
    """The value the analysis container gets for ``key`` from its ConfigMaps (last envFrom wins, as in Kubernetes)."""
    maps = of_kind(docs, "ConfigMap")
    (container,) = of_kind(docs, "Deployment")[ANALYSIS]["spec"]["template"]["spec"]["containers"]
    value = None
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            value = maps[source["configMapRef"]["name"]].get("data", {}).get(key, value)
    return value


def monitoring_port() -> int:
    """NATS's HTTP monitoring port, which every NATS config here sets the same."""
    ports = set()
    for conf in NATS_CONFS:
        match = re.search(r"^\s*http(?:_port)?:\s*(?:[\w.]+:)?(\d+)\s*$", conf.read_text(), re.M)
        assert match, f"{conf}: no http monitoring port"
        ports.add(int(match.group(1)))
    (port,) = ports
    return port


def keda_overlays() -> list[str]:
    return [o for o in OVERLAYS if of_kind(render(o), "ScaledObject")]


# The overlays as they are ------------------------------------------------------------------------------------


def test_prod_scales_analysis_with_keda_and_dev_with_the_plain_hpa() -> None:
    """Both ways are rendered and checked: the component (prod) and the fallback HPA (dev)."""
    assert keda_overlays() == ["prod"]
    dev_hpas = of_kind(render("dev"), "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in dev_hpas.values()} == {ANALYSIS, "loglens-gateway"}


@pytest.mark.parametrize("overlay", ["prod"])
def test_the_scaled_object_names_the_codes_stream_and_consumer_and_has_kedas_shape(overlay: str) -> None:
    assert problems(render(overlay)) == []


def test_the_code_still_pulls_runs_from_that_consumer_on_that_stream() -> None:
    """The trigger measures the right backlog only while runs are queued on a subject the consumer reads."""
    config = work_consumer_config(ack_wait_s=30, max_deliveries=5)
    assert config.durable_name == WORK_CONSUMER
    subjects = STREAM_CONFIG.subjects or []
    assert any(re.fullmatch(s.replace(".", r"\.").replace(">", ".+"), config.filter_subject or "") for s in subjects)
    # The analysis NATS user may read that consumer's state (KEDA reads it over HTTP, not as this user).
    for conf in NATS_CONFS:
        assert f'"$JS.API.CONSUMER.INFO.{STREAM}.{WORK_CONSUMER}"' in conf.read_text(), conf


async def test_runs_and_their_chunks_are_queued_where_that_consumer_reads() -> None:
    """A big file's chunks are messages of the same work consumer as runs, so the trigger's lag counts them: the
    backlog KEDA scales on is the chunks waiting or in progress, and one big file spreads over many pods."""

    class RecordingJetStream:
        def __init__(self) -> None:
            self.subjects: list[str] = []

        async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> None:
            self.subjects.append(subject)

    js = RecordingJetStream()
    publisher = RunPublisher(js)  # type: ignore[arg-type]
    assert await publisher.publish("logFiles/f/analysisRuns/r", "r")
    assert await publisher.publish_chunk("logFiles/f/analysisRuns/r", "r", run_attempt=1, index=3)
    config = work_consumer_config(ack_wait_s=30, max_deliveries=5)
    assert js.subjects == [config.filter_subject] * 2


@pytest.mark.parametrize(
    "field, value",
    [("consumer", "analysis-log-files"), ("stream", "loglens"), ("lagThreshold", "10"), ("account", "LOGLENS")],
)
def test_a_drifted_trigger_is_caught(field: str, value: str) -> None:
    """Guards the check above against one that accepts anything."""
    docs = copy.deepcopy(render("prod"))
    (scaled,) = of_kind(docs, "ScaledObject").values()
    (nats,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "nats-jetstream"]
    nats["metadata"][field] = value
    assert any(field in p for p in problems(docs))


def test_an_unknown_field_fails_the_schema() -> None:
    docs = copy.deepcopy(render("prod"))
    (scaled,) = of_kind(docs, "ScaledObject").values()
    scaled["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 2  # KEDA's metadata values are strings
    scaled["spec"]["maxReplicas"] = 20  # the HPA's name, not the ScaledObject's
    found = problems(docs)
    assert any("maxReplicas" in p for p in found) and any("lagThreshold" in p or "'string'" in p for p in found)


def equivalent_hpa(scaled: dict[str, Any]) -> dict[str, Any]:
    """The autoscaling/v2 HPA that KEDA makes from the ScaledObject (the parts this repo sets)."""
    spec = scaled["spec"]
    triggers = {t["type"]: t for t in spec["triggers"]}
    hpa_config = spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {})
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": hpa_config.get("name", f"keda-hpa-{scaled['metadata']['name']}")},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", **spec["scaleTargetRef"]},
            "minReplicas": spec["minReplicaCount"],
            "maxReplicas": spec["maxReplicaCount"],
            "behavior": hpa_config["behavior"],
            "metrics": [
                {
                    "type": "External",
                    "external": {
                        "metric": {"name": f"s0-nats-jetstream-{triggers['nats-jetstream']['metadata']['stream']}"},
                        "target": {
                            "type": "AverageValue",
                            "averageValue": triggers["nats-jetstream"]["metadata"]["lagThreshold"],
                        },
                    },
                },
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": triggers["cpu"]["metricType"],
                            "averageUtilization": int(triggers["cpu"]["metadata"]["value"]),
                        },
                    },
                },
            ],
        },
    }


def base_hpa() -> dict[str, Any]:
    (hpa,) = [
        d
        for d in yaml.safe_load_all((DEPLOY / "k8s" / "base" / "analysis.yaml").read_text())
        if d and d["kind"] == "HorizontalPodAutoscaler"
    ]
    return hpa


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_the_hpa_keda_makes_validates_and_keeps_the_plain_hpas_behaviour(version: str) -> None:
    docs = render("prod")
    (scaled,) = of_kind(docs, "ScaledObject").values()
    hpa = equivalent_hpa(scaled)
    kubernetes_validate.validate(hpa, version, strict=True)
    plain = base_hpa()
    # Same name (KEDA takes the plain HPA over on a cluster that has it), same behaviour and CPU target.
    assert hpa["metadata"]["name"] == plain["metadata"]["name"] == ANALYSIS
    assert scaled["metadata"]["annotations"]["scaledobject.keda.sh/transfer-hpa-ownership"] == "true"
    assert hpa["spec"]["behavior"] == plain["spec"]["behavior"]
    assert hpa["spec"]["metrics"][1]["resource"] == plain["spec"]["metrics"][0]["resource"]
    # The component's own bounds are the base HPA's; prod sizes them as it sized the HPA.
    component = yaml.safe_load((COMPONENT / "scaledobject.yaml").read_text())["spec"]
    assert (component["minReplicaCount"], component["maxReplicaCount"]) == (
        plain["spec"]["minReplicas"],
        plain["spec"]["maxReplicas"],
    )
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 20)
    # Only the ScaledObject scales analysis: no plain HPA left beside it.
    hpas = of_kind(docs, "HorizontalPodAutoscaler").values()
    assert ANALYSIS not in {h["spec"]["scaleTargetRef"]["name"] for h in hpas}


def test_nats_monitoring_is_open_to_kedas_operator_only_and_inside_the_cluster() -> None:
    port = monitoring_port()
    for overlay in OVERLAYS:
        docs = render(overlay)
        for service in of_kind(docs, "Service").values():
            exposes = any(p["port"] == port for p in service["spec"]["ports"])
            if exposes:  # dev's in-namespace NATS, for the component
                assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]["name"]
        rules = [
            (name, rule)
            for name, policy in of_kind(docs, "NetworkPolicy").items()
            if policy["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "nats"}}
            for rule in policy["spec"].get("ingress", [])
            if any(p["port"] == port for p in rule.get("ports", []))
        ]
        if overlay not in keda_overlays():
            assert rules == [], overlay
            continue
        ((name, rule),) = rules
        assert name == "loglens-nats-monitoring"
        assert rule["ports"] == [{"protocol": "TCP", "port": port}]
        # One peer with both selectors: KEDA's operator pods in KEDA's namespace (not any pod there, nor any
        # operator-labelled pod anywhere).
        assert rule["from"] == [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}},
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "keda-operator"}},
            }
        ]


# The component on another overlay ----------------------------------------------------------------------------


def test_the_component_reads_the_overlays_workers_and_nats_url(tmp_path: Path) -> None:
    """Added to dev, with a NATS cluster URL: lagThreshold is dev's LOGLENS_WORKERS, the endpoint the first server."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    k8s = Path(os.path.relpath(DEPLOY / "k8s", tmp_path))  # kustomize takes no absolute paths
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "loglens-dev",
                "resources": [str(k8s / "overlays" / "dev")],
                "components": [str(k8s / "components" / "keda")],
                "configMapGenerator": [
                    {
                        "name": "loglens-storage",
                        "behavior": "merge",
                        "literals": ["LOGLENS_NATS_URL=nats://nats-0.nats:4222,nats://nats-1.nats:4222"],
                    }
                ],
            }
        )
    )
    out = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    docs = tuple(d for d in yaml.safe_load_all(out.stdout) if d)
    assert problems(docs) == []
    (scaled,) = of_kind(docs, "ScaledObject").values()
    (nats,) = [t["metadata"] for t in scaled["spec"]["triggers"] if t["type"] == "nats-jetstream"]
    assert (nats["lagThreshold"], nats["natsServerMonitoringEndpoint"]) == ("1", f"nats-0.nats:{monitoring_port()}")
    assert scaled["metadata"]["namespace"] == "loglens-dev"
    assert ANALYSIS not in {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler").values()
    }
