"""The deployment files: Kubernetes overlays render and validate, compose and the image use real settings.

Nothing is applied or built here (no cluster, no Docker engine): the manifests are rendered with
``kubectl kustomize`` and checked against the Kubernetes JSON schemas that kubernetes-validate ships.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic_settings import BaseSettings

from loglens_analysis.config import AnalysisSettings
from loglens_gateway.config import GatewaySettings
from loglens_ingest.config import IngestSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = sorted(p.name for p in (DEPLOY / "k8s" / "overlays").iterdir() if p.is_dir())
# The oldest minor still supported upstream and the newest that kubernetes-validate knows.
K8S_VERSIONS = ("1.34", kubernetes_validate.utils.latest_version())

SETTINGS: dict[str, type[BaseSettings]] = {
    "loglens_ingest": IngestSettings,
    "loglens_analysis": AnalysisSettings,
    "loglens_gateway": GatewaySettings,
}
SERVICE_PORTS = {"loglens-ingest": 50052, "loglens-analysis": 50053, "loglens-gateway": 50051}
METRICS_PORT = 9090
HTTP_PORT = 8080  # the gateway's REST/JSON bridge
PRESTOP_MARGIN_S = 5  # time left after the server's grace for closing connections
# API groups of custom resources in the manifests (their schemas are not Kubernetes'; each has its own test).
CUSTOM_RESOURCE_GROUPS = {"keda.sh"}
PINNED_TAG = re.compile(r"^[\w./-]+:(?!latest$|stable$|main$)[\w.-]*\d[\w.-]*(@sha256:[0-9a-f]{64})?$")


def env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    return {(prefix + name).upper() for name in cls.model_fields}


def allowed_settings(module: str) -> set[str]:
    return env_names(SETTINGS[module])


def service_module(command: list[str]) -> str | None:
    """``python -m loglens_x serve`` -> ``loglens_x``."""
    if "-m" in command:
        module = command[command.index("-m") + 1]
        return module if module in SETTINGS else None
    return None


# Kubernetes -------------------------------------------------------------------------------------------------


@functools.cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: cannot render the kustomize overlays (apt-get install kubectl)")
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, f"kubectl kustomize {overlay} failed:\n{out.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: tuple[dict[str, Any], ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_there_are_dev_and_prod_overlays() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_document_validates_against_the_kubernetes_schemas(overlay: str, version: str) -> None:
    docs = render(overlay)
    assert docs, f"{overlay} rendered nothing"
    errors = []
    for doc in docs:
        if doc["apiVersion"].split("/")[0] in CUSTOM_RESOURCE_GROUPS:
            continue  # not a Kubernetes kind: tests/unit/test_deploy_keda.py checks KEDA's ScaledObject
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert not errors, "\n".join(errors)


def test_the_validator_rejects_a_broken_deployment() -> None:
    """Guards the test above against a validator that accepts anything."""
    deployment = copy.deepcopy(of_kind(render(OVERLAYS[0]), "Deployment")["loglens-gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["port"] = "grpc"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_hardened_and_sized(overlay: str) -> None:
    for where, pod in pod_specs(render(overlay)):
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        assert pod.get("automountServiceAccountToken") is False, where
        for container in containers(pod):
            name = f"{where}/{container['name']}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            if container["image"].split(":")[0].endswith("loglens"):
                mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
                volumes = {v["name"]: v for v in pod["volumes"]}
                assert "emptyDir" in volumes[mounts["/tmp"]], f"{name}: /tmp must be a writable emptyDir"


def config_value(docs: tuple[dict[str, Any], ...], container: dict[str, Any], key: str) -> str | None:
    maps = of_kind(docs, "ConfigMap")
    for source in container.get("envFrom", []):
        if "configMapRef" in source and key in maps[source["configMapRef"]["name"]].get("data", {}):
            return str(maps[source["configMapRef"]["name"]]["data"][key])
    return None


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_have_grpc_probes_metrics_and_a_grace_period_that_fits(overlay: str) -> None:
    docs = render(overlay)
    deployments = of_kind(docs, "Deployment")
    assert set(deployments) == set(SERVICE_PORTS)
    for name, deployment in deployments.items():
        template = deployment["spec"]["template"]
        (container,) = template["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        extra = {"http": HTTP_PORT} if name == "loglens-gateway" else {}
        assert ports == {"grpc": SERVICE_PORTS[name], "metrics": METRICS_PORT, **extra}, name
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"]["port"] == SERVICE_PORTS[name], f"{name} {probe}"
        assert config_value(docs, container, "LOGLENS_LISTEN_ADDR") == f"0.0.0.0:{SERVICE_PORTS[name]}"
        assert config_value(docs, container, "LOGLENS_METRICS_PORT") == str(METRICS_PORT)
        assert template["metadata"]["annotations"]["prometheus.io/port"] == str(METRICS_PORT)
        # Kubernetes counts preStop inside the grace period: preStop + the server's own grace must fit.
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        grace = float(config_value(docs, container, "LOGLENS_SHUTDOWN_GRACE_S") or 10.0)
        assert template["spec"]["terminationGracePeriodSeconds"] >= pre_stop + grace + PRESTOP_MARGIN_S, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_reaches_headless_backends_with_client_side_balancing(overlay: str) -> None:
    docs = render(overlay)
    services = of_kind(docs, "Service")
    gateway = of_kind(docs, "Deployment")["loglens-gateway"]["spec"]["template"]["spec"]["containers"][0]
    for backend, key in (("loglens-ingest", "LOGLENS_INGEST_ADDR"), ("loglens-analysis", "LOGLENS_ANALYSIS_ADDR")):
        assert services[backend]["spec"]["clusterIP"] == "None", f"{backend} must be headless"
        assert config_value(docs, gateway, key) == f"dns:///{backend}:{SERVICE_PORTS[backend]}"
    assert services["loglens-gateway"]["spec"].get("clusterIP") != "None"
    # Clients reach the gateway's gRPC port and its REST/JSON bridge; analysis asks ingest about log files.
    exposed = {p["name"]: (p["port"], p["targetPort"]) for p in services["loglens-gateway"]["spec"]["ports"]}
    assert exposed == {"grpc": (SERVICE_PORTS["loglens-gateway"], "grpc"), "http": (HTTP_PORT, "http")}
    assert config_value(docs, gateway, "LOGLENS_HTTP_LISTEN_ADDR") == f"0.0.0.0:{HTTP_PORT}"
    analysis = of_kind(docs, "Deployment")["loglens-analysis"]["spec"]["template"]["spec"]["containers"][0]
    assert (
        config_value(docs, analysis, "LOGLENS_INGEST_ADDR")
        == f"dns:///loglens-ingest:{SERVICE_PORTS['loglens-ingest']}"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscalers_and_disruption_budgets(overlay: str) -> None:
    docs = render(overlay)
    deployments = of_kind(docs, "Deployment")
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    # A Deployment is scaled by a plain HPA or by a KEDA ScaledObject (which makes its own HPA), never by both.
    scaled = of_kind(docs, "ScaledObject")
    targets = [h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()]
    targets += [s["spec"]["scaleTargetRef"]["name"] for s in scaled.values()]
    assert sorted(targets) == ["loglens-analysis", "loglens-gateway"]
    for hpa in hpas.values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for so in scaled.values():
        assert so["spec"]["scaleTargetRef"]["name"] in deployments
        assert 1 <= so["spec"]["minReplicaCount"] <= so["spec"]["maxReplicaCount"]
    budgets = {
        tuple(sorted(b["spec"]["selector"]["matchLabels"].items()))
        for b in of_kind(docs, "PodDisruptionBudget").values()
    }
    for name, deployment in deployments.items():
        assert tuple(sorted(deployment["spec"]["selector"]["matchLabels"].items())) in budgets, name


def ingress_sources(policy: dict[str, Any]) -> list[list[dict[str, Any]] | None]:
    return [rule.get("from") for rule in policy["spec"].get("ingress", [])]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_open_only_the_gateway(overlay: str) -> None:
    policies = of_kind(render(overlay), "NetworkPolicy")
    deny = policies["loglens-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    # Only the gateway has a rule open to every source, and only on its gRPC and REST/JSON ports.
    open_rules = [
        (name, rule)
        for name, policy in policies.items()
        for rule in policy["spec"].get("ingress", [])
        if "from" not in rule
    ]
    assert [name for name, _ in open_rules] == ["loglens-gateway"]
    assert open_rules[0][1]["ports"] == [
        {"protocol": "TCP", "port": SERVICE_PORTS["loglens-gateway"]},
        {"protocol": "TCP", "port": HTTP_PORT},
    ]

    def pods(*names: str) -> list[dict[str, Any]]:
        return [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}} for name in names]

    # Clients reach ingest and analysis only through the gateway; analysis also asks ingest about log files.
    assert ingress_sources(policies["loglens-ingest"]) == [pods("loglens-gateway", "loglens-analysis")]
    assert ingress_sources(policies["loglens-analysis"]) == [pods("loglens-gateway")]
    dns = policies["loglens-allow-dns"]["spec"]["egress"][0]["ports"]
    assert {(p["protocol"], p["port"]) for p in dns} == {("UDP", 53), ("TCP", 53)}
    # Analysis workers need the same servers as ingest, plus ingest itself.
    analysis_egress = policies["loglens-analysis"]["spec"]["egress"]
    assert analysis_egress[1:] == policies["loglens-ingest"]["spec"]["egress"]
    assert analysis_egress[0]["to"] == pods("loglens-ingest")
    for server, users in (
        ("postgresql", {"loglens-ingest", "loglens-analysis", "loglens-gateway", "loglens-migrate"}),
        ("nats", {"loglens-ingest", "loglens-analysis"}),
        ("minio", {"loglens-ingest", "loglens-analysis"}),
    ):
        (sources,) = ingress_sources(policies[f"loglens-{server}-ingress"])
        assert sources is not None
        assert {s["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for s in sources} == users


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_loglens_setting_in_the_manifests_exists(overlay: str) -> None:
    docs = render(overlay)
    maps, secrets = of_kind(docs, "ConfigMap"), of_kind(docs, "Secret")
    seen_modules = set()
    for where, pod in pod_specs(docs):
        for container in containers(pod):
            module = service_module(container.get("command", []))
            if module is None:
                continue
            seen_modules.add(module)
            names = {e["name"] for e in container.get("env", [])}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    names |= set(maps[source["configMapRef"]["name"]].get("data", {}))
                if "secretRef" in source:
                    names |= set(secrets[source["secretRef"]["name"]].get("data", {}))
            unknown = {n for n in names if n.startswith("LOGLENS_")} - allowed_settings(module)
            assert not unknown, f"{where}/{container['name']}: no such setting of {module}: {sorted(unknown)}"
    assert seen_modules == set(SETTINGS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job_migrates_every_service(overlay: str) -> None:
    (job,) = of_kind(render(overlay), "Job").values()
    pod = job["spec"]["template"]["spec"]
    commands = [c["command"] for c in containers(pod)]
    assert [service_module(c) for c in commands] == ["loglens_ingest", "loglens_analysis", "loglens_gateway"]
    assert all(c[-1] == "migrate" for c in commands)
    assert pod["restartPolicy"] == "Never"


# Compose ----------------------------------------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_images_are_ours_or_pinned() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        if "build" in service:
            assert service["build"]["dockerfile"].startswith("deploy/"), name
            assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file(), name
            assert image.startswith("loglens:"), name
        else:
            assert PINNED_TAG.match(image), f"{name}: pin the public image {image!r} to a version"


def test_compose_uses_only_settings_that_exist() -> None:
    services = compose()["services"]
    modules_seen = set()
    for name, service in services.items():
        env = service.get("environment", {})
        assert isinstance(env, dict), f"{name}: write environment as a mapping"
        names = {k for k in env if k.startswith("LOGLENS_")}
        command = service.get("command", [])
        modules = (
            [m for m in SETTINGS if f"-m {m} " in command[-1] + " "]
            if command[:2] == ["sh", "-c"]
            else [m for m in [service_module(command)] if m]
        )
        if not modules:
            assert not names, f"{name} is not a LogLens service but sets {sorted(names)}"
            continue
        modules_seen |= set(modules)
        allowed = set.union(*(allowed_settings(m) for m in modules))
        assert names <= allowed, f"{name}: no such settings: {sorted(names - allowed)}"
    assert modules_seen == set(SETTINGS)


def test_compose_wires_health_checks_and_start_order() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            wanted = "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            assert condition["condition"] == wanted, f"{name} -> {dependency}"
            if wanted == "service_healthy":
                assert "healthcheck" in services[dependency], dependency
    for name in ("ingest", "analysis", "gateway"):
        service = services[name]
        assert "grpc_health" in " ".join(service["healthcheck"]["test"]), name
        assert service["environment"]["LOGLENS_LISTEN_ADDR"].startswith("0.0.0.0:"), name
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        assert "migrate" in service["depends_on"], name
    gateway = services["gateway"]
    assert gateway["environment"]["LOGLENS_HTTP_LISTEN_ADDR"] == f"0.0.0.0:{HTTP_PORT}"
    assert any(str(p).endswith(f":{HTTP_PORT}") for p in gateway["ports"]), "compose publishes the REST bridge"
    assert services["analysis"]["environment"]["LOGLENS_INGEST_ADDR"] == "ingest:50052"
    for secret in compose()["secrets"].values():
        assert (DEPLOY / secret["file"]).is_file(), secret


def test_compose_health_check_command_asks_grpc_health() -> None:
    """Runs the compose health check (a python -c one-liner) against a real health server."""
    from concurrent import futures

    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    test = compose()["services"]["ingest"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        env = {"LOGLENS_LISTEN_ADDR": f"0.0.0.0:{port}", "PATH": str(Path(sys.executable).parent)}
        for status, code in (
            (health_pb2.HealthCheckResponse.SERVING, 0),
            (health_pb2.HealthCheckResponse.NOT_SERVING, 1),
        ):
            servicer.set("", status)
            run = subprocess.run([sys.executable, "-c", test[3]], env=env, capture_output=True, timeout=20, check=False)
            assert run.returncode == code, run.stderr.decode()
    finally:
        server.stop(None)


def test_nats_keeps_jetstream_on_disk_and_syncs_every_write() -> None:
    for conf in (DEPLOY / "nats" / "nats.conf", DEPLOY / "k8s" / "overlays" / "dev" / "nats.conf"):
        text = conf.read_text()
        assert re.search(r"^\s*sync_interval:\s*always\s*$", text, re.M), conf
        assert re.search(r"^\s*store_dir:", text, re.M), conf


# Image ------------------------------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_non_root_and_read_only_friendly() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) >= 2, "build and runtime stages"
    runtime = stages[-1]
    assert "gen_protos.py" in stages[0] and "grpcio-tools" in stages[0]
    assert "grpcio-tools" not in runtime and "apt-get" not in runtime, "no build tools in the final stage"
    assert re.search(r"^USER [1-9]\d*:[1-9]\d*$", runtime, re.M), "a numeric non-root user"
    assert "PYTHONDONTWRITEBYTECODE=1" in runtime
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "gen", ".git"} <= set(ignored)


@pytest.mark.parametrize("module", sorted(SETTINGS))
def test_each_entrypoint_module_imports(module: str) -> None:
    entry = importlib.import_module(f"{module}.__main__")
    assert callable(entry.run)


# Documentation ----------------------------------------------------------------------------------------------


def test_readme_documents_every_setting() -> None:
    readme = (DEPLOY / "README.md").read_text()
    missing = sorted(name for cls in SETTINGS.values() for name in env_names(cls) if f"`{name}`" not in readme)
    assert not missing, f"deploy/README.md lacks {missing}: run `python deploy/settings_table.py --write`"


# Internal trust: a NATS user and a database role per service ------------------------------------------------

NATS_PASSWORD_VARS = {"ingest": "$NATS_INGEST_PASSWORD", "analysis": "$NATS_ANALYSIS_PASSWORD"}
NATS_CONFS = (DEPLOY / "nats" / "nats.conf", DEPLOY / "k8s" / "overlays" / "dev" / "nats.conf")


@pytest.mark.parametrize("conf", NATS_CONFS, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_nats_gives_each_service_its_own_user_with_the_permissions_make_run_uses(conf: Path) -> None:
    from loglens_devstack.nats_auth import authorization_block
    from loglens_devstack.servers import bin_path

    text = conf.read_text()
    assert authorization_block(NATS_PASSWORD_VARS) in text, f"{conf}: regenerate its authorization block"
    assert text.count("authorization") == 1 and "no_auth_user" not in text
    env = {"PATH": "/usr/bin:/bin", "NATS_INGEST_PASSWORD": "a", "NATS_ANALYSIS_PASSWORD": "b"}
    checked = subprocess.run([bin_path("nats-server"), "-c", str(conf), "-t"], env=env, capture_output=True, timeout=20)
    assert checked.returncode == 0, checked.stderr.decode()
    # Without the passwords in its environment the server refuses to start rather than run open.
    missing = subprocess.run([bin_path("nats-server"), "-c", str(conf), "-t"], env={}, capture_output=True, timeout=20)
    assert missing.returncode != 0


def test_database_roles_script_makes_the_roles_make_run_makes() -> None:
    from loglens_devstack.stack import DB_ROLES, SCHEMAS

    script = (DEPLOY / "postgres" / "init-roles.sh").read_text()
    assert (DEPLOY / "k8s" / "overlays" / "dev" / "postgres-init-roles.sh").read_text() == script
    for service, role in DB_ROLES.items():
        assert f"CREATE SCHEMA IF NOT EXISTS {SCHEMAS[service]} AUTHORIZATION {role};" in script
        assert f"ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD" in script


def _db_user(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_own_database_role_and_nats_user(overlay: str) -> None:
    docs = render(overlay)
    secrets = of_kind(docs, "Secret")
    deployments = of_kind(docs, "Deployment")

    def secret_env(name_prefix: str) -> dict[str, str]:
        (secret,) = [s for n, s in secrets.items() if n.startswith(name_prefix + "-")]
        data = secret.get("data", {})
        return {k: base64.b64decode(v).decode() for k, v in data.items()}

    for service in ("ingest", "analysis", "gateway"):
        own = secret_env(f"loglens-{service}-credentials")
        if overlay == "dev":  # prod holds placeholders; their shape is checked all the same
            assert _db_user(own["LOGLENS_DATABASE_URL"]) == f"loglens_{service}"
        assert f"loglens_{service}:" in own["LOGLENS_DATABASE_URL"]
        if service != "gateway":
            assert own["LOGLENS_NATS_USER"] == service
        pod = deployments[f"loglens-{service}"]["spec"]["template"]["spec"]
        refs = {
            (ref.get("secretRef") or {}).get("name", "").rsplit("-", 1)[0]
            for c in pod["containers"]
            for ref in c.get("envFrom", [])
        } | {
            e["valueFrom"]["secretKeyRef"]["name"].rsplit("-", 1)[0]
            for c in pod["containers"]
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        others = {f"loglens-{o}-credentials" for o in ("ingest", "analysis", "gateway") if o != service}
        assert f"loglens-{service}-credentials" in refs and not refs & others, (service, refs)
    assert "LOGLENS_DATABASE_URL" not in secret_env("loglens-storage-credentials")
    # Only ingest mounts the event signing key.
    for name, deployment in deployments.items():
        volumes = deployment["spec"]["template"]["spec"].get("volumes", [])
        signing = [v for v in volumes if v.get("secret", {}).get("secretName", "").startswith("loglens-event-signing")]
        assert bool(signing) == (name == "loglens-ingest"), name


def test_compose_gives_each_service_its_own_database_role_and_nats_user() -> None:
    services = compose()["services"]
    for name in ("ingest", "analysis", "gateway"):
        env = services[name]["environment"]
        assert _db_user(env["LOGLENS_DATABASE_URL"]) == f"loglens_{name}", name
        if name != "gateway":
            assert env["LOGLENS_NATS_USER"] == name
    assert "LOGLENS_EVENT_SIGNING_KEY" in services["ingest"]["environment"]
    assert "event_signing_key" not in services["analysis"]["secrets"] + services["gateway"]["secrets"]
    assert services["nats"]["environment"].keys() == {"NATS_INGEST_PASSWORD", "NATS_ANALYSIS_PASSWORD"}
    postgres = services["postgres"]
    assert any("init-roles.sh:/docker-entrypoint-initdb.d/" in v for v in postgres["volumes"])
