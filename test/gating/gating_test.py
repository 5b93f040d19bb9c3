#!/usr/bin/env python3
"""Checks samples/gating/ (Argo CD sync gating and pre-merge checks) and what docs/gating.md says about
it, against the built binary:

- SchemaTest: every Kubernetes object of samples/gating/ passes its schema (test/support/k8s_schemas.py):
  Service and HorizontalPodAutoscaler against the Kubernetes 1.35 OpenAPI documents in
  $RG_CONFORMANCE_DIR; the Job and Argo CD's Application against the minimal schemas in
  local-schemas.yaml, whose pod template and metadata resolve to the conformance core/v1 document;
  Rollout and AnalysisTemplate have no schema here (metadata only: `check` validates them, and the
  bookstore files are the bookstore sample's). Unknown fields are errors.
- PreSyncTest: `rollout-guard check` passes on samples/gating; `check` reads no rule for Jobs, so the
  PreSync Job's pod template is checked inside a Rollout and must raise no pod-security finding; the
  Job reads the ConfigMap that kustomization.yaml generates from the app's files; `check` on a
  ConfigMap volume's ..data reads each file once, on the volume's root twice; and, when kubectl is on
  PATH, the kustomization renders to what the docs describe.
- PipelineTest: the GitHub Actions, GitLab CI and pre-commit files parse, have the keys the docs name,
  and run a real `rollout-guard check` with real flags (`check --help`), which is then run as written.
- DenialTest: the webhook (`rollout-guard serve`) denies a bad AdmissionReview with exactly the
  message docs/gating.md quotes after `admission webhook "<name>" denied the request: `, and the
  chart's validating webhook is named as quoted.

The conformance folder is $RG_CONFORMANCE_DIR, else the --conformance-default given by CMake, else
../shared/conformance next to the project. Without it the schema tests skip loudly (exit code 77 when
everything else passed), and fail when CI=true.

Usage: gating_test.py PATH-TO-rollout-guard [--conformance-default DIR] [unittest args]  (ctest: gating)
"""

import copy
import glob
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "support"))
from k8s_schemas import Conformance, main as schema_test_main  # noqa: E402  (exits without python3-jsonschema)

import yaml  # noqa: E402

GATING = os.path.join(ROOT, "samples", "gating")
LOCAL_SCHEMAS = os.path.join(HERE, "local-schemas.yaml")
DOC = os.path.join(ROOT, "docs", "gating.md")
BINARY = None
K8S = Conformance([LOCAL_SCHEMAS], os.path.join(os.path.dirname(ROOT), "shared", "conformance"))

# What the webhook answers for samples/admission-reviews/bad/pod_security_runAsNonRoot-rollout.json,
# which docs/gating.md quotes.
BAD_REVIEW = os.path.join(ROOT, "samples", "admission-reviews", "bad", "pod_security_runAsNonRoot-rollout.json")
GOOD_REVIEW = os.path.join(ROOT, "samples", "admission-reviews", "good", "bookstore-rollout-catalog-create.json")
DENIAL = ('pod-security/runAsNonRoot: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod must '
          'not set securityContext.runAsNonRoot=false) (spec.template.spec.securityContext.runAsNonRoot). '
          'Fix: set securityContext.runAsNonRoot: true (not false) on pod')

# Kinds in samples/gating/ and what validates them; a new kind needs a decision here.
CONFORMANCE, LOCAL, NO_SCHEMA = "conformance", "local", "none"
KINDS = {
    ("v1", "Service"): CONFORMANCE,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): CONFORMANCE,
    ("batch/v1", "Job"): LOCAL,
    ("argoproj.io/v1alpha1", "Application"): LOCAL,
    ("argoproj.io/v1alpha1", "Rollout"): NO_SCHEMA,
    ("argoproj.io/v1alpha1", "AnalysisTemplate"): NO_SCHEMA,
}
CATALOG_KINDS = {"Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "HorizontalPodAutoscaler", "ScaledObject"}




def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def gating_files():
    """Every file `check samples/gating` reads (*.yaml, *.yml, *.json, recursively), sorted."""
    out = []
    for dirpath, _, files in os.walk(GATING):
        out += [os.path.join(dirpath, f) for f in files if re.search(r"\.(ya?ml|json)$", f)]
    return sorted(out)


def kube_objects():
    """(file, object) for every Kubernetes object of samples/gating/ (not the kustomization or CI files)."""
    out = []
    for path in gating_files():
        for d in load(path):
            if isinstance(d, dict) and "apiVersion" in d and "kind" in d and d["kind"] != "Kustomization":
                out.append((os.path.relpath(path, ROOT), d))
    return out


def one(path, kind):
    docs = [d for d in load(path) if d.get("kind") == kind]
    assert len(docs) == 1, "%s: expected one %s, found %d" % (path, kind, len(docs))
    return docs[0]


def run(args, cwd=ROOT, timeout=60):
    return subprocess.run([BINARY] + args, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def check_json(paths, cwd=ROOT):
    r = run(["check", "-o", "json"] + paths, cwd=cwd)
    assert r.returncode in (0, 1), "check exited %d: %s" % (r.returncode, r.stderr)
    return r.returncode, json.loads(r.stdout)


def job():
    return one(os.path.join(GATING, "argocd-presync-job.yaml"), "Job")


def kustomization():
    return one(os.path.join(GATING, "kustomization.yaml"), "Kustomization")


# --- (a) schemas ----------------------------------------------------------------------------------


class SchemaTest(unittest.TestCase):
    def test_every_object_passes_its_schema(self):
        s = K8S.schemas(self)
        objs = kube_objects()
        self.assertGreaterEqual(len(objs), 9)
        for path, obj in objs:
            key = (obj["apiVersion"], obj["kind"])
            with self.subTest(object="%s %s/%s" % (path, obj["kind"], obj["metadata"].get("name"))):
                self.assertIn(key, KINDS, "a new kind in samples/gating/ needs a schema decision (KINDS)")
                source = s.source(*key)
                expected = {CONFORMANCE: "OpenAPI", LOCAL: "local-schemas.yaml", NO_SCHEMA: "no schema"}[KINDS[key]]
                self.assertIn(expected, source)
                self.assertEqual(s.errors(obj), [], source)

    def test_the_local_schemas_reject_unknown_fields_and_bad_types(self):
        s = K8S.schemas(self)
        j = job()
        j["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonroot"] = True
        j["spec"]["backoffLimit"] = "0"
        j["spec"]["ttlSecondAfterFinished"] = 60
        errs = s.errors(j)
        for field, words in [("spec.template.spec.containers.0.securityContext", "'runAsNonroot' was unexpected"),
                             ("spec.backoffLimit", "is not of type 'integer'"),
                             ("spec", "'ttlSecondAfterFinished' was unexpected")]:
            with self.subTest(field=field):
                self.assertTrue(any(e.startswith(field + ":") and words in e for e in errs), errs)
        app = load(os.path.join(GATING, "argocd-application.yaml"))[1]
        app["spec"]["syncPolicy"]["automated"]["selfheal"] = True
        del app["spec"]["project"]
        errs = s.errors(app)
        self.assertTrue(any(e.startswith("spec.syncPolicy.automated:") and "'selfheal'" in e for e in errs), errs)
        self.assertTrue(any(e.startswith("spec:") and "'project' is a required property" in e for e in errs), errs)


# --- (b) the PreSync check --------------------------------------------------------------------------


class PreSyncTest(unittest.TestCase):
    def test_check_passes_on_the_gating_samples(self):
        rc, out = check_json([os.path.relpath(GATING, ROOT)])
        self.assertEqual(rc, 0, out)
        self.assertEqual(out["findings"], [])
        self.assertEqual(out["errors"], [])
        docs = [d for p in gating_files() for d in load(p) if isinstance(d, dict)]
        evaluated = [d for d in docs if d.get("kind") in CATALOG_KINDS]
        self.assertEqual(out["summary"]["objects"], len(evaluated))      # each file read once
        self.assertEqual(out["summary"]["skipped"], len(docs) - len(evaluated))  # the Job among them

    @staticmethod
    def job_pod_as_rollout(j):
        """The Job's pod template in a Rollout, whose pod template the pod-security/* rules read. A
        Rollout's pods always restart (rollout/spec), a Job's never: the copy leaves restartPolicy out."""
        template = copy.deepcopy(j["spec"]["template"])
        del template["spec"]["restartPolicy"]
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                "metadata": {"name": j["metadata"]["name"], "namespace": "bookstore"},
                "spec": {"selector": {"matchLabels": j["spec"]["template"]["metadata"]["labels"]},
                         "template": template,
                         "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}}}

    def check_docs(self, docs):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "pod.yaml")
            with open(path, "w") as f:
                yaml.safe_dump_all(docs, f)
            return check_json([path])

    def test_the_job_pod_meets_pod_security_restricted(self):
        j = job()
        _, out = self.check_docs([self.job_pod_as_rollout(j)])
        self.assertEqual(out["summary"]["objects"], 1)
        about_pod = [f for f in out["findings"] if f["path"].startswith("spec.template")]
        self.assertEqual(about_pod, [])
        # What "restricted" does not ask for, and the brief does.
        c = j["spec"]["template"]["spec"]["containers"][0]
        self.assertIs(c["securityContext"]["readOnlyRootFilesystem"], True)
        for section in ("requests", "limits"):
            self.assertEqual(set(c["resources"][section]), {"cpu", "memory"})
        self.assertIs(j["spec"]["template"]["spec"]["automountServiceAccountToken"], False)

    def test_the_pod_check_can_fail(self):
        j = job()
        j["spec"]["template"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
        del j["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]
        rc, out = self.check_docs([self.job_pod_as_rollout(j)])
        self.assertEqual(rc, 1)
        rules = {f["rule"] for f in out["findings"] if f["action"] == "deny"}
        self.assertLessEqual({"pod-security/allowPrivilegeEscalation", "pod-security/seccompProfile_restricted"}, rules)

    def test_the_job_checks_the_generated_configmap_before_the_sync(self):
        j, k = job(), kustomization()
        ann = j["metadata"]["annotations"]
        self.assertEqual(ann["argocd.argoproj.io/hook"], "PreSync")
        self.assertEqual(ann["argocd.argoproj.io/hook-delete-policy"], "BeforeHookCreation")
        self.assertEqual(j["spec"]["backoffLimit"], 0)
        pod = j["spec"]["template"]["spec"]
        self.assertEqual(pod["restartPolicy"], "Never")
        gen = k["configMapGenerator"]
        self.assertEqual(len(gen), 1)
        gen = gen[0]
        vols = {v["name"]: v for v in pod["volumes"]}
        mount = pod["containers"][0]["volumeMounts"][0]
        self.assertEqual(vols[mount["name"]]["configMap"]["name"], gen["name"])
        self.assertEqual(pod["containers"][0]["args"], ["check", mount["mountPath"] + "/..data"])
        # The ConfigMap: a PreSync hook in an earlier wave than the Job, under a fixed name.
        opts = gen["options"]
        self.assertIs(opts["disableNameSuffixHash"], True)
        self.assertEqual(opts["annotations"]["argocd.argoproj.io/hook"], "PreSync")
        self.assertEqual(opts["annotations"]["argocd.argoproj.io/hook-delete-policy"], "BeforeHookCreation")
        self.assertLess(int(opts["annotations"]["argocd.argoproj.io/sync-wave"]),
                        int(ann.get("argocd.argoproj.io/sync-wave", "0")))
        # Every manifest the app applies is in the ConfigMap, and nothing else.
        self.assertEqual(sorted(gen["files"]), sorted(r for r in k["resources"] if r != "argocd-presync-job.yaml"))
        self.assertIn("argocd-presync-job.yaml", k["resources"])

    def test_the_apps_files_are_the_bookstore_sample(self):
        copies = sorted(os.path.basename(p) for p in glob.glob(os.path.join(GATING, "bookstore", "*")))
        originals = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "samples", "bookstore", "*")))
        self.assertEqual(copies, originals)
        for name in copies:
            with self.subTest(file=name):
                with open(os.path.join(GATING, "bookstore", name), "rb") as a, \
                        open(os.path.join(ROOT, "samples", "bookstore", name), "rb") as b:
                    self.assertEqual(a.read(), b.read(), "samples/gating/bookstore/ copies samples/bookstore/")

    @staticmethod
    def configmap_volume(tmp, files):
        """A ConfigMap volume as the kubelet writes it: a timestamped folder with the files, ..data
        pointing at it, and one symlink per key into ..data."""
        stamp = "..2026_12_05_08_00_00.123456789"
        os.mkdir(os.path.join(tmp, stamp))
        for f in files:
            shutil.copy(f, os.path.join(tmp, stamp, os.path.basename(f)))
        os.symlink(stamp, os.path.join(tmp, "..data"))
        for f in files:
            os.symlink(os.path.join("..data", os.path.basename(f)), os.path.join(tmp, os.path.basename(f)))

    def test_check_reads_a_configmap_volume_once_through_data(self):
        files = [os.path.join(GATING, f) for f in kustomization()["configMapGenerator"][0]["files"]]
        files.append(os.path.join(ROOT, "samples", "bad", "pod_security_runAsNonRoot.yaml"))
        with tempfile.TemporaryDirectory() as tmp:
            self.configmap_volume(tmp, files)
            rc, once = check_json([os.path.join(tmp, "..data")])
            _, twice = check_json([tmp])
        _, direct = check_json(files)
        self.assertEqual(rc, 1)
        self.assertEqual(once["summary"], direct["summary"])
        self.assertEqual([f["rule"] for f in once["findings"]], ["pod-security/runAsNonRoot"])
        # Why the Job does not check the volume's root: every file, and every finding, twice.
        self.assertEqual(twice["summary"]["objects"], 2 * direct["summary"]["objects"])
        self.assertEqual(len(twice["findings"]), 2)

    def test_the_kustomization_renders_the_hook_configmap(self):
        kubectl = shutil.which("kubectl")
        if not kubectl:
            self.skipTest("kubectl is not on PATH: `kubectl kustomize samples/gating` not run")
        r = subprocess.run([kubectl, "kustomize", GATING], capture_output=True, text=True, timeout=60)
        if r.returncode != 0 and "kustomize" in r.stderr and "unknown command" in r.stderr:
            self.skipTest("this kubectl has no kustomize")
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = [d for d in yaml.safe_load_all(r.stdout) if d]
        by_kind = {}
        for d in docs:
            by_kind.setdefault(d["kind"], []).append(d)
            self.assertEqual(d["metadata"]["namespace"], "bookstore", d["kind"])
        cm = by_kind["ConfigMap"][0]
        self.assertEqual(cm["metadata"]["name"], "rollout-guard-manifests")
        self.assertEqual(cm["metadata"]["annotations"]["argocd.argoproj.io/hook"], "PreSync")
        self.assertEqual(sorted(cm["data"]), sorted(os.path.basename(f) for f in kustomization()["configMapGenerator"][0]["files"]))
        self.assertEqual(by_kind["Job"][0]["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"],
                         "rollout-guard-manifests")
        s = K8S.schemas(self)
        for d in docs:
            if (d["apiVersion"], d["kind"]) in KINDS or d["kind"] == "ConfigMap":
                with self.subTest(object="%s/%s" % (d["kind"], d["metadata"]["name"])):
                    self.assertEqual(s.errors(d), [])


# --- (c) pre-merge pipelines ------------------------------------------------------------------------


_HELP = []


def check_help():
    if not _HELP:
        r = run(["check", "--help"])
        assert r.returncode == 0, r.stderr
        _HELP.append(r.stdout)
    return _HELP[0]


class PipelineTest(unittest.TestCase):
    def rollout_guard_args(self, command, image_var):
        """The arguments after the image in `docker run ... IMAGE check ... > FILE`, and FILE."""
        tokens = shlex.split(command)
        self.assertIn(image_var, tokens, command)
        args = tokens[tokens.index(image_var) + 1:]
        out = None
        if ">" in args:
            out = args[args.index(">") + 1]
            args = args[:args.index(">")]
        return args, out

    def check_flags(self, args):
        """args start with a real subcommand, and every flag is one `check --help` lists, with a value
        among its choices. Returns the output format asked for."""
        self.assertEqual(args[0], "check")
        help_text = check_help()
        fmt, i = "text", 1
        while i < len(args):
            a = args[i]
            if a.startswith("-") and a != "-":
                name, _, value = a.partition("=")
                line = next((ln for ln in help_text.splitlines()
                             if re.search(r"(^|[\s,])%s([\s,]|$)" % re.escape(name), ln)), None)
                self.assertIsNotNone(line, "%s is not a flag of `rollout-guard check`:\n%s" % (name, help_text))
                if re.search(r"\b(TEXT|UINT|FLOAT)\b", line) and not value:
                    i += 1
                    value = args[i]
                choices = re.search(r"\{([^}]*)\}", line)
                if name in ("-o", "--output"):
                    fmt = value
                if choices and value not in choices.group(1).split(","):
                    if value == "junit":
                        self.skipTest("`rollout-guard check -o junit` is not in this binary yet (choices: %s)"
                                      % choices.group(1))
                    self.fail("%s %s: not one of %s" % (name, value, choices.group(1)))
            i += 1
        return fmt

    def test_github_actions_uploads_sarif(self):
        wf = load(os.path.join(GATING, "github-actions.yaml"))[0]
        self.assertEqual(wf["permissions"]["security-events"], "write")
        self.assertIn("pull_request", wf.get("on", wf.get(True)))   # YAML 1.1 reads `on:` as true
        steps = wf["jobs"]["check"]["steps"]
        check = [s for s in steps if "run" in s and " check " in s["run"]]
        upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
        self.assertEqual((len(check), len(upload)), (1, 1))
        check, upload = check[0], upload[0]
        line = next(ln for ln in check["run"].splitlines() if " check " in ln)
        args, out = self.rollout_guard_args(line, "$RG_IMAGE")
        self.assertEqual(self.check_flags(args), "sarif")
        self.assertEqual(upload["with"]["sarif_file"], out)
        self.assertIn("steps.%s.outputs.exit-code" % check["id"], upload["if"])
        self.assertIn("exit-code=$rc", check["run"])
        # Run as written, on a bad sample, from the repository root: code scanning needs the path.
        bad = "samples/bad/pod_security_runAsNonRoot.yaml"
        r = run([bad if a == "$MANIFESTS" else a for a in args])
        self.assertEqual(r.returncode, 1, r.stderr)
        sarif = json.loads(r.stdout)
        self.assertEqual(sarif["version"], "2.1.0")
        result = sarif["runs"][0]["results"][0]
        self.assertEqual(result["ruleId"], "pod-security/runAsNonRoot")
        self.assertEqual(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], bad)

    def test_gitlab_ci_reports_junit(self):
        ci = load(os.path.join(GATING, "gitlab-ci.yml"))[0]
        jobdef = ci["rollout-guard"]
        self.assertEqual(jobdef["artifacts"]["when"], "always")
        report = jobdef["artifacts"]["reports"]["junit"]
        lines = [ln for ln in jobdef["script"] if " check " in ln]
        self.assertEqual(len(lines), 1)
        args, out = self.rollout_guard_args(lines[0], "$RG_IMAGE")
        self.assertEqual(out, report)
        self.assertIn("-o", args)
        self.assertEqual(args[args.index("-o") + 1], "junit")
        self.check_flags(args)   # skips while the binary has no -o junit
        r = run(["samples/bad/pod_security_runAsNonRoot.yaml" if a == "$MANIFESTS" else a for a in args])
        self.assertEqual(r.returncode, 1, r.stderr)
        root = ET.fromstring(r.stdout)
        self.assertIn(root.tag, ("testsuites", "testsuite"))
        self.assertIn("pod-security/runAsNonRoot", r.stdout)

    def test_pre_commit_hook(self):
        hooks = load(os.path.join(ROOT, ".pre-commit-hooks.yaml"))[0]
        hook = [h for h in hooks if h["id"] == "rollout-guard-check"]
        self.assertEqual(len(hook), 1)
        hook = hook[0]
        self.assertEqual(hook["entry"], "rollout-guard check")
        self.assertEqual(hook["language"], "system")
        self.assertEqual(hook["files"], r"\.(ya?ml|json)$")
        files = re.compile(hook["files"])
        for name, matches in [("a.yaml", True), ("b/c.yml", True), ("d.json", True), ("e.txt", False),
                              ("yaml.md", False), ("f.yaml.orig", False)]:
            self.assertEqual(bool(files.search(name)), matches, name)
        entry = hook["entry"].split()
        self.assertEqual(entry[0], "rollout-guard")
        self.check_flags(entry[1:])
        # As pre-commit runs it: the entry, then the matching files as arguments.
        staged = [os.path.relpath(p, ROOT) for p in gating_files() if files.search(p)]
        self.assertEqual(run(entry[1:] + staged).returncode, 0)
        self.assertEqual(run(entry[1:] + ["samples/bad/pod_security_runAsNonRoot.yaml"]).returncode, 1)
        # The consumer's config names this hook and leaves Helm templates out.
        cfg = load(os.path.join(GATING, "pre-commit-config.yaml"))[0]
        used = [h for r in cfg["repos"] for h in r["hooks"]]
        self.assertEqual([h["id"] for h in used], ["rollout-guard-check"])
        self.assertTrue(re.search(used[0]["exclude"], "charts/rollout-guard/templates/webhook-service.yaml"))
        self.assertFalse(re.search(used[0]["exclude"], "deploy/rollout.yaml"))


# --- (d) the denial text ----------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DenialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rg-gating-test.")
        cls.port = free_port()
        cls.log = open(os.path.join(cls.tmp, "serve.log"), "w")
        cls.proc = subprocess.Popen([BINARY, "serve", "--dev-self-signed", "--cert-dir", cls.tmp,
                                     "--listen", "127.0.0.1:%d" % cls.port], stdout=cls.log, stderr=cls.log)
        deadline = time.time() + 20
        while True:
            try:
                if cls.request("GET", "/readyz")[0] == 200:
                    break
            except (OSError, ssl.SSLError, http.client.HTTPException):
                pass
            if cls.proc.poll() is not None or time.time() > deadline:
                cls.tearDownClass()
                raise RuntimeError("rollout-guard serve did not get ready; see its log")
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.terminate()
            try:
                cls.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def request(cls, method, path, body=None):
        ctx = ssl.create_default_context(cafile=os.path.join(cls.tmp, "ca.crt"))
        conn = http.client.HTTPSConnection("127.0.0.1", cls.port, context=ctx, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()

    def validate(self, review):
        status, body = self.request("POST", "/validate?timeout=10s", json.dumps(review).encode())
        self.assertEqual(status, 200, body)
        return json.loads(body)["response"]

    @staticmethod
    def review(path):
        with open(path) as f:
            return json.load(f)

    def test_the_denial_is_what_the_docs_quote(self):
        r = self.validate(self.review(BAD_REVIEW))
        self.assertIs(r["allowed"], False)
        self.assertEqual((r["status"]["code"], r["status"]["reason"]), (403, "Forbidden"))
        self.assertEqual(r["status"]["message"], DENIAL)

    def test_dry_run_gets_the_same_denial(self):
        review = self.review(BAD_REVIEW)
        review["request"]["dryRun"] = True
        r = self.validate(review)
        self.assertIs(r["allowed"], False)
        self.assertEqual(r["status"]["message"], DENIAL)

    def test_the_good_sample_is_allowed(self):
        self.assertIs(self.validate(self.review(GOOD_REVIEW))["allowed"], True)

    def test_the_docs_quote_the_chart_webhook_and_the_message(self):
        names = set()
        for path in [os.path.join(ROOT, "samples", "webhook", "validating-webhook.yaml")]:
            names |= {w["name"] for w in one(path, "ValidatingWebhookConfiguration")["webhooks"]}
        with open(os.path.join(ROOT, "charts", "rollout-guard", "templates", "webhook-configurations.yaml")) as f:
            chart = f.read()
        self.assertEqual(names, {"validate.rollout-guard.io"})
        self.assertIn("- name: validate.rollout-guard.io\n", chart)
        with open(DOC) as f:
            doc = f.read()
        self.assertIn('admission webhook "validate.rollout-guard.io" denied the request: ' + DENIAL, doc)


def set_binary(path):
    global BINARY
    BINARY = path


if __name__ == "__main__":
    schema_test_main("gating_test.py", K8S, set_binary)
