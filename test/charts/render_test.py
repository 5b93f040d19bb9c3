#!/usr/bin/env python3
"""Renders charts/rollout-guard without helm (test/charts/gotemplate.py, a strict renderer for the
template subset the chart uses) and checks the manifests: every document parses and names itself,
the kinds each value variant should produce, the webhook configurations against samples/webhook/,
the Deployments' flags against the real binary's --help, the probes and shutdown timing against the
flags, the webhook's GLIBC_TUNABLES, the three TLS modes (self-managed certificates: the --certs-* flags
name the Service, webhook configurations, Secret and Lease that RBAC grants), Pod Security "restricted"
fields, least-privilege RBAC, and that Services, PDBs and bindings point at what exists.

Usage: render_test.py PATH-TO-rollout-guard [unittest args]   (ctest: charts_render)
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

try:
    import yaml
except ImportError:  # never skip: CI must have python3-yaml (scripts/deps.sh)
    sys.exit("render_test.py: PyYAML is missing (Debian: python3-yaml, installed by scripts/deps.sh)")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHART = os.path.join(ROOT, "charts", "rollout-guard")
sys.path.insert(0, HERE)
import gotemplate  # noqa: E402
from gotemplate import TemplateError, TemplateFail, render_chart  # noqa: E402

BINARY = None
_HELP = {}

FIVE_RESOURCES = {"rollouts", "analysistemplates", "clusteranalysistemplates", "horizontalpodautoscalers",
                  "scaledobjects"}
WATCHED = {("argoproj.io", "rollouts"), ("argoproj.io", "analysistemplates"),
           ("argoproj.io", "clusteranalysistemplates"), ("apps", "deployments"),
           ("autoscaling", "horizontalpodautoscalers"), ("keda.sh", "scaledobjects"), ("", "namespaces")}


def help_flags(sub):
    """The long flags `rollout-guard SUB --help` lists."""
    if sub not in _HELP:
        r = subprocess.run([BINARY, sub, "--help"], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError("%s %s --help exited %d: %s" % (BINARY, sub, r.returncode, r.stderr))
        flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", r.stdout))
        if len(flags) < 5:
            raise AssertionError("%s %s --help lists too few flags: %r" % (BINARY, sub, r.stdout))
        _HELP[sub] = flags
    return _HELP[sub]


def parse_duration(s):
    """Go-style durations as the binary's flags take them (15s, 200ms, 1m30s)."""
    total = 0.0
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    pos = 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|s|m|h)", s):
        if m.start() != pos:
            raise AssertionError("bad duration %r" % s)
        total += float(m.group(1)) * units[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise AssertionError("bad duration %r" % s)
    return total


class Rendered:
    """One `helm template` run: the documents by file, parsed, and helpers to find them."""

    def __init__(self, values=None, release="rollout-guard", namespace="rollout-guard"):
        self.release, self.namespace = release, namespace
        self.by_file, self.notes = render_chart(CHART, release, namespace, values)
        self.docs = []
        for fname, texts in self.by_file.items():
            for text in texts:
                try:
                    doc = yaml.safe_load(text)
                except yaml.YAMLError as e:
                    raise AssertionError("%s renders invalid YAML: %s\n%s" % (fname, e, text))
                if doc is None:
                    raise AssertionError("%s renders a document with no content:\n%s" % (fname, text))
                if not isinstance(doc, dict):
                    raise AssertionError("%s renders a non-mapping document:\n%s" % (fname, text))
                doc["__file"] = fname
                self.docs.append(doc)

    def kinds(self):
        return sorted((d["kind"], d["metadata"]["name"]) for d in self.docs)

    def all(self, kind):
        return [d for d in self.docs if d["kind"] == kind]

    def one(self, kind, name=None):
        found = [d for d in self.all(kind) if name is None or d["metadata"]["name"] == name]
        if len(found) != 1:
            raise AssertionError("expected one %s %s, found %d: %r" % (kind, name or "", len(found), self.kinds()))
        return found[0]

    def deployment(self, component):
        found = [d for d in self.all("Deployment")
                 if d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == component]
        if len(found) != 1:
            raise AssertionError("expected one %s Deployment, found %d" % (component, len(found)))
        return found[0]


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def container_args(dep):
    c = dep["spec"]["template"]["spec"]["containers"]
    if len(c) != 1:
        raise AssertionError("expected one container in %s" % dep["metadata"]["name"])
    return c[0]["args"]


def arg_value(args, flag):
    vals = [a.split("=", 1)[1] for a in args if a.startswith(flag + "=")]
    return vals[-1] if vals else None


class RendererTest(unittest.TestCase):
    """The renderer follows Go/Sprig/Helm where the chart relies on it, and refuses the rest."""

    def render(self, src, values=None):
        t = gotemplate.Template({"t.yaml": src})
        data = {"Values": gotemplate.helm_numbers(values or {}), "Release": {"Name": "r", "Namespace": "n"},
                "Chart": {"Name": "c", "Version": "1", "AppVersion": "2"}}
        return t.render("t.yaml", data)

    def test_trim_markers_and_blocks(self):
        src = "a:\n  {{- if .Values.on }}\n  b: {{ .Values.n }}\n  {{- else }}\n  b: 0\n  {{- end }}\nc: x  {{- /* c */ -}}  \n  y"
        self.assertEqual(self.render(src, {"on": True, "n": 2}), "a:\n  b: 2\nc: xy")
        self.assertEqual(self.render(src, {"on": False, "n": 2}), "a:\n  b: 0\nc: xy")

    def test_range_with_include_and_pipelines(self):
        src = ('{{- define "l" -}}{{ .k }}={{ .v | quote }}{{- end -}}'
               '{{- range $k, $v := .Values.m }}[{{ include "l" (dict "k" $k "v" $v) }}]{{ end }}'
               '{{- range .Values.empty }}x{{ else }}none{{ end }}'
               '{{- with .Values.m.b }} with={{ . }}{{ end }}'
               '{{ .Values.y | toYaml | nindent 2 }}'
               '|{{ default "d" .Values.s }}|{{ "abc-" | trunc 4 | trimSuffix "-" }}|{{ printf "%s:%v" "p" 8443 }}')
        out = self.render(src, {"m": {"b": "2", "a": "1"}, "empty": [], "y": {"z": [1, "x"]}, "s": ""})
        self.assertEqual(out, '[a="1"][b="2"]none with=2\n  z:\n  - 1\n  - x|d|abc|p:8443')

    def test_numbers_are_helm_floats(self):
        self.assertEqual(self.render("{{ .Values.a }} {{ .Values.b }} {{ .Values.c }}",
                                     {"a": 2, "b": 1000000, "c": 0.5}), "2 1e+06 0.5")
        with self.assertRaises(TemplateError):
            self.render("{{ if eq .Values.a 2 }}x{{ end }}", {"a": 2})  # float64 vs int: Go refuses
        self.assertEqual(self.render("{{ gt (int .Values.a) 1 }}", {"a": 2}), "true")

    def test_and_or_short_circuit_and_return_operands(self):
        self.assertEqual(self.render('{{ or .Values.a "b" }} {{ and .Values.a .Values.missing }}', {"a": ""}),
                         "b ")  # and stops at "" before reading the missing key

    def test_refuses_what_it_does_not_know(self):
        for src in ["{{ .Values.nope }}", "{{ tpl .Values.a . }}", '{{ template "x" . }}',
                    "{{ .Values.m }}", "{{ lookup \"v1\" \"Secret\" \"a\" \"b\" }}", "{{ if .Values.a }}",
                    "{{ .Capabilities.KubeVersion }}", "{{ printf \"%x\" 1 }}", "{{ trunc .Values.n \"abc\" }}"]:
            with self.subTest(src=src):
                with self.assertRaises(TemplateError):
                    self.render(src, {"a": "x", "m": {"k": 1}, "n": 2})

    def test_has_key(self):
        self.assertEqual(self.render('{{ hasKey .Values.m "a" }} {{ hasKey .Values.m "b" }}', {"m": {"a": False}}),
                         "true false")  # a key whose value is false is still there
        for src in ['{{ hasKey .Values.s "a" }}', '{{ hasKey .Values.m 1 }}']:
            with self.subTest(src=src):
                with self.assertRaises(TemplateError):
                    self.render(src, {"s": "x", "m": {"a": 1}})

    def test_fail_and_required(self):
        with self.assertRaises(TemplateFail):
            self.render('{{ fail "no" }}')
        with self.assertRaises(TemplateFail):
            self.render('{{ required "need a" .Values.a }}', {"a": ""})


class ChartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.default = Rendered()  # tls.mode self
        cls.cert_manager = Rendered({"tls": {"mode": "certManager"}})
        cls.existing_secret = Rendered({"tls": {"mode": "secret", "existingSecret": "my-tls",
                                                "caBundle": "TUlJQ0FCQ0Q="}})
        cls.self_custom = Rendered({"tls": {"mode": "self", "self": {
            "secretName": "guard-serving", "caValidity": "17520h", "validity": "720h", "overlap": "2m",
            "syncPeriod": "30s"}}, "fullnameOverride": "guard"}, release="edge", namespace="guard-ns")
        cls.cluster = Rendered({"webhook": {"inventory": "cluster", "mutating": {"enabled": False}}},
                               release="prod", namespace="guard-system")
        cls.no_reconciler = Rendered({"reconciler": {"enabled": False}})
        cls.policy_text = ("rules:\n  analysis/sample-plan: deny\n  \"pod-security/*\": warn\n"
                           "namespaces:\n  sandbox: warn\n")
        cls.custom_policy = Rendered({"policy": cls.policy_text,
                                      "metrics": {"serviceMonitor": {"enabled": True}},
                                      "reconciler": {"leaderElection": {"enabled": False}, "replicas": 1,
                                                     "namespace": "shop", "events": False},
                                      "networkPolicy": {"webhookFrom": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]},
                                      "webhook": {"preStopSleepSeconds": 5, "replicas": 3,
                                                  "clientCASecret": "apiserver-client-ca",
                                                  "extraArgs": ["--max-connections=512"],
                                                  "priorityClassName": "system-cluster-critical",
                                                  "tolerations": [{"key": "dedicated", "operator": "Exists"}]}})
        cls.variants = {"default": cls.default, "cert-manager": cls.cert_manager,
                        "existing-secret": cls.existing_secret, "self-custom": cls.self_custom,
                        "cluster": cls.cluster, "no-reconciler": cls.no_reconciler,
                        "custom-policy": cls.custom_policy}
        # Which variants run in which tls.mode (the default is self).
        cls.modes = {"default": "self", "cert-manager": "certManager", "existing-secret": "secret",
                     "self-custom": "self", "cluster": "self", "no-reconciler": "self", "custom-policy": "self"}

    # --- structure -----------------------------------------------------------------------------

    def test_chart_metadata(self):
        with open(os.path.join(CHART, "Chart.yaml")) as f:
            chart = yaml.safe_load(f)
        self.assertEqual(chart["apiVersion"], "v2")
        self.assertEqual(chart["type"], "application")
        self.assertEqual(str(chart["version"]), "0.1.0")
        self.assertEqual(str(chart["appVersion"]), "0.1.0")

    def test_every_document_is_a_named_object(self):
        for vname, r in self.variants.items():
            for d in r.docs:
                with self.subTest(variant=vname, file=d["__file"]):
                    self.assertTrue(d.get("apiVersion"))
                    self.assertTrue(d.get("kind"))
                    self.assertRegex(d["metadata"]["name"], r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
                    self.assertLessEqual(len(d["metadata"]["name"]), 63)
            names = r.kinds()
            self.assertEqual(len(names), len(set(names)), "duplicate objects in %s: %r" % (vname, names))

    def test_every_template_file_renders_something_in_some_variant(self):
        files = [f for f in os.listdir(os.path.join(CHART, "templates"))
                 if not f.startswith("_") and f != "NOTES.txt"]
        for f in files:
            with self.subTest(file=f):
                self.assertTrue(any(r.by_file.get(f) for r in self.variants.values()), f)

    def test_kinds_per_variant(self):
        base = {("Deployment", "rollout-guard"), ("Deployment", "rollout-guard-reconciler"),
                ("Service", "rollout-guard"), ("Service", "rollout-guard-metrics"),
                ("Service", "rollout-guard-reconciler-metrics"),
                ("ValidatingWebhookConfiguration", "rollout-guard"), ("MutatingWebhookConfiguration", "rollout-guard"),
                ("ServiceAccount", "rollout-guard-webhook"), ("ServiceAccount", "rollout-guard-reconciler"),
                ("ClusterRole", "rollout-guard-reconciler"), ("ClusterRoleBinding", "rollout-guard-reconciler"),
                ("Role", "rollout-guard-reconciler"), ("RoleBinding", "rollout-guard-reconciler"),
                ("PodDisruptionBudget", "rollout-guard"), ("PodDisruptionBudget", "rollout-guard-reconciler"),
                ("NetworkPolicy", "rollout-guard"), ("NetworkPolicy", "rollout-guard-reconciler")}
        certs = {("Issuer", "rollout-guard-selfsigned"), ("Certificate", "rollout-guard-ca"),
                 ("Issuer", "rollout-guard-ca"), ("Certificate", "rollout-guard")}
        # tls.mode self: the webhook's Role (Secret, Lease) and ClusterRole (the webhook configurations);
        # the Secret and the Lease themselves are the webhook's, not the chart's.
        self_rbac = {("ClusterRole", "rollout-guard-webhook"), ("ClusterRoleBinding", "rollout-guard-webhook"),
                     ("Role", "rollout-guard-webhook"), ("RoleBinding", "rollout-guard-webhook")}
        self.assertEqual(set(self.default.kinds()), base | self_rbac)
        self.assertEqual(set(self.cert_manager.kinds()), base | certs)
        self.assertEqual(set(self.existing_secret.kinds()), base)
        self.assertEqual(set(self.self_custom.kinds()),
                         {(k, n.replace("rollout-guard", "guard")) for k, n in base | self_rbac})
        reconciler_only = {k for k in base if "reconciler" in k[1]}
        self.assertEqual(set(self.no_reconciler.kinds()), (base - reconciler_only) | self_rbac)
        # inventory cluster and tls.mode self share the webhook's ClusterRole.
        cluster = {(k, n.replace("rollout-guard", "prod-rollout-guard")) for k, n in base | self_rbac
                   if k != "MutatingWebhookConfiguration"}
        self.assertEqual(set(self.cluster.kinds()), cluster)
        custom = (base | self_rbac | {("ConfigMap", "rollout-guard-policy"), ("ServiceMonitor", "rollout-guard"),
                                      ("ServiceMonitor", "rollout-guard-reconciler")})
        custom -= {("Role", "rollout-guard-reconciler"), ("RoleBinding", "rollout-guard-reconciler")}
        self.assertEqual(set(self.custom_policy.kinds()), custom)

    def test_namespaced_objects_are_in_the_release_namespace(self):
        cluster_scoped = {"ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration",
                          "MutatingWebhookConfiguration"}
        for vname, r in self.variants.items():
            for d in r.docs:
                with self.subTest(variant=vname, kind=d["kind"], name=d["metadata"]["name"]):
                    if d["kind"] in cluster_scoped:
                        self.assertNotIn("namespace", d["metadata"])
                    else:
                        self.assertEqual(d["metadata"].get("namespace"), r.namespace)

    def test_bad_values_fail_loudly(self):
        cases = [
            ({"tls": {"mode": "secret"}}, "tls.mode=secret needs tls.existingSecret and tls.caBundle"),
            ({"tls": {"mode": "secret", "existingSecret": "s"}}, "tls.caBundle (base64 PEM CA of"),
            ({"tls": {"mode": "secret", "caBundle": "TUlJQ0FCQ0Q="}}, "tls.existingSecret"),
            ({"tls": {"mode": "cert-manager"}}, "tls.mode must be self, certManager or secret"),
            ({"tls": {"mode": ""}}, "tls.mode must be self, certManager or secret"),
            # The value tls.mode replaced: refused rather than silently switching an upgrade to mode self.
            ({"tls": {"certManager": {"enabled": True}}}, "tls.certManager.enabled is replaced by tls.mode"),
            ({"tls": {"certManager": {"enabled": False}, "existingSecret": "s", "caBundle": "TUlJQ0FCQ0Q="}},
             "tls.certManager.enabled is replaced by tls.mode"),
            ({"webhook": {"inventory": "all"}}, "webhook.inventory"),
            ({"reconciler": {"leaderElection": {"enabled": False}}}, "replicas=1"),
            ({"webhook": {"failurePolicy": "fail"}}, "webhook.failurePolicy must be Fail or Ignore"),
            ({"webhook": {"mutating": {"failurePolicy": "Deny"}}}, "webhook.mutating.failurePolicy must be Fail or"),
            ({"webhook": {"timeoutSeconds": 0}}, "webhook.timeoutSeconds must be 1 to 30"),
            ({"webhook": {"timeoutSeconds": 31}}, "webhook.timeoutSeconds must be 1 to 30"),
            ({"webhook": {"timeoutSeconds": 2.5}}, "webhook.timeoutSeconds must be 1 to 30"),
        ]
        for values, msg in cases:
            with self.subTest(values=values):
                with self.assertRaisesRegex(TemplateFail, re.escape(msg)):
                    render_chart(CHART, "rollout-guard", "rollout-guard", values)

    def test_notes(self):
        for vname, r in self.variants.items():
            with self.subTest(variant=vname):
                self.assertIn("installed in namespace %s" % r.namespace, r.notes)
        self.assertIn("get lease rollout-guard-reconciler", self.default.notes)
        self.assertNotIn("Reconciler:", self.no_reconciler.notes)
        self.assertIn("TLS (tls.mode self)", self.default.notes)
        self.assertIn("Secret\n  guard-serving and", self.self_custom.notes)
        self.assertIn("Lease guard-certs-leader", self.self_custom.notes)
        self.assertIn("TLS (tls.mode certManager): cert-manager Certificate rollout-guard", self.cert_manager.notes)
        self.assertIn("TLS (tls.mode secret): Secret my-tls", self.existing_secret.notes)

    # --- webhook configurations ------------------------------------------------------------------

    def load_sample(self, name):
        with open(os.path.join(ROOT, "samples", "webhook", name)) as f:
            return yaml.safe_load(f)

    def test_webhook_configurations_match_the_samples(self):
        for kind, sample_file in [("ValidatingWebhookConfiguration", "validating-webhook.yaml"),
                                  ("MutatingWebhookConfiguration", "mutating-webhook.yaml")]:
            sample = self.load_sample(sample_file)["webhooks"]
            for vname in ("default", "cert-manager", "existing-secret"):
                with self.subTest(kind=kind, variant=vname):
                    got = self.variants[vname].one(kind)["webhooks"]
                    self.assertEqual(len(got), len(sample))
                    g, s = dict(got[0]), dict(sample[0])
                    g_cc, s_cc = g.pop("clientConfig"), s.pop("clientConfig")
                    self.assertEqual(g, s)  # name, rules, operations, policies, timeout, namespaceSelector
                    self.assertEqual(g_cc["service"], s_cc["service"])
                    resources = {res for rule in g["rules"] for res in rule["resources"]}
                    self.assertEqual(resources, FIVE_RESOURCES)
                    for rule in g["rules"]:
                        self.assertEqual(rule["operations"], ["CREATE", "UPDATE"])

    def test_webhook_tls_wiring(self):
        # cert-manager: no caBundle, the annotation names the serving Certificate, whose Secret the pods mount.
        for r in (self.cert_manager,):
            cert_name = [c for c in r.all("Certificate") if not c["spec"].get("isCA")]
            self.assertEqual(len(cert_name), 1)
            cert = cert_name[0]
            svc = r.one("Service", [s["metadata"]["name"] for s in r.all("Service")
                                    if any(p["port"] == 443 for p in s["spec"]["ports"])][0])
            self.assertIn("%s.%s.svc" % (svc["metadata"]["name"], r.namespace), cert["spec"]["dnsNames"])
            issuer = r.one("Issuer", cert["spec"]["issuerRef"]["name"])
            ca_cert = r.one("Certificate", issuer["spec"]["ca"]["secretName"])
            self.assertTrue(ca_cert["spec"]["isCA"])
            self.assertIn("selfSigned", r.one("Issuer", ca_cert["spec"]["issuerRef"]["name"])["spec"])
            for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
                for wc in r.all(kind):
                    self.assertEqual(wc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
                                     "%s/%s" % (r.namespace, cert["metadata"]["name"]))
                    cc = wc["webhooks"][0]["clientConfig"]
                    self.assertNotIn("caBundle", cc)
                    self.assertEqual(cc["service"]["name"], svc["metadata"]["name"])
                    self.assertEqual(cc["service"]["namespace"], r.namespace)
            self.assertEqual(self.tls_secret_of(r), cert["spec"]["secretName"])
        # existing Secret: caBundle from values, no annotation.
        r = self.existing_secret
        for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            wc = r.one(kind)
            self.assertNotIn("annotations", wc["metadata"])
            self.assertEqual(wc["webhooks"][0]["clientConfig"]["caBundle"], "TUlJQ0FCQ0Q=")
        self.assertEqual(self.tls_secret_of(r), "my-tls")
        # self: neither cert-manager objects nor a caBundle nor an annotation; the webhook's leader writes
        # caBundle (test_self_managed_certificates).
        for vname, r in self.variants.items():
            if self.modes[vname] != "self":
                continue
            with self.subTest(variant=vname):
                self.assertEqual([d for d in r.docs if d["apiVersion"].startswith("cert-manager.io/")], [])
                for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
                    for wc in r.all(kind):
                        self.assertNotIn("annotations", wc["metadata"])
                        for wh in wc["webhooks"]:
                            self.assertNotIn("caBundle", wh["clientConfig"])

    def tls_secret_of(self, r):
        dep = r.deployment("webhook")
        pod = dep["spec"]["template"]["spec"]
        args = container_args(dep)
        cert_dir = os.path.dirname(arg_value(args, "--tls-cert-file"))
        self.assertEqual(os.path.dirname(arg_value(args, "--tls-private-key-file")), cert_dir)
        self.assertEqual(os.path.basename(arg_value(args, "--tls-cert-file")), "tls.crt")
        self.assertEqual(os.path.basename(arg_value(args, "--tls-private-key-file")), "tls.key")
        mount = [m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == cert_dir]
        self.assertEqual(len(mount), 1)
        self.assertNotIn("subPath", mount[0])  # subPath mounts never see a rotated Secret
        vol = [v for v in pod["volumes"] if v["name"] == mount[0]["name"]][0]
        return vol["secret"]["secretName"]

    def test_namespace_selector_excludes_kube_system_and_the_release_namespace(self):
        for vname, r in self.variants.items():
            for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
                for wc in r.all(kind):
                    with self.subTest(variant=vname, kind=kind):
                        exprs = wc["webhooks"][0]["namespaceSelector"]["matchExpressions"]
                        self.assertEqual(exprs, [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                  "values": ["kube-system", r.namespace]}])
        self.assertEqual(self.cluster.all("MutatingWebhookConfiguration"), [])

    # --- Deployments ------------------------------------------------------------------------------

    def test_args_are_flags_the_binary_accepts(self):
        for vname, r in self.variants.items():
            for comp, sub in (("webhook", "serve"), ("reconciler", "reconcile")):
                deps = [d for d in r.all("Deployment")
                        if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == comp]
                for dep in deps:
                    with self.subTest(variant=vname, component=comp):
                        args = container_args(dep)
                        self.assertEqual(args[0], sub)
                        names = []
                        for a in args[1:]:
                            self.assertTrue(a.startswith("--"), "not a flag: %r" % a)
                            names.append(a.split("=", 1)[0])
                        unknown = set(names) - help_flags(sub)
                        self.assertFalse(unknown, "%s does not accept %s" % (sub, sorted(unknown)))
                        self.assertEqual(len(names), len(set(names)), "repeated flags: %r" % args)

    def test_serve_args_follow_values(self):
        a = container_args(self.default.deployment("webhook"))
        self.assertEqual(arg_value(a, "--listen"), "0.0.0.0:8443")
        self.assertEqual(arg_value(a, "--inventory"), "none")
        self.assertIsNone(arg_value(a, "--policy"))
        self.assertIsNone(arg_value(a, "--inventory-stale-after"))
        a = container_args(self.cluster.deployment("webhook"))
        self.assertEqual(arg_value(a, "--inventory"), "cluster")
        self.assertEqual(arg_value(a, "--inventory-stale-after"), "6m")
        a = container_args(self.custom_policy.deployment("webhook"))
        self.assertIn("--max-connections=512", a)
        self.assertEqual(self.custom_policy.deployment("webhook")["spec"]["replicas"], 3)

    def test_reconcile_args_follow_values(self):
        a = container_args(self.default.deployment("reconciler"))
        self.assertEqual(arg_value(a, "--lease-namespace"), "rollout-guard")
        self.assertEqual(arg_value(a, "--lease-name"), "rollout-guard-reconciler")
        self.assertNotIn("--no-leader-elect", a)
        self.assertNotIn("--no-events", a)
        self.assertIsNone(arg_value(a, "--namespace"))
        self.assertEqual(arg_value(self.cluster.deployment("reconciler")["spec"]["template"]["spec"]
                                   ["containers"][0]["args"], "--lease-namespace"), "guard-system")
        r = self.custom_policy
        a = container_args(r.deployment("reconciler"))
        self.assertIn("--no-leader-elect", a)
        self.assertIn("--no-events", a)
        self.assertEqual(arg_value(a, "--namespace"), "shop")
        self.assertIsNone(arg_value(a, "--lease-name"))
        self.assertEqual(r.deployment("reconciler")["spec"]["replicas"], 1)

    def test_probes_use_the_listeners(self):
        for vname, r in self.variants.items():
            with self.subTest(variant=vname, component="webhook"):
                dep = r.deployment("webhook")
                c = dep["spec"]["template"]["spec"]["containers"][0]
                port = int(arg_value(c["args"], "--listen").rsplit(":", 1)[1])
                health = int(arg_value(c["args"], "--health-listen").rsplit(":", 1)[1])
                ports = {p["name"]: p["containerPort"] for p in c["ports"]}
                self.assertEqual(ports, {"https": port, "health": health})
                # Probes on the plain health listener: they never wait behind admission traffic and need
                # no client certificate.
                for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                    get = c[probe]["httpGet"]
                    self.assertEqual((get["path"], get["scheme"], ports[get["port"]]), (path, "HTTP", health))
            deps = [d for d in r.all("Deployment") if d["metadata"]["name"].endswith("-reconciler")]
            for dep in deps:
                with self.subTest(variant=vname, component="reconciler"):
                    c = dep["spec"]["template"]["spec"]["containers"][0]
                    port = int(arg_value(c["args"], "--metrics-listen").rsplit(":", 1)[1])
                    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
                    self.assertEqual(ports, {"metrics": port})
                    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                        get = c[probe]["httpGet"]
                        self.assertEqual((get["path"], get.get("scheme", "HTTP"), ports[get["port"]]),
                                         (path, "HTTP", port))
                    env = {e["name"]: e for e in c["env"]}
                    self.assertEqual(env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name")

    def test_webhook_sets_the_allocator_tunables(self):
        # glibc reads GLIBC_TUNABLES only at program start: the container's environment sets it.
        for vname, r in self.variants.items():
            with self.subTest(variant=vname):
                c = r.deployment("webhook")["spec"]["template"]["spec"]["containers"][0]
                env = [e for e in c["env"] if e["name"] != "POD_NAME"]  # tls.mode self's (test_self_managed_...)
                self.assertEqual(env, [{"name": "GLIBC_TUNABLES", "value": "glibc.malloc.tcache_count=256"}])
        for value in ("glibc.malloc.tcache_count=64", ""):  # "": glibc's defaults, also over the image's
            with self.subTest(glibcTunables=value):
                dep = Rendered({"webhook": {"glibcTunables": value}}).deployment("webhook")
                self.assertEqual(dep["spec"]["template"]["spec"]["containers"][0]["env"][0],
                                 {"name": "GLIBC_TUNABLES", "value": value})

    def test_shutdown_fits_the_grace_period(self):
        for vname, r in self.variants.items():
            with self.subTest(variant=vname):
                spec = r.deployment("webhook")["spec"]["template"]["spec"]
                c = spec["containers"][0]
                grace = parse_duration(arg_value(c["args"], "--shutdown-grace"))
                drain = parse_duration(arg_value(c["args"], "--drain-delay"))
                pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
                self.assertLess(drain, grace)
                # The kubelet's clock runs from the start of preStop; SIGTERM comes after it.
                self.assertGreater(spec["terminationGracePeriodSeconds"], pre_stop + grace)
                # The endpoint is dropped before the listener closes: readiness turns within drain-delay.
                rp = c["readinessProbe"]
                self.assertLessEqual(rp["periodSeconds"] * rp["failureThreshold"], drain + rp["periodSeconds"])
        c = self.custom_policy.deployment("webhook")["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(c["lifecycle"]["preStop"]["sleep"]["seconds"], 5)
        self.assertNotIn("lifecycle", self.default.deployment("webhook")["spec"]["template"]["spec"]["containers"][0])

    def test_pod_security_restricted(self):
        for vname, r in self.variants.items():
            for dep in r.all("Deployment"):
                with self.subTest(variant=vname, deployment=dep["metadata"]["name"]):
                    pod = dep["spec"]["template"]["spec"]
                    psc = pod["securityContext"]
                    self.assertIs(psc["runAsNonRoot"], True)
                    self.assertEqual(psc["seccompProfile"], {"type": "RuntimeDefault"})
                    self.assertNotEqual(psc.get("runAsUser"), 0)
                    for key in ("hostNetwork", "hostPID", "hostIPC"):
                        self.assertFalse(pod.get(key, False))
                    for c in pod.get("initContainers", []) + pod["containers"]:
                        sc = c["securityContext"]
                        self.assertIs(sc["allowPrivilegeEscalation"], False)
                        self.assertIn("ALL", sc["capabilities"]["drop"])
                        self.assertFalse(sc["capabilities"].get("add"))
                        self.assertIs(sc["readOnlyRootFilesystem"], True)
                        self.assertFalse(sc.get("privileged", False))
                        self.assertNotEqual(sc.get("runAsUser"), 0)
                    for v in pod.get("volumes", []):
                        self.assertTrue(set(v) & {"secret", "configMap", "emptyDir", "projected"}, v)

    def test_scheduling(self):
        for vname, r in self.variants.items():
            for dep in r.all("Deployment"):
                with self.subTest(variant=vname, deployment=dep["metadata"]["name"]):
                    pod = dep["spec"]["template"]["spec"]
                    labels = dep["spec"]["template"]["metadata"]["labels"]
                    self.assertTrue(matches(dep["spec"]["selector"]["matchLabels"], labels))
                    term = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
                    self.assertEqual(term["podAffinityTerm"]["labelSelector"]["matchLabels"],
                                     dep["spec"]["selector"]["matchLabels"])
                    for tsc in pod["topologySpreadConstraints"]:
                        self.assertEqual(tsc["labelSelector"]["matchLabels"], dep["spec"]["selector"]["matchLabels"])
        pod = self.custom_policy.deployment("webhook")["spec"]["template"]["spec"]
        self.assertEqual(pod["priorityClassName"], "system-cluster-critical")
        self.assertEqual(pod["tolerations"], [{"key": "dedicated", "operator": "Exists"}])
        self.assertNotIn("priorityClassName", self.default.deployment("webhook")["spec"]["template"]["spec"])

    def test_services_pdbs_and_monitors_select_pods(self):
        for vname, r in self.variants.items():
            pods = [d["spec"]["template"] for d in r.all("Deployment")]
            for svc in r.all("Service"):
                with self.subTest(variant=vname, service=svc["metadata"]["name"]):
                    sel = [p for p in pods if matches(svc["spec"]["selector"], p["metadata"]["labels"])]
                    self.assertEqual(len(sel), 1)
                    names = {p["name"] for c in sel[0]["spec"]["containers"] for p in c["ports"]}
                    for p in svc["spec"]["ports"]:
                        self.assertIn(p["targetPort"], names)
            for pdb in r.all("PodDisruptionBudget"):
                with self.subTest(variant=vname, pdb=pdb["metadata"]["name"]):
                    sel = [p for p in pods if matches(pdb["spec"]["selector"]["matchLabels"], p["metadata"]["labels"])]
                    self.assertEqual(len(sel), 1)
                    self.assertEqual(pdb["spec"]["maxUnavailable"], 1)
            for sm in r.all("ServiceMonitor"):
                with self.subTest(variant=vname, servicemonitor=sm["metadata"]["name"]):
                    svcs = [s for s in r.all("Service") if matches(sm["spec"]["selector"]["matchLabels"],
                                                                   s["metadata"]["labels"])]
                    self.assertEqual(len(svcs), 1)
                    ports = {p["name"] for p in svcs[0]["spec"]["ports"]}
                    for ep in sm["spec"]["endpoints"]:
                        self.assertIn(ep["port"], ports)
                        self.assertEqual(ep["path"], "/metrics")
        wsm = self.custom_policy.one("ServiceMonitor", "rollout-guard")
        self.assertEqual(wsm["spec"]["endpoints"][0]["scheme"], "http")
        msvc = self.custom_policy.one("Service", "rollout-guard-metrics")
        self.assertEqual(msvc["spec"]["ports"][0]["targetPort"], "health")

    def test_network_policies_admit_the_listening_ports_only(self):
        for vname, r in self.variants.items():
            pods = [d["spec"]["template"] for d in r.all("Deployment")]
            for np in r.all("NetworkPolicy"):
                with self.subTest(variant=vname, networkpolicy=np["metadata"]["name"]):
                    spec = np["spec"]
                    self.assertEqual(spec["policyTypes"], ["Ingress"])
                    sel = [p for p in pods if matches(spec["podSelector"]["matchLabels"], p["metadata"]["labels"])]
                    self.assertEqual(len(sel), 1)
                    names = {p["name"] for c in sel[0]["spec"]["containers"] for p in c["ports"]}
                    admitted = {p["port"] for rule in spec["ingress"] for p in rule["ports"]}
                    self.assertEqual(admitted, names)
        web = self.custom_policy.one("NetworkPolicy", "rollout-guard")["spec"]["ingress"]
        https = [rule for rule in web if rule["ports"][0]["port"] == "https"][0]
        self.assertEqual(https["from"], [{"ipBlock": {"cidr": "10.0.0.0/24"}}])
        self.assertNotIn("from", [rule for rule in web if rule["ports"][0]["port"] == "health"][0])
        self.assertNotIn("from", self.default.one("NetworkPolicy", "rollout-guard")["spec"]["ingress"][0])
        off = Rendered({"networkPolicy": {"enabled": False}})
        self.assertEqual(off.all("NetworkPolicy"), [])

    def test_client_certificates_when_a_ca_secret_is_given(self):
        pod = self.custom_policy.deployment("webhook")["spec"]["template"]["spec"]
        c = pod["containers"][0]
        ca = arg_value(c["args"], "--client-ca-file")
        self.assertEqual(ca, "/etc/rollout-guard/client-ca/ca.crt")
        mount = [m for m in c["volumeMounts"] if ca.startswith(m["mountPath"] + "/")]
        self.assertEqual(len(mount), 1)
        vol = [v for v in pod["volumes"] if v["name"] == mount[0]["name"]]
        self.assertEqual(vol[0]["secret"]["secretName"], "apiserver-client-ca")
        self.assertIsNone(arg_value(container_args(self.default.deployment("webhook")), "--client-ca-file"))

    # --- policy -------------------------------------------------------------------------------------

    def test_custom_policy_is_mounted_and_valid(self):
        r = self.custom_policy
        cm = r.one("ConfigMap")
        self.assertEqual(yaml.safe_load(cm["data"]["policy.yaml"]), yaml.safe_load(self.policy_text))
        for comp in ("webhook", "reconciler"):
            with self.subTest(component=comp):
                pod = r.deployment(comp)["spec"]["template"]["spec"]
                path = arg_value(pod["containers"][0]["args"], "--policy")
                mount = [m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == os.path.dirname(path)]
                self.assertEqual(len(mount), 1)
                self.assertNotIn("subPath", mount[0])  # a subPath mount would never see ConfigMap updates
                vol = [v for v in pod["volumes"] if v["name"] == mount[0]["name"]][0]
                self.assertEqual(vol["configMap"]["name"], cm["metadata"]["name"])
                self.assertIn(os.path.basename(path), cm["data"])
        for vname in ("default", "existing-secret", "cluster", "no-reconciler"):
            for dep in self.variants[vname].all("Deployment"):
                self.assertIsNone(arg_value(container_args(dep), "--policy"))
        self.assertEqual(self.default.all("ConfigMap"), [])
        # The binary accepts the rendered policy file, and rejects a broken one (so the check means something).
        with tempfile.TemporaryDirectory() as tmp:
            good = os.path.join(tmp, "policy.yaml")
            with open(good, "w") as f:
                f.write(cm["data"]["policy.yaml"])
            res = subprocess.run([BINARY, "check", "--policy", good, "-"], input="", capture_output=True,
                                 text=True, timeout=30)
            self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
            bad = Rendered({"policy": "rules:\n  rollout/no-such-rule: deny\n"}).one("ConfigMap")
            with open(good, "w") as f:
                f.write(bad["data"]["policy.yaml"])
            res = subprocess.run([BINARY, "check", "--policy", good, "-"], input="", capture_output=True,
                                 text=True, timeout=30)
            self.assertEqual(res.returncode, 2, res.stdout + res.stderr)

    # --- RBAC ---------------------------------------------------------------------------------------

    def test_rbac_has_no_wildcards(self):
        for vname, r in self.variants.items():
            for role in r.all("ClusterRole") + r.all("Role"):
                for rule in role["rules"]:
                    with self.subTest(variant=vname, role=role["metadata"]["name"], rule=rule):
                        for key in ("verbs", "resources", "apiGroups"):
                            self.assertNotIn("*", rule[key])
                            self.assertTrue(all("*" not in x for x in rule[key]))
                        self.assertNotIn("nonResourceURLs", rule)
                        self.assertFalse({"escalate", "bind", "impersonate"} & set(rule["verbs"]))

    def grants(self, role):
        out = set()
        for rule in role["rules"]:
            for g in rule["apiGroups"]:
                for res in rule["resources"]:
                    for v in rule["verbs"]:
                        out.add((g, res, v, tuple(rule.get("resourceNames", []))))
        return out

    def test_reconciler_rbac_is_least_privilege(self):
        want = {(g, res, v, ()) for g, res in WATCHED for v in ("get", "list", "watch")}
        want |= {("wgpolicyk8s.io", res, v, ()) for res in ("policyreports", "clusterpolicyreports")
                 for v in ("get", "list", "create", "patch", "delete")}
        want |= {("events.k8s.io", "events", "create", ())}
        self.assertEqual(self.grants(self.default.one("ClusterRole", "rollout-guard-reconciler")), want)
        role = self.default.one("Role", "rollout-guard-reconciler")
        self.assertEqual(self.grants(role), {("coordination.k8s.io", "leases", "create", ()),
                                             ("coordination.k8s.io", "leases", "get", ("rollout-guard-reconciler",)),
                                             ("coordination.k8s.io", "leases", "update", ("rollout-guard-reconciler",))})
        self.assertEqual(role["metadata"]["namespace"], "rollout-guard")

    def test_webhook_rbac_follows_the_inventory_and_the_tls_mode(self):
        watch = {(g, res, v, ()) for g, res in WATCHED for v in ("list", "watch")}
        configs = {("admissionregistration.k8s.io", res, v, ("rollout-guard",))
                   for res in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations")
                   for v in ("get", "update")}
        # inventory cluster alone (tls.mode secret): list/watch, no Role, the token mounted.
        only_inventory = Rendered({"tls": {"mode": "secret", "existingSecret": "my-tls", "caBundle": "TUlJQ0FCQ0Q="},
                                   "webhook": {"inventory": "cluster"}})
        self.assertEqual(self.grants(only_inventory.one("ClusterRole", "rollout-guard-webhook")), watch)
        self.assertFalse([x for x in only_inventory.all("Role") if x["metadata"]["name"].endswith("-webhook")])
        self.assertIs(only_inventory.deployment("webhook")["spec"]["template"]["spec"]["automountServiceAccountToken"],
                      True)
        # tls.mode self alone: its configurations by name; inventory cluster and self: one ClusterRole with both
        # (the cluster variant has no mutating webhook, so no grant on mutatingwebhookconfigurations).
        self.assertEqual(self.grants(self.default.one("ClusterRole", "rollout-guard-webhook")), configs)
        self.assertEqual(self.grants(self.cluster.one("ClusterRole", "prod-rollout-guard-webhook")),
                         watch | {("admissionregistration.k8s.io", "validatingwebhookconfigurations", v,
                                   ("prod-rollout-guard",)) for v in ("get", "update")})
        # Neither: no role, no token.
        for vname in ("cert-manager", "existing-secret"):
            r = self.variants[vname]
            with self.subTest(variant=vname):
                self.assertFalse([c for c in r.all("ClusterRole") + r.all("Role")
                                  if c["metadata"]["name"].endswith("-webhook")])
                self.assertIs(r.deployment("webhook")["spec"]["template"]["spec"]["automountServiceAccountToken"],
                              False)
        for vname, r in self.variants.items():
            if self.modes[vname] == "self":
                with self.subTest(variant=vname):
                    self.assertIs(r.deployment("webhook")["spec"]["template"]["spec"]
                                  ["automountServiceAccountToken"], True)

    # --- tls.mode self --------------------------------------------------------------------------------

    def test_self_managed_certificates(self):
        """The --certs-* flags name the Service the API server calls, the webhook configurations, the
        Secret and the Lease, and RBAC grants exactly those names."""
        expect = {  # variant: (fullname, secret, ca validity, validity, overlap, sync period, mutating)
            "default": ("rollout-guard", "rollout-guard-certs", "8760h", "2160h", "1m", "10s", True),
            "self-custom": ("guard", "guard-serving", "17520h", "720h", "2m", "30s", True),
            "cluster": ("prod-rollout-guard", "prod-rollout-guard-certs", "8760h", "2160h", "1m", "10s", False),
            "no-reconciler": ("rollout-guard", "rollout-guard-certs", "8760h", "2160h", "1m", "10s", True),
            "custom-policy": ("rollout-guard", "rollout-guard-certs", "8760h", "2160h", "1m", "10s", True),
        }
        self.assertEqual({v for v, m in self.modes.items() if m == "self"}, set(expect))
        for vname, (fullname, secret, ca_validity, validity, overlap, sync, mutating) in expect.items():
            r = self.variants[vname]
            with self.subTest(variant=vname):
                dep = r.deployment("webhook")
                pod = dep["spec"]["template"]["spec"]
                c = pod["containers"][0]
                args = c["args"]
                flags = {a.split("=", 1)[0] for a in args}
                # The flags that exclude --certs-*.
                self.assertFalse(flags & {"--tls-cert-file", "--tls-private-key-file", "--dev-self-signed"})
                svc = [x for x in r.all("Service") if any(p["port"] == 443 for p in x["spec"]["ports"])]
                self.assertEqual(len(svc), 1)
                self.assertEqual(arg_value(args, "--certs-service"), svc[0]["metadata"]["name"])
                self.assertEqual(arg_value(args, "--certs-namespace"), r.namespace)
                vwc = r.one("ValidatingWebhookConfiguration")
                self.assertEqual(arg_value(args, "--certs-validating-webhook"), vwc["metadata"]["name"])
                wcs = [vwc]
                if mutating:
                    mwc = r.one("MutatingWebhookConfiguration")
                    self.assertEqual(arg_value(args, "--certs-mutating-webhook"), mwc["metadata"]["name"])
                    wcs.append(mwc)
                else:
                    self.assertEqual(r.all("MutatingWebhookConfiguration"), [])
                    self.assertNotIn("--certs-mutating-webhook", flags)
                # The certificate is for <--certs-service>.<--certs-namespace>.svc: what the API server calls.
                for wc in wcs:
                    for wh in wc["webhooks"]:
                        ref = wh["clientConfig"]["service"]
                        self.assertEqual((ref["name"], ref["namespace"]), (svc[0]["metadata"]["name"], r.namespace))
                self.assertEqual(fullname, vwc["metadata"]["name"])
                self.assertEqual(arg_value(args, "--certs-secret"), secret)
                lease = arg_value(args, "--certs-lease")
                self.assertEqual(lease, fullname + "-certs-leader")
                for other in [d for d in r.all("Deployment") if d is not dep]:  # the reconciler's Lease
                    self.assertNotEqual(lease, arg_value(container_args(other), "--lease-name"))
                self.assertEqual(arg_value(args, "--certs-ca-validity"), ca_validity)
                self.assertEqual(arg_value(args, "--certs-validity"), validity)
                self.assertEqual(arg_value(args, "--certs-overlap"), overlap)
                self.assertEqual(arg_value(args, "--certs-sync-period"), sync)
                for flag in ("--certs-ca-validity", "--certs-validity", "--certs-overlap", "--certs-sync-period"):
                    parse_duration(arg_value(args, flag))
                # serve refuses a serving certificate that would outlive its CA.
                self.assertLessEqual(parse_duration(validity), parse_duration(ca_validity))
                # The API token (in-cluster config) and the leader identity.
                self.assertIs(pod["automountServiceAccountToken"], True)
                env = {e["name"]: e for e in c["env"]}
                self.assertEqual(env["POD_NAME"], {"name": "POD_NAME",
                                                   "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
                # The pair comes through the API: no Secret volume, no TLS mount.
                for v in pod.get("volumes", []):
                    self.assertNotIn(v.get("secret", {}).get("secretName"), (secret, fullname + "-tls"))
                self.assertFalse([m for m in c.get("volumeMounts", []) if "tls" in m["mountPath"]])
                # RBAC: the Role in the release namespace, for the pods' account, names the Secret and the Lease.
                sa = pod["serviceAccountName"]
                role = r.one("Role", sa)
                self.assertEqual(role["metadata"]["namespace"], r.namespace)
                self.assertEqual(self.grants(role), {
                    ("", "secrets", "create", ()),
                    ("", "secrets", "get", (secret,)), ("", "secrets", "update", (secret,)),
                    ("coordination.k8s.io", "leases", "create", ()),
                    ("coordination.k8s.io", "leases", "get", (lease,)),
                    ("coordination.k8s.io", "leases", "update", (lease,))})
                rb = r.one("RoleBinding", sa)
                self.assertEqual(rb["roleRef"], {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": sa})
                self.assertEqual(rb["subjects"], [{"kind": "ServiceAccount", "name": sa, "namespace": r.namespace}])
                # ... and the ClusterRole names the configurations the flags name, nothing else of their kinds.
                cr = r.one("ClusterRole", sa)
                admission = {g for g in self.grants(cr) if g[0] == "admissionregistration.k8s.io"}
                want = {("admissionregistration.k8s.io", "validatingwebhookconfigurations", v,
                         (arg_value(args, "--certs-validating-webhook"),)) for v in ("get", "update")}
                if mutating:
                    want |= {("admissionregistration.k8s.io", "mutatingwebhookconfigurations", v,
                              (arg_value(args, "--certs-mutating-webhook"),)) for v in ("get", "update")}
                self.assertEqual(admission, want)
                crb = r.one("ClusterRoleBinding", sa)
                self.assertEqual(crb["roleRef"]["name"], sa)
                self.assertEqual(crb["subjects"], [{"kind": "ServiceAccount", "name": sa, "namespace": r.namespace}])
        # The other modes pass none of the --certs-* flags and no POD_NAME.
        for vname in ("cert-manager", "existing-secret"):
            with self.subTest(variant=vname):
                c = self.variants[vname].deployment("webhook")["spec"]["template"]["spec"]["containers"][0]
                self.assertFalse([a for a in c["args"] if a.startswith("--certs-")])
                self.assertNotIn("POD_NAME", {e["name"] for e in c["env"]})
        # rbac.create false: the flags stay, the roles are the user's (docs/deploy.md, "RBAC").
        r = Rendered({"rbac": {"create": False}})
        self.assertEqual(r.all("Role") + r.all("ClusterRole"), [])
        self.assertEqual(arg_value(container_args(r.deployment("webhook")), "--certs-lease"),
                         "rollout-guard-certs-leader")

    def test_bindings_point_at_existing_roles_and_accounts(self):
        for vname, r in self.variants.items():
            accounts = {sa["metadata"]["name"] for sa in r.all("ServiceAccount")}
            for dep in r.all("Deployment"):
                self.assertIn(dep["spec"]["template"]["spec"]["serviceAccountName"], accounts)
            for b in r.all("ClusterRoleBinding") + r.all("RoleBinding"):
                with self.subTest(variant=vname, binding=b["metadata"]["name"]):
                    r.one(b["roleRef"]["kind"], b["roleRef"]["name"])
                    for s in b["subjects"]:
                        self.assertEqual(s["kind"], "ServiceAccount")
                        self.assertIn(s["name"], accounts)
                        self.assertEqual(s["namespace"], r.namespace)
            # The reconciler's account is bound to its roles; the webhook's only with inventory=cluster.
            bound = {s["name"] for b in r.all("ClusterRoleBinding") for s in b["subjects"]}
            if r.all("Deployment") and any(d["metadata"]["name"].endswith("-reconciler") for d in r.all("Deployment")):
                self.assertTrue(any(n.endswith("-reconciler") for n in bound))


def main():
    global BINARY
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: render_test.py PATH-TO-rollout-guard [unittest args]")
    BINARY = os.path.abspath(sys.argv.pop(1))
    if not os.access(BINARY, os.X_OK):
        sys.exit("render_test.py: %s is not an executable" % BINARY)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
