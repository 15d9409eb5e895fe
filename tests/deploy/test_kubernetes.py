"""deploy/kubernetes/: every manifest validates against the Kubernetes OpenAPI schema (strict:
an unknown field is an error), and together they are a whole deployment of the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from quaysite.config import config_problems

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30"


def _documents() -> list[dict[str, Any]]:
    return [
        document
        for path in sorted(MANIFESTS.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def _named(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


@pytest.mark.parametrize("document", _documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_validates_against_the_kubernetes_schema(document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_an_unknown_field():
    web = _named("Deployment", "quay-web")
    web["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = web["spec"]["template"]["spec"][
        "containers"
    ][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_the_web_pods_are_ready_on_health_instance():
    [web] = _pod(_named("Deployment", "quay-web"))["containers"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/instance"
    assert web["command"][:3] == ["python", "-m", "gunicorn"]


def test_a_worker_deployment_per_queue_the_scheduler_and_a_migration_job():
    workers = {
        tuple(_pod(d)["containers"][0]["command"][2:])
        for d in _documents()
        if d["kind"] == "Deployment" and d["metadata"]["name"].startswith("quay-worker-")
    }
    assert workers == {("rqworker", "default"), ("rqworker", "gc"), ("rqworker", "builds")}
    assert _pod(_named("Deployment", "quay-scheduler"))["containers"][0]["command"] == [
        "python",
        "manage.py",
        "scheduler",
    ]
    assert _pod(_named("Job", "quay-migrate"))["containers"][0]["command"][:3] == [
        "python",
        "manage.py",
        "migrate",
    ]


def test_every_pod_reads_the_config_secret():
    workloads = [d for d in _documents() if d["kind"] in ("Deployment", "Job")]
    assert len(workloads) == 6
    for workload in workloads:
        pod = _pod(workload)
        assert {"name": "config", "secret": {"secretName": "quay-config"}} in pod["volumes"]
        env = {item["name"]: item["value"] for item in pod["containers"][0]["env"]}
        assert env["QUAY_CONFIG"] == "/conf/config.yaml"


def test_the_secrets_config_passes_the_config_check(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(_named("Secret", "quay-config")["stringData"]["config.yaml"])
    values, problems = config_problems({"QUAY_CONFIG": str(config)})
    assert problems == []
    # The scheduler Deployment enqueues the periodic jobs, not the web pods.
    assert values["PERIODIC_JOBS_IN_SERVER"] is False
