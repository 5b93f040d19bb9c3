#!/usr/bin/env python3
"""Builds AdmissionReview bodies from the samples, shaped like the ones a
kube-apiserver sends for `kubectl apply` (managedFields, the last-applied
annotation, uid, creationTimestamp), so tests and benchmarks see realistic
bytes. Run from anywhere: writes next to this script.

  good/: the Bookstore samples (CREATE, plus UPDATE, dryRun, v1beta1 variants)
  bad/:  one review per object of samples/bad/<rule>.yaml (named after the file)
"""
import json
import os
import uuid

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
RESOURCES = {
    "Rollout": ("argoproj.io", "rollouts"),
    "AnalysisTemplate": ("argoproj.io", "analysistemplates"),
    "ClusterAnalysisTemplate": ("argoproj.io", "clusteranalysistemplates"),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers"),
    "ScaledObject": ("keda.sh", "scaledobjects"),
}


def stable_uid(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "rollout-guard:" + "/".join(parts)))


def as_applied(obj, name_key):
    """The object as the apiserver stores it after `kubectl apply`."""
    o = json.loads(json.dumps(obj))
    md = o.setdefault("metadata", {})
    md.setdefault("namespace", "default") if o["kind"] != "ClusterAnalysisTemplate" else None
    last = json.dumps(obj, separators=(",", ":"), sort_keys=True) + "\n"
    md.setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = last
    md["creationTimestamp"] = "2026-11-24T01:24:52Z"
    md["generation"] = 1
    md["uid"] = stable_uid("object", name_key)
    md["managedFields"] = [{
        "apiVersion": o["apiVersion"], "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}},
                     "f:spec": {k: {} for k in ("f:" + key for key in (obj.get("spec") or {}))}},
        "manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-11-24T01:24:52Z"}]
    return o


def review(obj, name_key, operation="CREATE", dry_run=False, api="admission.k8s.io/v1", old=None):
    kind = obj["kind"]
    group, resource = RESOURCES[kind]
    version = obj["apiVersion"].split("/")[-1]
    applied = as_applied(obj, name_key)
    md = applied["metadata"]
    req = {
        "uid": stable_uid("review", name_key, operation, str(dry_run), api),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": md.get("name", ""),
        "operation": operation,
        "userInfo": {"username": "admin", "uid": "admin-uid", "groups": ["system:masters", "system:authenticated"]},
        "object": applied,
        "oldObject": old,
        "dryRun": dry_run,
        "options": {"kind": "CreateOptions" if operation == "CREATE" else "UpdateOptions",
                    "apiVersion": "meta.k8s.io/v1", "fieldManager": "kubectl-client-side-apply",
                    "fieldValidation": "Strict"},
    }
    if "namespace" in md:
        req["namespace"] = md["namespace"]
    return {"kind": "AdmissionReview", "apiVersion": api, "request": req}


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if isinstance(d, dict) and d.get("kind") in RESOURCES]


def write(sub, name, body):
    os.makedirs(os.path.join(HERE, sub), exist_ok=True)
    with open(os.path.join(HERE, sub, name + ".json"), "w") as f:
        json.dump(body, f, separators=(",", ":"))
        f.write("\n")


def main():
    for app in ("bookstore", "bookstore-keda"):
        folder = os.path.join(SAMPLES, app)
        for fname in sorted(os.listdir(folder)):
            if not fname.endswith(".yaml"):
                continue
            for obj in load(os.path.join(folder, fname)):
                key = f"{app}-{obj['kind'].lower()}-{obj['metadata']['name']}"
                write("good", key + "-create", review(obj, key))
                if obj["kind"] == "Rollout":
                    write("good", key + "-create-dryrun", review(obj, key, dry_run=True))
                    write("good", key + "-create-v1beta1", review(obj, key, api="admission.k8s.io/v1beta1"))
                    write("good", key + "-update", review(obj, key, "UPDATE", old=as_applied(obj, key)))
    bad = os.path.join(SAMPLES, "bad")
    for fname in sorted(os.listdir(bad)):
        if not fname.endswith(".yaml"):
            continue
        rule = fname[:-5]
        for obj in load(os.path.join(bad, fname)):
            key = f"{rule}-{obj['kind'].lower()}"
            write("bad", key, review(obj, key))


if __name__ == "__main__":
    main()
