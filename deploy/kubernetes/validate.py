#!/usr/bin/env python3
"""Validates a Kubernetes manifest of Jobs (and the volume claim they share) without a cluster.

Always, structurally: each document's kind and apiVersion, every field this recipe uses checked by
name against the batch/v1 Job, PodSpec and Container schemas (a misspelt field fails), the values
a Job needs (restartPolicy Never or OnFailure, completionMode NonIndexed or Indexed, an Indexed
Job's completions, positive counts, Indexed wherever a pod reads JOB_COMPLETION_INDEX). When the official client is installed (`pip install
kubernetes`), also: each document deserialised into its model (V1Job,
V1PersistentVolumeClaim) and serialised back must equal itself — a wrong type, an unknown field
or a missing required one fails.

Usage: validate.py MANIFEST.yaml — exit 0 valid, 1 invalid (one line per problem on stderr).
"""
import json
import sys

import yaml

JOB = {"apiVersion", "kind", "metadata", "spec", "status"}
JOB_SPEC = {"activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode", "completions", "managedBy",
            "manualSelector", "maxFailedIndexes", "parallelism", "podFailurePolicy", "podReplacementPolicy", "selector",
            "successPolicy", "suspend", "template", "ttlSecondsAfterFinished"}
TEMPLATE = {"metadata", "spec"}
POD_SPEC = {"activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsConfig", "dnsPolicy",
            "enableServiceLinks", "ephemeralContainers", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostUsers",
            "hostname", "imagePullSecrets", "initContainers", "nodeName", "nodeSelector", "os", "overhead",
            "preemptionPolicy", "priority", "priorityClassName", "readinessGates", "resourceClaims", "resources",
            "restartPolicy", "runtimeClassName", "schedulerName", "schedulingGates", "securityContext", "serviceAccount",
            "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain",
            "terminationGracePeriodSeconds", "tolerations", "topologySpreadConstraints", "volumes"}
CONTAINER = {"args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name", "ports",
             "readinessProbe", "resizePolicy", "resources", "restartPolicy", "securityContext", "startupProbe", "stdin",
             "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts",
             "workingDir"}
METADATA = {"name", "namespace", "labels", "annotations", "generateName"}
PVC = {"apiVersion", "kind", "metadata", "spec", "status"}
PVC_SPEC = {"accessModes", "dataSource", "dataSourceRef", "resources", "selector", "storageClassName",
            "volumeAttributesClassName", "volumeMode", "volumeName"}


def fields(problems, where, value, allowed):
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a mapping")
        return {}
    for key in value:
        if key not in allowed:
            problems.append(f"{where}.{key}: not a field of this object")
    return value


def positive(problems, where, value):
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        problems.append(f"{where}: must be a positive integer, got {value!r}")


def check_job(problems, name, job):
    fields(problems, name, job, JOB)
    if job.get("apiVersion") != "batch/v1":
        problems.append(f"{name}.apiVersion: a Job is batch/v1, got {job.get('apiVersion')!r}")
    fields(problems, f"{name}.metadata", job.get("metadata", {}), METADATA)
    spec = fields(problems, f"{name}.spec", job.get("spec"), JOB_SPEC)
    mode = spec.get("completionMode", "NonIndexed")
    if mode not in ("NonIndexed", "Indexed"):
        problems.append(f"{name}.spec.completionMode: NonIndexed or Indexed, got {mode!r}")
    if mode == "Indexed" and spec.get("completions") is None:
        problems.append(f"{name}.spec.completions: an Indexed Job needs a completion count")
    positive(problems, f"{name}.spec.completions", spec.get("completions"))
    positive(problems, f"{name}.spec.parallelism", spec.get("parallelism"))
    if spec.get("backoffLimit") is not None and (not isinstance(spec["backoffLimit"], int) or spec["backoffLimit"] < 0):
        problems.append(f"{name}.spec.backoffLimit: must be 0 or more")
    # Only an Indexed Job's pods get JOB_COMPLETION_INDEX; elsewhere every pod would run shard 1.
    if "JOB_COMPLETION_INDEX" in json.dumps(spec.get("template")) and mode != "Indexed":
        problems.append(f"{name}.spec.completionMode: its pods read JOB_COMPLETION_INDEX, which only an Indexed Job sets")
    template = fields(problems, f"{name}.spec.template", spec.get("template"), TEMPLATE)
    fields(problems, f"{name}.spec.template.metadata", template.get("metadata", {}), METADATA)
    pod = fields(problems, f"{name}.spec.template.spec", template.get("spec"), POD_SPEC)
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problems.append(f"{name}.spec.template.spec.restartPolicy: a Job's pods restart Never or OnFailure, got {pod.get('restartPolicy')!r}")
    containers = pod.get("containers")
    if not isinstance(containers, list) or not containers:
        problems.append(f"{name}.spec.template.spec.containers: at least one container")
        containers = []
    volumes = {volume.get("name") for volume in pod.get("volumes", []) if isinstance(volume, dict)}
    for index, container in enumerate(containers):
        where = f"{name}.spec.template.spec.containers[{index}]"
        container = fields(problems, where, container, CONTAINER)
        for required in ("name", "image"):
            if not isinstance(container.get(required), str) or not container.get(required):
                problems.append(f"{where}.{required}: required")
        for key in ("command", "args"):
            if key in container and not all(isinstance(item, str) for item in container[key]):
                problems.append(f"{where}.{key}: a list of strings")
        for variable in container.get("env", []):
            if not isinstance(variable.get("value", ""), str):
                problems.append(f"{where}.env[{variable.get('name')}]: values are strings (quote numbers)")
        for mount in container.get("volumeMounts", []):
            if mount.get("name") not in volumes:
                problems.append(f"{where}.volumeMounts[{mount.get('name')}]: no such volume in the pod")


def check_claim(problems, name, claim):
    fields(problems, name, claim, PVC)
    if claim.get("apiVersion") != "v1":
        problems.append(f"{name}.apiVersion: a PersistentVolumeClaim is v1")
    fields(problems, f"{name}.metadata", claim.get("metadata", {}), METADATA)
    fields(problems, f"{name}.spec", claim.get("spec"), PVC_SPEC)


def round_trip(problems, name, document, model):
    """The client's models keep only the fields they know, typed: what comes back must be all."""
    try:
        from kubernetes.client import ApiClient
    except ImportError:
        return False

    client = ApiClient()
    try:
        # The dict-to-model step under ApiClient.deserialize (whose signature changed in v35);
        # the same private name in every release since the client's first.
        back = client.sanitize_for_serialization(client._ApiClient__deserialize(json.loads(json.dumps(document)), model))
    except Exception as error:  # the models raise ValueError (and others) on bad input
        problems.append(f"{name}: not a valid {model}: {error}")
        return True
    if back != document:
        problems.append(f"{name}: {model} does not keep it as written (an unknown field or a wrong type): "
                        f"{json.dumps(document, sort_keys=True)[:200]} vs {json.dumps(back, sort_keys=True)[:200]}")
    return True


def main(path):
    with open(path) as handle:
        documents = [document for document in yaml.safe_load_all(handle) if document is not None]
    problems = []
    jobs = 0
    with_models = False
    for index, document in enumerate(documents):
        name = f"{path}#{index + 1} ({document.get('kind')} {document.get('metadata', {}).get('name')})"
        if document.get("kind") == "Job":
            jobs += 1
            check_job(problems, name, document)
            with_models = round_trip(problems, name, document, "V1Job") or with_models
        elif document.get("kind") == "PersistentVolumeClaim":
            check_claim(problems, name, document)
            with_models = round_trip(problems, name, document, "V1PersistentVolumeClaim") or with_models
        else:
            problems.append(f"{name}: this recipe holds Jobs and a PersistentVolumeClaim, not {document.get('kind')!r}")
    if jobs == 0:
        problems.append(f"{path}: no Job")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{path}: {jobs} Jobs valid ({'structure and the kubernetes client models' if with_models else 'structure; kubernetes client not installed'})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
