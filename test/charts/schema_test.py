#!/usr/bin/env python3
"""Validates every object the chart renders, in value variants covering the options that change
which objects or fields it renders, against Kubernetes OpenAPI v3 schemas with a JSON Schema validator (python3-jsonschema); checks that
the webhook configurations are safe to run (namespaces excluded, no side effects, short timeouts,
failure policies); and runs rollout-guard's own `check` on the chart's pods.

Schemas, by kind (the coverage table is printed at the end of a run):
- core/v1 and apps/v1 kinds (Deployment, Service, ServiceAccount, ConfigMap): the Kubernetes 1.35
  OpenAPI v3 documents in $RG_CONFORMANCE_DIR/k8s-schemas (not part of this repository);
- the webhook configurations, PodDisruptionBudget, NetworkPolicy and RBAC kinds, which that folder has
  no schema for: the minimal hand-written schemas in local-schemas.yaml (structure, enums, required
  fields), whose metadata and label selectors still resolve to the conformance core/v1 document;
- cert-manager and prometheus-operator kinds: no schema at all; only apiVersion, kind and metadata
  (against ObjectMeta) are validated. render_test.py checks their content.

The validator (test/support/k8s_schemas.py, shared with test/gating/gating_test.py) closes object
types, as the API server's strict field validation does (an unknown field is an error), checks formats
and x-kubernetes-list-type keys.

The conformance folder is $RG_CONFORMANCE_DIR, else the --conformance-default given by CMake, else
../shared/conformance next to the project. Without it the schema tests skip loudly (exit code 77 when
everything else passed), and fail when CI=true.

Usage: schema_test.py PATH-TO-rollout-guard [--conformance-default DIR] [unittest args]
       (ctest: charts_schema)
"""

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from render_test import Rendered  # noqa: E402  (also fails loudly without PyYAML)

import yaml  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "test", "support"))
from k8s_schemas import Conformance, main as schema_test_main  # noqa: E402  (the validator; exits without python3-jsonschema)

LOCAL_SCHEMAS = os.path.join(HERE, "local-schemas.yaml")
# Kinds the chart renders that no schema covers: only apiVersion, kind and metadata are validated.
NO_SCHEMA = {("cert-manager.io/v1", "Issuer"), ("cert-manager.io/v1", "Certificate"),
             ("monitoring.coreos.com/v1", "ServiceMonitor")}

BINARY = None
K8S = Conformance([LOCAL_SCHEMAS], os.path.join(os.path.dirname(ROOT), "shared", "conformance"))

POLICY = "rules:\n  analysis/sample-plan: deny\n  \"pod-security/*\": deny\nnamespaces:\n  sandbox: warn\n"
# name: (values, release, namespace). They cover each TLS mode, reconciler on/off, leader election
# on/off, a policy, client certificates, NetworkPolicies and PDBs on/off, ServiceMonitors, user-given
# scheduling and names, and objects left to the user (RBAC, ServiceAccounts). A new chart option that
# changes what is rendered belongs in one of them.
VARIANTS = {
    "default": ({}, "rollout-guard", "rollout-guard"),  # tls.mode self
    "self-managed": ({"tls": {"mode": "self", "self": {"secretName": "guard-serving", "caValidity": "17520h",
                                                       "validity": "720h", "overlap": "2m", "syncPeriod": "30s"}}},
                     "edge", "guard-ns"),
    "cert-manager": ({"tls": {"mode": "certManager"}}, "rollout-guard", "rollout-guard"),
    "cert-manager-issuer": ({"tls": {"mode": "certManager",
                                     "certManager": {"issuerRef": {"kind": "ClusterIssuer", "name": "internal-ca"}}}},
                            "rollout-guard", "rollout-guard"),
    "existing-secret": ({"tls": {"mode": "secret", "existingSecret": "my-tls",
                                 "caBundle": "TUlJQ0FCQ0Q="}}, "rollout-guard", "rollout-guard"),
    "no-reconciler": ({"reconciler": {"enabled": False}}, "rollout-guard", "rollout-guard"),
    "cluster-inventory": ({"webhook": {"inventory": "cluster", "mutating": {"enabled": False}}},
                          "prod", "guard-system"),
    "policy-client-ca-monitors": ({
        "policy": POLICY,
        "imagePullSecrets": [{"name": "regcred"}],
        "serviceAccount": {"annotations": {"example.com/role": "guard"}},
        "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus"}}},
        "networkPolicy": {"webhookFrom": [{"ipBlock": {"cidr": "10.0.0.0/24"}}],
                          "metricsFrom": [{"namespaceSelector": {"matchLabels": {
                              "kubernetes.io/metadata.name": "monitoring"}}}]},
        "webhook": {"clientCASecret": "apiserver-client-ca", "preStopSleepSeconds": 5, "replicas": 3,
                    "extraArgs": ["--max-connections=512"], "priorityClassName": "system-cluster-critical",
                    "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "podAnnotations": {"example.com/a": "b"}, "podLabels": {"team": "platform"},
                    "excludeNamespaces": ["kube-system", "kube-public"]},
        "reconciler": {"leaderElection": {"enabled": False}, "replicas": 1, "namespace": "shop", "events": False},
    }, "rollout-guard", "rollout-guard"),
    "user-scheduling": ({
        "fullnameOverride": "guard",
        "image": {"tag": "0.1.0-rc1"},
        "webhook": {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                                   "whenUnsatisfiable": "DoNotSchedule",
                                                   "labelSelector": {"matchLabels": {"app": "x"}}}],
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In",
                                                                     "values": ["system"]}]}]}}}},
        "reconciler": {"defaultSpread": False},
    }, "rg", "rg"),
    "minimal": ({"networkPolicy": {"enabled": False}, "metrics": {"service": {"enabled": False}},
                 "rbac": {"create": False}, "serviceAccount": {"create": False},
                 "webhook": {"podDisruptionBudget": {"enabled": False}, "failurePolicy": "Ignore",
                             "timeoutSeconds": 5, "mutating": {"failurePolicy": "Fail"}},
                 "reconciler": {"podDisruptionBudget": {"enabled": False}}}, "rollout-guard", "rollout-guard"),
}

_RENDERED = {}


def rendered(name):
    if name not in _RENDERED:
        values, release, namespace = VARIANTS[name]
        _RENDERED[name] = Rendered(values, release=release, namespace=namespace)
    return _RENDERED[name]


def objects(r):
    """The rendered documents without render_test's bookkeeping key."""
    return [{k: v for k, v in d.items() if k != "__file"} for d in r.docs]




COVERAGE = {}   # (apiVersion, kind) -> source, for the table printed at the end


# --- tests ----------------------------------------------------------------------------------------


class ValidatorTest(unittest.TestCase):
    """The validator catches what the API server would refuse (so a passing chart means something)."""

    def deployment(self):
        return copy.deepcopy(rendered("default").deployment("webhook"))

    def check_rejects(self, obj, field, words):
        errs = K8S.schemas(self).errors({k: v for k, v in obj.items() if k != "__file"})
        self.assertTrue(any(e.startswith(field + ":") and words in e for e in errs), errs)

    def test_unmodified_deployment_passes(self):
        d = self.deployment()
        del d["__file"]
        self.assertEqual(K8S.schemas(self).errors(d), [])

    def test_unknown_fields_are_errors_at_any_depth(self):
        d = self.deployment()
        d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonroot"] = True
        self.check_rejects(d, "spec.template.spec.containers.0.securityContext", "'runAsNonroot' was unexpected")
        d = self.deployment()
        d["metadata"]["label"] = {"a": "b"}
        self.check_rejects(d, "metadata", "'label' was unexpected")

    def test_maps_stay_open(self):
        d = self.deployment()
        d["metadata"]["annotations"] = {"anything.example.com/x": "y"}
        d["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/os": "linux"}
        del d["__file"]
        self.assertEqual(K8S.schemas(self).errors(d), [])

    def test_types_required_fields_and_formats(self):
        d = self.deployment()
        d["spec"]["replicas"] = "2"
        self.check_rejects(d, "spec.replicas", "is not of type 'integer'")
        d = self.deployment()
        d["spec"]["replicas"] = 2 ** 31
        self.check_rejects(d, "spec.replicas", "is not a 'int32'")
        d = self.deployment()
        del d["spec"]["template"]["spec"]["containers"][0]["name"]
        self.check_rejects(d, "spec.template.spec.containers.0", "'name' is a required property")
        d = self.deployment()
        d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = 1.5   # IntOrString: int or string only
        self.check_rejects(d, "spec.strategy.rollingUpdate.maxSurge", "is not valid under any of the given schemas")
        d = self.deployment()
        d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = 2 ** 40
        self.check_rejects(d, "spec.strategy.rollingUpdate.maxSurge", "is not a 'int-or-string'")

    def test_list_map_keys_are_unique(self):
        d = self.deployment()
        ports = d["spec"]["template"]["spec"]["containers"][0]["ports"]
        ports.append(dict(ports[0], name="again"))
        self.check_rejects(d, "spec.template.spec.containers.0.ports", "repeats the key containerPort+protocol")

    def test_local_schemas_check_enums_ranges_and_refs(self):
        wc = copy.deepcopy(rendered("default").one("ValidatingWebhookConfiguration"))
        wc["webhooks"][0]["failurePolicy"] = "Deny"
        wc["webhooks"][0]["timeoutSeconds"] = 31
        wc["webhooks"][0]["namespaceSelector"]["matchExpressions"][0]["operater"] = "NotIn"
        wc["webhooks"][0]["sideEffect"] = "None"
        wc["webhooks"][0]["clientConfig"]["caBundle"] = "not base64!"
        errs = K8S.schemas(self).errors({k: v for k, v in wc.items() if k != "__file"})
        for field, words in [("webhooks.0.failurePolicy", "'Deny' is not one of"),
                             ("webhooks.0.timeoutSeconds", "31 is greater than the maximum of 30"),
                             ("webhooks.0.namespaceSelector.matchExpressions.0", "'operater' was unexpected"),
                             ("webhooks.0", "'sideEffect' was unexpected"),
                             ("webhooks.0.clientConfig.caBundle", "is not a 'byte'")]:
            with self.subTest(field=field):
                self.assertTrue(any(e.startswith(field + ":") and words in e for e in errs), errs)

    def test_kinds_without_schema_still_have_their_metadata_checked(self):
        cert = copy.deepcopy(rendered("cert-manager").one("Certificate", "rollout-guard"))
        cert["metadata"]["labels"]["n"] = 1
        self.check_rejects(cert, "metadata.labels.n", "is not of type 'string'")
        cert["spec"]["anything"] = "is not checked here"
        del cert["metadata"]["labels"]["n"]
        del cert["__file"]
        self.assertEqual(K8S.schemas(self).errors(cert), [])
        self.assertEqual(K8S.schemas(self).errors({"metadata": {"name": "x"}}),
                         ["apiVersion/kind: missing or not strings: (None, None)"])


class ChartSchemaTest(unittest.TestCase):
    def test_every_rendered_object_passes_its_schema(self):
        s = K8S.schemas(self)
        for vname in VARIANTS:
            for obj in objects(rendered(vname)):
                name = "%s %s/%s" % (vname, obj.get("kind"), obj.get("metadata", {}).get("name"))
                with self.subTest(object=name):
                    COVERAGE[(obj["apiVersion"], obj["kind"])] = s.source(obj["apiVersion"], obj["kind"])
                    self.assertEqual(s.errors(obj), [], "%s (%s)" % (name, s.source(obj["apiVersion"], obj["kind"])))

    def test_only_the_known_kinds_go_without_a_schema(self):
        s = K8S.schemas(self)
        rendered_kinds = {(o["apiVersion"], o["kind"]) for v in VARIANTS for o in objects(rendered(v))}
        self.assertEqual({k for k in rendered_kinds if k not in s.by_gvk}, NO_SCHEMA,
                         "a new kind needs a schema (local-schemas.yaml) or an entry in NO_SCHEMA and docs/deploy.md")
        from_conformance = {k for k in rendered_kinds if k in s.by_gvk and "OpenAPI" in s.by_gvk[k][2]}
        self.assertEqual(from_conformance, {("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ServiceAccount"),
                                            ("v1", "ConfigMap")})


class WebhookConfigurationTest(unittest.TestCase):
    """The admission webhooks can neither lock up the cluster nor the chart's own namespace."""

    def webhooks(self, r):
        for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            for wc in r.all(kind):
                for wh in wc["webhooks"]:
                    yield kind, wh

    def test_safe_in_every_variant(self):
        for vname in VARIANTS:
            r = rendered(vname)
            for kind, wh in self.webhooks(r):
                with self.subTest(variant=vname, kind=kind):
                    self.assertEqual(wh["sideEffects"], "None")  # dry-run requests may reach it
                    self.assertEqual(wh["admissionReviewVersions"], ["v1"])
                    self.assertIsInstance(wh["timeoutSeconds"], int)
                    self.assertLessEqual(wh["timeoutSeconds"], 5)  # the API server's default is 10
                    self.assertIn(wh["failurePolicy"], ("Fail", "Ignore"))
                    exprs = wh["namespaceSelector"]["matchExpressions"]
                    excluded = {v for e in exprs if e["key"] == "kubernetes.io/metadata.name"
                                and e["operator"] == "NotIn" for v in e["values"]}
                    self.assertLessEqual({"kube-system", r.namespace}, excluded)
                    self.assertNotIn("matchLabels", wh["namespaceSelector"])

    def test_default_failure_policies(self):
        got = {kind: wh["failurePolicy"] for kind, wh in self.webhooks(rendered("default"))}
        self.assertEqual(got, {"ValidatingWebhookConfiguration": "Fail", "MutatingWebhookConfiguration": "Ignore"})
        got = {kind: (wh["failurePolicy"], wh["timeoutSeconds"]) for kind, wh in self.webhooks(rendered("minimal"))}
        self.assertEqual(got, {"ValidatingWebhookConfiguration": ("Ignore", 5),
                               "MutatingWebhookConfiguration": ("Fail", 5)})


class OwnPodsTest(unittest.TestCase):
    """rollout-guard's own `check` on what the chart renders. `check` reads no rule for Deployments
    (they are counted as skipped), so the pods are also checked inside a Rollout, whose pod template
    the pod-security/* rules read."""

    def run_check(self, docs, policy=None):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "rendered.yaml")
            with open(path, "w") as f:
                yaml.safe_dump_all(docs, f)
            cmd = [BINARY, "check", "-o", "json", path]
            if policy:
                with open(os.path.join(tmp, "policy.yaml"), "w") as f:
                    f.write(policy)
                cmd[2:2] = ["--policy", os.path.join(tmp, "policy.yaml")]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertIn(r.returncode, (0, 1), "%s exited %d: %s" % (cmd, r.returncode, r.stderr))
        out = json.loads(r.stdout)
        self.assertEqual(out["errors"], [], r.stdout)
        return r.returncode, out

    @staticmethod
    def as_rollouts(r):
        """Each Deployment's pod template in a Rollout (a canary strategy that the rollout/* rules judge
        on their own; their findings are at spec.strategy)."""
        out = []
        for d in r.all("Deployment"):
            out.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": d["metadata"],
                        "spec": {"replicas": d["spec"]["replicas"], "selector": d["spec"]["selector"],
                                 "template": d["spec"]["template"],
                                 "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}}})
        return out

    @staticmethod
    def policy_of(r):
        cms = r.all("ConfigMap")
        return cms[0]["data"]["policy.yaml"] if cms else None

    def test_rendered_chart_has_no_findings(self):
        for vname in VARIANTS:
            r = rendered(vname)
            with self.subTest(variant=vname):
                rc, out = self.run_check(objects(r), self.policy_of(r))
                self.assertEqual(rc, 0, out)
                self.assertEqual(out["findings"], [])
                self.assertEqual(out["summary"]["skipped"], len(r.docs))  # no rule reads these kinds

    def test_pod_templates_pass_pod_security_and_every_pod_rule(self):
        for vname in VARIANTS:
            r = rendered(vname)
            with self.subTest(variant=vname):
                rollouts = self.as_rollouts(r)
                _, out = self.run_check(rollouts, self.policy_of(r))
                self.assertEqual(out["summary"]["objects"], len(rollouts))
                about_pods = [f for f in out["findings"] if not f["path"].startswith("spec.strategy")]
                self.assertEqual(about_pods, [])

    def test_the_pod_check_can_fail(self):
        rollouts = self.as_rollouts(rendered("default"))
        sc = rollouts[0]["spec"]["template"]["spec"]["containers"][0]["securityContext"]
        sc["allowPrivilegeEscalation"] = True
        rc, out = self.run_check(rollouts)
        self.assertEqual(rc, 1)
        rules = {(f["rule"], f["action"]) for f in out["findings"] if f["path"].startswith("spec.template")}
        self.assertIn(("pod-security/allowPrivilegeEscalation", "deny"), rules)


def print_coverage():
    if not COVERAGE:
        return
    sys.stderr.write("\nSchema coverage of the rendered objects (%d variants):\n" % len(VARIANTS))
    for (api, kind), source in sorted(COVERAGE.items(), key=lambda kv: (kv[1], kv[0])):
        sys.stderr.write("  %-45s %s\n" % ("%s %s" % (api, kind), source))


def set_binary(path):
    global BINARY
    BINARY = path


if __name__ == "__main__":
    schema_test_main("schema_test.py", K8S, set_binary, report=print_coverage)
