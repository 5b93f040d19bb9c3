#!/usr/bin/env python3
"""Writes samples/bookstore-keda/ and samples/bad/*.yaml from the Bookstore base.

samples/bookstore/ is written by hand and is the source of truth for the
pod template and the analysis templates; the bad variants reuse them so each
breaks only its own rule. Run from anywhere: python3 samples/generate.py
Every bad file uses its own namespace (bad-<rule>), so checking the whole
samples/ tree at once does not mix cross-object rules between files.
"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def read(rel):
    with open(os.path.join(HERE, rel)) as f:
        return f.read()


def write(rel, text):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def renamespace(text, ns):
    return re.sub(r"(?m)^(\s*)namespace: bookstore$", r"\1namespace: " + ns, text)


def strip_comments(text):
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")).strip() + "\n"


ROLLOUT = strip_comments(read("bookstore/rollout.yaml"))
TEMPLATES = strip_comments(read("bookstore/analysis-templates.yaml"))
SERVICES = strip_comments(read("bookstore/services.yaml"))

STEPS_GOOD = """      steps:
      - setWeight: 10
      - pause: {duration: 60s}
      - setWeight: 25
      - pause: {duration: 60s}
      - analysis:
          templates:
          - templateName: catalog-success-rate
          - templateName: catalog-latency
          args:
          - name: service-name
            value: catalog-canary
      - setWeight: 50
      - pause: {duration: 60s}
      - setWeight: 100
"""
assert STEPS_GOOD in ROLLOUT, "bookstore/rollout.yaml steps changed: update STEPS_GOOD"


def rollout(ns, steps=STEPS_GOOD, edit=None):
    text = renamespace(ROLLOUT, ns).replace(STEPS_GOOD, steps)
    if edit:
        for old, new in edit:
            assert old in text, old
            text = text.replace(old, new)
    return text


def with_templates(ns):
    return "---\n" + renamespace(TEMPLATES, ns)


def header(rule, what):
    return "# Breaks %s: %s\n# Everything else is the Bookstore sample (samples/bookstore/).\n" % (rule, what)


def template(ns, name, metrics):
    return ("apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: %s\n  namespace: %s\n"
            "spec:\n  args:\n  - name: service-name\n  metrics:\n%s" % (name, ns, metrics))


PROM = "    provider:\n      prometheus:\n        address: http://prometheus.monitoring.svc:9090\n        query: |\n"
TRAFFIC = ("  - name: traffic\n    interval: 1m\n    count: 5\n    failureLimit: 1\n"
           "    successCondition: result[0] >= 1\n" + PROM +
           "          sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) or vector(0)\n")


def metric(name, query, cond="successCondition: result[0] >= 0.99", extra="interval: 1m\n    count: 5\n    failureLimit: 1"):
    return "  - name: %s\n    %s\n    %s\n%s          %s\n" % (name, extra, cond, PROM, query)


SR_QUERY = ("1 - (sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m])) / "
            "(sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) > 0) or vector(0))")
assert SR_QUERY in TEMPLATES, "bookstore success-rate query changed: update SR_QUERY"


def bad_template(rule, what, metrics):
    ns = "bad-" + rule.replace("/", "-")
    return header(rule, what) + template(ns, "catalog-analysis", TRAFFIC + metrics)


def ns_of(rule):
    return "bad-" + rule.replace("/", "-")


def hpa(ns, target_api="argoproj.io/v1alpha1", target_kind="Rollout", name="catalog", bounds="  minReplicas: 4\n  maxReplicas: 12\n"):
    return ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n"
            "  scaleTargetRef:\n    apiVersion: %s\n    kind: %s\n    name: catalog\n%s"
            "  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n        type: Utilization\n"
            "        averageUtilization: 70\n" % (name, ns, target_api, target_kind, bounds))


def scaled_object(ns, ref="    apiVersion: argoproj.io/v1alpha1\n    kind: Rollout\n    name: catalog\n",
                  bounds="  minReplicaCount: 4\n  maxReplicaCount: 12\n", name="catalog"):
    return ("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n"
            "  scaleTargetRef:\n%s%s  triggers:\n  - type: prometheus\n    metadata:\n"
            "      serverAddress: http://prometheus.monitoring.svc:9090\n"
            "      query: sum(rate(http_requests_total{service=\"catalog-stable\"}[2m]))\n"
            "      threshold: \"50\"\n" % (name, ns, ref, bounds))


bad = {}


def rollout_case(rule, what, steps=STEPS_GOOD, edit=None, extra="", templates=True):
    ns = ns_of(rule)
    bad[rule] = header(rule, what) + rollout(ns, steps, edit) + (with_templates(ns) if templates else "") + extra


# --- rollout/* -------------------------------------------------------------
rollout_case("rollout/analysis-gate", "no analysis step before traffic reaches 100%",
             steps="      steps:\n      - setWeight: 10\n      - pause: {duration: 60s}\n      - setWeight: 50\n"
                   "      - pause: {duration: 60s}\n      - setWeight: 100\n", templates=False)
rollout_case("rollout/gate-order", "the analysis step comes after setWeight: 100 (a second analysis is kept before it)",
             steps=STEPS_GOOD + "      - analysis:\n          templates:\n          - templateName: catalog-success-rate\n"
                                "          - templateName: catalog-latency\n"
                                "          args:\n          - name: service-name\n            value: catalog-canary\n")
rollout_case("rollout/manual-gate", "labelled rollout-guard.io/tier: critical without a pause: {} before 100%",
             edit=[("  labels:\n    app: catalog\n", "  labels:\n    app: catalog\n    rollout-guard.io/tier: critical\n")])
rollout_case("rollout/analysis-template-ref", "the step references AnalysisTemplate catalog-errors, which does not exist",
             edit=[("          - templateName: catalog-latency\n", "          - templateName: catalog-latency\n"
                                                                      "          - templateName: catalog-errors\n")])
rollout_case("rollout/step-analysis-indefinite", "the step uses catalog-soak, whose metric has an interval but no count",
             edit=[("          - templateName: catalog-latency\n", "          - templateName: catalog-latency\n"
                                                                      "          - templateName: catalog-soak\n")],
             extra="---\n" + template(ns_of("rollout/step-analysis-indefinite"), "catalog-soak",
                                      metric("soak-latency", "(histogram_quantile(0.95, sum by (le) (rate("
                                             "http_request_duration_seconds_bucket{service=\"{{args.service-name}}\"}[2m]))) >= 0) or vector(0)",
                                             cond="successCondition: result[0] < 0.5", extra="interval: 1m\n    failureLimit: 1")))
rollout_case("rollout/spec", "setWeight 110 is outside 0..100 (Argo: InvalidSpec)",
             steps=STEPS_GOOD.replace("      - setWeight: 50\n", "      - setWeight: 110\n"))

# --- replicas/* ------------------------------------------------------------
def autoscaled_case(rule, what, objs, edit=None):
    ns = ns_of(rule)
    bad[rule] = header(rule, what) + rollout(ns, edit=edit) + with_templates(ns) + "".join("---\n" + o for o in objs)


autoscaled_case("replicas/multiple-owners", "an HPA and a ScaledObject both scale Rollout catalog",
                [hpa(ns_of("replicas/multiple-owners")), scaled_object(ns_of("replicas/multiple-owners"))])
autoscaled_case("replicas/fixed-replicas-with-autoscaler", "the Rollout sets spec.replicas: 4 while an HPA scales it",
                [hpa(ns_of("replicas/fixed-replicas-with-autoscaler"))],
                edit=[("spec:\n  revisionHistoryLimit", "spec:\n  replicas: 4\n  revisionHistoryLimit")])
autoscaled_case("replicas/rollout-api-version", "the HPA targets kind Rollout with apiVersion apps/v1",
                [hpa(ns_of("replicas/rollout-api-version"), target_api="apps/v1")])
bad["replicas/replaced-deployment-target"] = (
    header("replicas/replaced-deployment-target",
           "a ScaledObject with only scaleTargetRef.name (KEDA: Deployment) targets Deployment catalog, which the Rollout "
           "of the same name replaces") +
    rollout(ns_of("replicas/replaced-deployment-target")) + with_templates(ns_of("replicas/replaced-deployment-target")) +
    "---\n" + scaled_object(ns_of("replicas/replaced-deployment-target"), ref="    name: catalog\n"))

# --- hpa / keda -------------------------------------------------------------
bad["hpa/replica-range"] = header("hpa/replica-range", "maxReplicas 2 is below minReplicas 4") + hpa(
    ns_of("hpa/replica-range"), bounds="  minReplicas: 4\n  maxReplicas: 2\n")
bad["keda/replica-range"] = header("keda/replica-range", "idleReplicaCount 4 is not below minReplicaCount 4") + scaled_object(
    ns_of("keda/replica-range"), bounds="  idleReplicaCount: 4\n  minReplicaCount: 4\n  maxReplicaCount: 12\n")

# --- analysis/* -------------------------------------------------------------
bad["analysis/failure-limit"] = bad_template("analysis/failure-limit", "failureLimit 5 with count 5: it can never fail",
                                             metric("success-rate", SR_QUERY, extra="interval: 1m\n    count: 5\n    failureLimit: 5"))
bad["analysis/condition-missing"] = bad_template("analysis/condition-missing", "metric success-rate has no condition",
                                                 metric("success-rate", SR_QUERY, cond="# no successCondition"))
bad["analysis/sample-plan"] = bad_template("analysis/sample-plan", "count 2: too few measurements",
                                           metric("success-rate", SR_QUERY, extra="interval: 1m\n    count: 2\n    failureLimit: 1"))
bad["analysis/spec"] = bad_template("analysis/spec", "count 3 with failureLimit -2 (limits must be >= 0 or -1)",
                                    metric("success-rate", SR_QUERY, extra="interval: 1m\n    count: 3\n    failureLimit: -2"))
bad["analysis/promql-syntax"] = bad_template("analysis/promql-syntax", "a closing parenthesis is missing in the query",
                                             metric("success-rate", SR_QUERY[:-1]))
bad["analysis/condition-syntax"] = bad_template("analysis/condition-syntax", "the successCondition does not parse",
                                                metric("success-rate", SR_QUERY, cond="successCondition: result[0] >= "))
bad["analysis/result-shape"] = bad_template("analysis/result-shape", "result used as a number on a vector query",
                                            metric("success-rate", SR_QUERY, cond="successCondition: result >= 0.99"))
bad["analysis/quantile-shape"] = bad_template(
    "analysis/quantile-shape", "bucket rates summed by (service), so le is gone",
    metric("latency", "histogram_quantile(0.95, sum by (service) (rate(http_request_duration_seconds_bucket"
                      "{service=\"{{args.service-name}}\"}[2m]))) or vector(0)", cond="successCondition: result[0] < 0.5"))
bad["analysis/rate-window"] = bad_template("analysis/rate-window", "rate over [30s]: fewer than 4 scrapes of 30s",
                                           metric("success-rate", SR_QUERY.replace("[2m]", "[30s]")))
bad["analysis/unbounded-grouping"] = bad_template(
    "analysis/unbounded-grouping", "the error ratio is grouped by pod: result[0] is an arbitrary pod",
    metric("traffic-per-pod", "sum by (pod) (rate(http_requests_total{service=\"{{args.service-name}}\"}[2m]) or vector(0))",
           cond="successCondition: result[0] >= 1"))
bad["analysis/no-data-guard"] = bad_template(
    "analysis/no-data-guard", "p95 without `or vector(0)`: no traffic returns nothing and result[0] errors",
    metric("latency", "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
                      "{service=\"{{args.service-name}}\"}[2m]))) >= 0", cond="successCondition: result[0] < 0.5"))
# No traffic floor here (it would fail when idle and so cover the gap); a
# series-count sibling fails in silence only, keeping passes-on-silence quiet.
SERIES = ("  - name: series-present\n    interval: 1m\n    count: 5\n    failureLimit: 1\n"
          "    successCondition: result[0] >= 1\n" + PROM +
          "          count(http_requests_total{service=\"{{args.service-name}}\"}) or vector(0)\n")
bad["analysis/passes-on-idle"] = header(
    "analysis/passes-on-idle", "a failureCondition-only error ratio: NaN when idle, so it never fails") + template(
    ns_of("analysis/passes-on-idle"), "catalog-analysis", SERIES +
    metric("error-rate", "sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m])) / "
                         "sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) or vector(0)",
           cond="failureCondition: result[0] > 0.01"))
bad["analysis/nan-unhandled"] = bad_template(
    "analysis/nan-unhandled", "the ratio is NaN when idle and the condition never asks isNaN",
    metric("success-rate", "(1 - sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m])) / "
                           "sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m]))) or vector(0)"))
# passes-on-silence: the chapter's success rate without the traffic floor sibling.
bad["analysis/passes-on-silence"] = header("analysis/passes-on-silence",
                                           "`... or vector(0)` is 1 with no traffic, and no sibling metric fails then") + template(
    ns_of("analysis/passes-on-silence"), "catalog-analysis", metric("success-rate", SR_QUERY))

# --- policy/* ----------------------------------------------------------------
rollout_case("policy/exemption-reason", "exempt from rollout/gate-order without rollout-guard.io/exempt-reason",
             edit=[("  labels:\n    app: catalog\n", "  labels:\n    app: catalog\n  annotations:\n"
                                                       "    rollout-guard.io/exempt: rollout/gate-order\n")])
# The default policy does not let annotations exempt pod-security/*: the exemption is ignored, the pod that runs
# as root is still denied by pod-security/runAsNonRoot, and the annotation gets the warning.
rollout_case("policy/exemption-not-allowed",
             "exempt from pod-security/runAsNonRoot, which the default policy does not let annotations exempt",
             edit=[("  labels:\n    app: catalog\n", "  labels:\n    app: catalog\n  annotations:\n"
                                                       "    rollout-guard.io/exempt: pod-security/runAsNonRoot\n"
                                                       "    rollout-guard.io/exempt-reason: the image runs as root\n"),
                   ("runAsNonRoot: true", "runAsNonRoot: false")])

# --- pod-security/* (restricted level, the default policy) -----------------------
POD_EDITS = {
    "allowPrivilegeEscalation": ("allowPrivilegeEscalation is true", [("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")]),
    "capabilities_restricted": ("adds NET_ADMIN", [("            drop: [\"ALL\"]\n", "            drop: [\"ALL\"]\n            add: [\"NET_ADMIN\"]\n")]),
    "runAsNonRoot": ("runAsNonRoot is false", [("runAsNonRoot: true", "runAsNonRoot: false")]),
    "runAsUser": ("the container runs as user 0", [("          readOnlyRootFilesystem: true\n", "          readOnlyRootFilesystem: true\n          runAsUser: 0\n")]),
    "seccompProfile_restricted": ("no seccompProfile", [("        seccompProfile:\n          type: RuntimeDefault\n", "")]),
    "restrictedVolumes": ("a hostPath volume", [("      - name: tmp\n        emptyDir: {}\n", "      - name: tmp\n        hostPath:\n          path: /tmp\n")]),
    "procMount_restricted": ("procMount: Unmasked", [("          readOnlyRootFilesystem: true\n", "          readOnlyRootFilesystem: true\n          procMount: Unmasked\n")]),
    "privileged": ("privileged: true", [("          readOnlyRootFilesystem: true\n", "          readOnlyRootFilesystem: true\n          privileged: true\n")]),
    # `yes`, not `true`: kubectl reads YAML 1.1, so it sends `yes` as true, and so must check.
    "hostNamespaces": ("hostNetwork: yes (YAML 1.1: kubectl sends true)", [("      securityContext:\n        runAsNonRoot", "      hostNetwork: yes\n      securityContext:\n        runAsNonRoot")]),
    "hostPorts": ("hostPort 8080", [("        - name: http\n          containerPort: 8080\n", "        - name: http\n          containerPort: 8080\n          hostPort: 8080\n")]),
    "appArmorProfile": ("AppArmor Unconfined", [("        seccompProfile:\n          type: RuntimeDefault\n", "        seccompProfile:\n          type: RuntimeDefault\n        appArmorProfile:\n          type: Unconfined\n")]),
    "seLinuxOptions": ("a custom SELinux user", [("        seccompProfile:\n          type: RuntimeDefault\n", "        seccompProfile:\n          type: RuntimeDefault\n        seLinuxOptions:\n          user: system_u\n")]),
    "sysctls": ("an unsafe sysctl", [("        seccompProfile:\n          type: RuntimeDefault\n", "        seccompProfile:\n          type: RuntimeDefault\n        sysctls:\n        - name: kernel.msgmax\n          value: \"65536\"\n")]),
    "windowsHostProcess": ("a Windows HostProcess container", [("        seccompProfile:\n          type: RuntimeDefault\n", "        seccompProfile:\n          type: RuntimeDefault\n        windowsOptions:\n          hostProcess: true\n")]),
    "hostProbesAndHostLifecycle": ("the readiness probe sets host", [("            path: /healthz/ready\n", "            path: /healthz/ready\n            host: 10.0.0.1\n")]),
}
for check, (what, edit) in POD_EDITS.items():
    rollout_case("pod-security/" + check, what, edit=edit)

def sample_name(rule):
    """A rule id as its source, test and sample files spell it: "/" and "-" as "_"."""
    return rule.replace("/", "_").replace("-", "_")


for rule, text in bad.items():
    write("bad/" + sample_name(rule) + ".yaml", text)

# --- bookstore-keda: the same application, scaled by KEDA instead of the HPA ---------
KEDA_NS = "bookstore-keda"
KEDA_HEAD = "# Generated by samples/generate.py from samples/bookstore/ (namespace %s).\n" % KEDA_NS
write("bookstore-keda/rollout.yaml", KEDA_HEAD + renamespace(ROLLOUT, KEDA_NS))
write("bookstore-keda/analysis-templates.yaml", KEDA_HEAD + renamespace(TEMPLATES, KEDA_NS))
write("bookstore-keda/services.yaml", KEDA_HEAD + renamespace(SERVICES, KEDA_NS))
write("bookstore-keda/scaledobject.yaml",
      "# The Bookstore catalog scaled by KEDA instead of samples/bookstore/hpa.yaml: never both\n"
      "# (replicas/multiple-owners). KEDA creates and owns the HPA keda-hpa-catalog itself.\n" + scaled_object(KEDA_NS))
print("wrote %d bad samples" % len(bad))


# --- samples/README.md, with the exact output of `rollout-guard check` -------------
def write_readme(binary):
    import subprocess
    root = os.path.dirname(HERE)

    def run(*paths):
        p = subprocess.run([binary, "check", *paths], cwd=root, capture_output=True, text=True)
        return "$ rollout-guard check %s\n%s(exit %d)\n" % (" ".join(paths), p.stdout + p.stderr, p.returncode)

    out = [read("README.head.md").rstrip() + "\n"]
    out.append("\n## Good samples\n\n```\n" + run("samples/bookstore") + "```\n\n```\n" + run("samples/bookstore-keda") + "```\n")
    out.append("\n## Bad samples\n\nEach file breaks the rule it is named after (the rule id with `/` and `-` as `_`, "
               "as in policy/rules/<name>.cc and test/policy/rules/<name>_test.cc), in its own namespace "
               "`bad-<rule>`.\n")
    for rule in sorted(bad):
        rel = "samples/bad/" + sample_name(rule) + ".yaml"
        what = bad[rule].splitlines()[0].split(": ", 1)[1]
        out.append("\n### `%s`\n\nBreaks it: %s.\n\n```\n%s```\n" % (rule, what, run(rel)))
    write("README.md", "".join(out))


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--readme":
        write_readme(os.path.abspath(sys.argv[2]))
        print("wrote README.md")
