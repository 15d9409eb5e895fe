"""The Kubernetes executor against a real HTTP server replaying the API server's recorded
responses (kubernetes_api.py): what it asks Kubernetes for, body by body, and how it reads the
answers."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from builds.executors.base import BuildJob, ExecutorError
from builds.executors.kubernetes import DEFAULTS, KubernetesExecutor, job_name
from builds.models import RepositoryBuild
from tests.builds.kubernetes_api import KubernetesApi, kubernetes_api_replaying

BUILD_UUID = uuid.UUID("3f0c8a52-6d1e-4c1b-9a8e-2b7d1f0e5c44")
TOKEN = "build-token-that-must-stay-in-the-secret"
IMAGE = "registry.example.com/quaysite/builder:1"
JOB_NAME = f"quay-build-{BUILD_UUID}-1"
RBAC = Path(__file__).resolve().parents[2] / "deploy" / "builder-rbac.yaml"
KUBERNETES_VERSION = "1.30"


def executor_for(api: KubernetesApi, **overrides: object) -> KubernetesExecutor:
    conf = {
        **DEFAULTS,
        "K8S_API_SERVER": api.url,
        "SERVICE_ACCOUNT_TOKEN": "manager-sa-token",
        "BUILDER_CONTAINER_IMAGE": IMAGE,
        "CONTAINER_MEMORY_LIMITS": "3Gi",
        **overrides,
    }
    return KubernetesExecutor(conf)


def build_attempt() -> RepositoryBuild:
    return RepositoryBuild(uuid=BUILD_UUID, attempts=1)


PUSH_PASSWORD = "push-password-that-must-stay-in-the-secret"


def build_job() -> BuildJob:
    return BuildJob(
        build_uuid=str(BUILD_UUID),
        source={"kind": "archive", "url": "https://registry.example.com/context"},
        context="",
        dockerfile_path="Dockerfile",
        build_args={"VERSION": "1"},
        push_targets=["registry.example.com/acme/app:latest"],
        registry_host="registry.example.com",
        registry_tls=True,
        push_credentials=("$build", PUSH_PASSWORD),
        pull_credentials=None,
        agent_token=TOKEN,
        agent_url=f"https://registry.example.com/api/v1/build-agent/{BUILD_UUID}/",
        attempt=1,
    )


def test_start_creates_an_unprivileged_job_then_its_token_secret() -> None:
    with kubernetes_api_replaying("job_created") as api:
        executor_for(api).start(build_attempt(), build_job())

    job_request, secret_request = api.requests
    assert (job_request.method, job_request.path) == ("POST", "/apis/batch/v1/namespaces/builder/jobs")
    assert job_request.headers["authorization"] == "Bearer manager-sa-token"
    job = job_request.body
    assert job["metadata"]["name"] == JOB_NAME
    assert job["metadata"]["labels"]["quay-build"] == str(BUILD_UUID)
    assert job["spec"]["backoffLimit"] == 0
    assert job["spec"]["activeDeadlineSeconds"] == 7200
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == "quay-builder"
    (container,) = pod["containers"]
    assert container["image"] == IMAGE
    assert container["command"] == [
        "python", "-m", "builds.agent", "/var/run/quay-build/job.json", "--workdir", "/build",
    ]  # fmt: skip
    assert container["securityContext"] == {
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "runAsUser": 1001,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["resources"]["limits"] == {"memory": "3Gi", "cpu": "2000m"}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["build-job"]["secret"] == {"secretName": JOB_NAME, "defaultMode": 0o440}
    assert {"name": "build-job", "mountPath": "/var/run/quay-build", "readOnly": True} in container[
        "volumeMounts"
    ]
    assert TOKEN not in json.dumps(job) and PUSH_PASSWORD not in json.dumps(job)

    assert (secret_request.method, secret_request.path) == ("POST", "/api/v1/namespaces/builder/secrets")
    secret = secret_request.body
    assert BuildJob.from_json(json.loads(secret["stringData"]["job.json"])) == build_job()
    assert secret["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": JOB_NAME,
            "uid": "9d5e7c1a-0b2f-4e8d-a6c3-5f1b2d3e4a70",
        }
    ]


def test_namespace_node_selector_and_pull_secret_come_from_the_config() -> None:
    with kubernetes_api_replaying("job_created") as api:
        api.exchanges = [
            {**exchange, "path": exchange["path"].replace("/builder/", "/ci-builds/")}
            for exchange in api.exchanges
        ]
        executor = executor_for(
            api,
            BUILDER_NAMESPACE="ci-builds",
            NODE_SELECTOR_LABEL_KEY="node-role/builder",
            NODE_SELECTOR_LABEL_VALUE="yes",
            IMAGE_PULL_SECRET_NAME="builder-pull",
        )
        executor.start(build_attempt(), build_job())

    pod = api.requests[0].body["spec"]["template"]["spec"]
    assert api.requests[0].path == "/apis/batch/v1/namespaces/ci-builds/jobs"
    assert pod["nodeSelector"] == {"node-role/builder": "yes"}
    assert pod["imagePullSecrets"] == [{"name": "builder-pull"}]


def test_a_refused_job_is_an_executor_error_with_kubernetes_reason() -> None:
    with kubernetes_api_replaying("job_forbidden") as api:
        with pytest.raises(ExecutorError, match="cannot create resource"):
            executor_for(api).start(build_attempt(), build_job())
    # No Secret for a Job that does not exist.
    assert [request.method for request in api.requests] == ["POST"]


def test_cancel_deletes_the_build_jobs_with_their_pods() -> None:
    with kubernetes_api_replaying("jobs_deleted") as api:
        executor_for(api).cancel(build_attempt())

    (request,) = api.requests
    assert (request.method, request.path) == ("DELETE", "/apis/batch/v1/namespaces/builder/jobs")
    assert request.query["labelSelector"] == [f"quay-build={BUILD_UUID}"]
    assert request.query["propagationPolicy"] == ["Background"]


def test_a_running_job_is_not_lost() -> None:
    with kubernetes_api_replaying("job_running") as api:
        assert executor_for(api).lost(build_attempt()) is None
    assert api.requests[0].path == f"/apis/batch/v1/namespaces/builder/jobs/{JOB_NAME}"


def test_a_deleted_job_is_a_lost_builder() -> None:
    with kubernetes_api_replaying("job_gone") as api:
        assert executor_for(api).lost(build_attempt()) == f"the build's Job {JOB_NAME} is gone"


def test_an_oom_killed_pod_is_a_lost_builder_saying_so() -> None:
    with kubernetes_api_replaying("pod_oom_killed") as api:
        reason = executor_for(api).lost(build_attempt())
    assert reason == "the build's pod failed: OOMKilled, exit code 137"
    assert api.requests[1].query["labelSelector"] == [f"job-name={JOB_NAME}"]


def test_a_job_past_its_deadline_is_a_lost_builder() -> None:
    with kubernetes_api_replaying("job_deadline_exceeded") as api:
        api.exchanges.append(
            {"method": "GET", "path": "/api/v1/namespaces/builder/pods", "status": 200,
             "body": {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}}
        )  # fmt: skip
        reason = executor_for(api).lost(build_attempt())
    assert reason == "the build's pod failed: Job was active longer than specified deadline"


def test_pods_reach_the_registry_at_registry_url_when_set() -> None:
    with kubernetes_api_replaying("job_created") as api:
        executor_for(api, REGISTRY_URL="http://quay.quay.svc:8080").start(build_attempt(), build_job())

    sent = BuildJob.from_json(json.loads(api.requests[1].body["stringData"]["job.json"]))
    assert (sent.registry_host, sent.registry_tls) == ("quay.quay.svc:8080", False)
    assert sent.push_targets == ["quay.quay.svc:8080/acme/app:latest"]
    assert sent.agent_url == f"http://quay.quay.svc:8080/api/v1/build-agent/{BUILD_UUID}/"
    assert sent.agent_token == TOKEN


def test_job_name_differs_per_attempt() -> None:
    assert job_name(RepositoryBuild(uuid=BUILD_UUID, attempts=2)) == f"quay-build-{BUILD_UUID}-2"


def test_without_an_api_server_or_credentials_the_executor_says_what_is_missing(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    with pytest.raises(ExecutorError, match="no K8S_API_SERVER"):
        KubernetesExecutor({**DEFAULTS})


def test_the_job_and_its_secret_validate_against_the_kubernetes_schema() -> None:
    with kubernetes_api_replaying("job_created") as api:
        executor_for(api, NODE_SELECTOR_LABEL_KEY="pool", NODE_SELECTOR_LABEL_VALUE="builds").start(
            build_attempt(), build_job()
        )
    for request in api.requests:
        kubernetes_validate.validate(request.body, KUBERNETES_VERSION, strict=True)


def test_the_rbac_manifest_validates_and_grants_only_the_builder_namespace() -> None:
    documents = [document for document in yaml.safe_load_all(RBAC.read_text()) if document]
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    kinds = {(document["kind"], document["metadata"]["name"]) for document in documents}
    assert kinds == {
        ("Namespace", "builder"),
        ("ServiceAccount", "quay-builder-manager"),
        ("ServiceAccount", "quay-builder"),
        ("Role", "quay-builder-manager"),
        ("RoleBinding", "quay-builder-manager"),
    }
    [role] = [document for document in documents if document["kind"] == "Role"]
    granted = {
        (rule["apiGroups"][0], resource, verb)
        for rule in role["rules"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    # What the executor calls: create, read, list and delete Jobs; read pods; create Secrets.
    assert ("batch", "jobs", "create") in granted and ("batch", "jobs", "deletecollection") in granted
    assert ("", "pods", "list") in granted and ("", "secrets", "create") in granted
    assert not any(verb in ("*", "update", "patch") for _, _, verb in granted)
