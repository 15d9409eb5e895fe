"""The Kubernetes executor: each build attempt is a Job whose one unprivileged pod runs the
builder image's ``python -m builds.agent``, which reports back to the registry over HTTP with
the build's token.

Configured by ``KUBERNETES_EXECUTOR_CONFIG`` (Quay's kubernetes executor keys; README, Builds on
Kubernetes). The job's description travels in a Secret the Job owns, never in the Job's spec: it
holds the agent's token, the push credentials and a trigger's deploy key, which whoever may read
Jobs in the namespace must not read. Kubernetes deletes the Secret with the Job. The
permissions the registry needs there are deploy/builder-rbac.yaml.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from builds.executors.base import BuildExecutor, BuildJob, ExecutorError

if TYPE_CHECKING:
    from builds.models import RepositoryBuild

logger = logging.getLogger(__name__)

# Quay's defaults where it has the key; the image is ours (the registry's own image has the agent).
DEFAULTS: dict[str, Any] = {
    "BUILDER_NAMESPACE": "builder",
    "BUILDER_CONTAINER_IMAGE": "quaysite-builder:latest",
    "K8S_API_TIMEOUT": 20,
    "SERVICE_ACCOUNT_NAME": "quay-builder",
    "IMAGE_PULL_SECRET_NAME": "",
    "CONTAINER_MEMORY_REQUEST": "1Gi",
    "CONTAINER_MEMORY_LIMITS": "4Gi",
    "CONTAINER_CPU_REQUEST": "500m",
    "CONTAINER_CPU_LIMITS": "2000m",
    "VOLUME_SIZE": "32G",
    "NODE_SELECTOR_LABEL_KEY": "",
    "NODE_SELECTOR_LABEL_VALUE": "",
    "MAXIMUM_JOB_TIME": 7200,
    "RETENTION_AFTER_FINISHED": 120,
    "REGISTRY_URL": "",
}
BUILD_LABEL = "quay-build"
MANAGED_BY = {"app.kubernetes.io/managed-by": "quaysite", "app.kubernetes.io/component": "builder"}
# The agent builds as this user (the registry image's, Containerfile): no root, nothing to gain.
BUILDER_UID = 1001
BUILD_ROOT = "/build"
# The agent reads its BuildJob (JSON) from this file, the Job's Secret mounted.
JOB_MOUNT = "/var/run/quay-build"
JOB_SECRET_KEY = "job.json"


def executor_config() -> dict[str, Any]:
    return {**DEFAULTS, **settings.KUBERNETES_EXECUTOR_CONFIG}


def api_client(conf: dict[str, Any]) -> client.ApiClient:
    """An API client for K8S_API_SERVER (https with a token or a client certificate, else
    http, as Quay's executor); without it, the pod's own service account, else ~/.kube/config."""
    server = conf.get("K8S_API_SERVER", "")
    if not server:
        try:
            config.load_incluster_config()
        except config.ConfigException:
            try:
                config.load_kube_config()
            except (config.ConfigException, OSError) as error:
                raise ExecutorError(
                    "KUBERNETES_EXECUTOR_CONFIG has no K8S_API_SERVER, this process runs in no pod and "
                    f"has no kubeconfig: {error}"
                ) from None
        return client.ApiClient()
    configuration = client.Configuration()
    secure = bool(conf.get("SERVICE_ACCOUNT_TOKEN") or conf.get("K8S_API_TLS_CERT"))
    configuration.host = server if "://" in server else f"{'https' if secure else 'http'}://{server}"
    if conf.get("SERVICE_ACCOUNT_TOKEN"):
        configuration.api_key = {"BearerToken": conf["SERVICE_ACCOUNT_TOKEN"]}
        configuration.api_key_prefix = {"BearerToken": "Bearer"}
    if conf.get("K8S_API_TLS_CERT"):
        configuration.cert_file = conf["K8S_API_TLS_CERT"]
        configuration.key_file = conf.get("K8S_API_TLS_KEY") or None
    if conf.get("K8S_API_TLS_CA"):
        configuration.ssl_ca_cert = conf["K8S_API_TLS_CA"]
    return client.ApiClient(configuration)


def job_name(build: RepositoryBuild) -> str:
    # One Job per attempt: a retry after a lost pod must not collide with the old Job's name.
    return f"quay-build-{build.uuid}-{build.attempts}"


def job_for_pods(job: BuildJob, registry_url: str) -> BuildJob:
    """The job as a pod sees the registry: at REGISTRY_URL (a cluster service, say) when set."""
    if not registry_url:
        return job
    parts = urlsplit(registry_url)
    base = registry_url.rstrip("/")
    prefix = f"{job.registry_host}/"
    return dataclasses.replace(
        job,
        push_targets=[
            f"{parts.netloc}/{target[len(prefix) :]}" if target.startswith(prefix) else target
            for target in job.push_targets
        ],
        registry_host=parts.netloc,
        registry_tls=parts.scheme == "https",
        agent_url=f"{base}/api/v1/build-agent/{job.build_uuid}/",
    )


def job_body(*, build: RepositoryBuild, job: BuildJob, conf: dict[str, Any]) -> dict[str, Any]:
    name = job_name(build)
    labels = {**MANAGED_BY, BUILD_LABEL: str(build.uuid)}
    container = {
        "name": "builder",
        "image": conf["BUILDER_CONTAINER_IMAGE"],
        "imagePullPolicy": "IfNotPresent",
        "command": ["python", "-m", "builds.agent", f"{JOB_MOUNT}/{JOB_SECRET_KEY}", "--workdir", BUILD_ROOT],
        "env": [
            {"name": "QUAY_BUILD_UUID", "value": str(build.uuid)},
            {"name": "TMPDIR", "value": BUILD_ROOT},
            {"name": "BUILDAH_ISOLATION", "value": "chroot"},
            {"name": "STORAGE_DRIVER", "value": "vfs"},
        ],
        "resources": {
            "requests": {"memory": conf["CONTAINER_MEMORY_REQUEST"], "cpu": conf["CONTAINER_CPU_REQUEST"]},
            "limits": {"memory": conf["CONTAINER_MEMORY_LIMITS"], "cpu": conf["CONTAINER_CPU_LIMITS"]},
        },
        "securityContext": {
            "privileged": False,
            "allowPrivilegeEscalation": False,
            "runAsNonRoot": True,
            "runAsUser": BUILDER_UID,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "build-root", "mountPath": BUILD_ROOT},
            {"name": "build-job", "mountPath": JOB_MOUNT, "readOnly": True},
        ],
    }
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "serviceAccountName": conf["SERVICE_ACCOUNT_NAME"],
        # The builder talks to the registry only: no API credentials, no other services' addresses.
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {"runAsNonRoot": True, "fsGroup": BUILDER_UID},
        "containers": [container],
        "volumes": [
            {"name": "build-root", "emptyDir": {"sizeLimit": conf["VOLUME_SIZE"]}},
            # Readable by the builder's group (fsGroup) only; the pod waits for the Secret.
            {"name": "build-job", "secret": {"secretName": name, "defaultMode": 0o440}},
        ],
    }
    if conf["IMAGE_PULL_SECRET_NAME"]:
        pod_spec["imagePullSecrets"] = [{"name": conf["IMAGE_PULL_SECRET_NAME"]}]
    if conf["NODE_SELECTOR_LABEL_KEY"] and conf["NODE_SELECTOR_LABEL_VALUE"]:
        pod_spec["nodeSelector"] = {conf["NODE_SELECTOR_LABEL_KEY"]: conf["NODE_SELECTOR_LABEL_VALUE"]}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": conf["BUILDER_NAMESPACE"], "labels": labels},
        "spec": {
            # A failed pod is not retried here: the build manager decides on a retry.
            "backoffLimit": 0,
            "activeDeadlineSeconds": conf["MAXIMUM_JOB_TIME"],
            "ttlSecondsAfterFinished": conf["RETENTION_AFTER_FINISHED"],
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def job_secret_body(*, name: str, job: BuildJob, owner_uid: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "labels": labels,
            # Deleted with its Job (cancel, or the Job's TTL after it finished).
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name, "uid": owner_uid}],
        },
        "type": "Opaque",
        "stringData": {JOB_SECRET_KEY: json.dumps(job.as_json(), sort_keys=True)},
    }


class KubernetesExecutor(BuildExecutor):
    name = "kubernetes"

    def __init__(self, conf: dict[str, Any] | None = None) -> None:
        self.conf = conf if conf is not None else executor_config()
        self.namespace = self.conf["BUILDER_NAMESPACE"]
        self.timeout = self.conf["K8S_API_TIMEOUT"]
        api = api_client(self.conf)
        self.batch = client.BatchV1Api(api)
        self.core = client.CoreV1Api(api)

    def start(self, build: RepositoryBuild, job: BuildJob) -> None:
        body = job_body(build=build, job=job, conf=self.conf)
        try:
            created = self.batch.create_namespaced_job(self.namespace, body, _request_timeout=self.timeout)
            secret = job_secret_body(
                name=body["metadata"]["name"],
                job=job_for_pods(job, self.conf["REGISTRY_URL"]),
                owner_uid=created.metadata.uid,
                labels=body["metadata"]["labels"],
            )
            self.core.create_namespaced_secret(self.namespace, secret, _request_timeout=self.timeout)
        except ApiException as error:
            raise ExecutorError(f"Kubernetes refused the build's Job: {_reason(error)}") from error
        logger.info("build %s: Job %s/%s created", build.uuid, self.namespace, created.metadata.name)

    def cancel(self, build: RepositoryBuild) -> None:
        """Deletes every Job of the build and, in the background, their pods and Secrets."""
        try:
            self.batch.delete_collection_namespaced_job(
                self.namespace,
                label_selector=f"{BUILD_LABEL}={build.uuid}",
                propagation_policy="Background",
                _request_timeout=self.timeout,
            )
        except ApiException as error:
            raise ExecutorError(f"Kubernetes did not delete the build's Job: {_reason(error)}") from error

    def lost(self, build: RepositoryBuild) -> str | None:
        """Why the build's pod can no longer finish it (its Job gone, failed or ended without
        the agent reporting the end), or None while it may still."""
        try:
            job = self.batch.read_namespaced_job(
                job_name(build), self.namespace, _request_timeout=self.timeout
            )
        except ApiException as error:
            if error.status == 404:
                return f"the build's Job {job_name(build)} is gone"
            raise ExecutorError(f"Kubernetes did not answer for the build's Job: {_reason(error)}") from error
        for condition in job.status.conditions or []:
            if condition.type == "Failed" and condition.status == "True":
                why = self._pod_end_reason(build) or condition.message or condition.reason
                return f"the build's pod failed: {why}"
            if condition.type == "Complete" and condition.status == "True":
                return "the build's pod exited without reporting the build's end"
        return None

    def _pod_end_reason(self, build: RepositoryBuild) -> str | None:
        """How the builder container of the build's pod ended ('OOMKilled, exit code 137')."""
        pods = self.core.list_namespaced_pod(
            self.namespace, label_selector=f"job-name={job_name(build)}", _request_timeout=self.timeout
        )
        for pod in pods.items:
            for status in (pod.status.container_statuses or []) if pod.status else []:
                ended = status.state.terminated if status.state else None
                if ended is not None:
                    return f"{ended.reason or 'terminated'}, exit code {ended.exit_code}"
        return None


def _reason(error: ApiException) -> str:
    try:
        return str(json.loads(error.body or "{}").get("message") or error.reason)
    except (ValueError, AttributeError):
        return f"{error.status} {error.reason}"
