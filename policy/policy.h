// Policy: what the operator chose. Rule modes, thresholds, the Pod Security
// level and version, namespace modes and default (mutation) switches.
//
// A policy is read from a YAML/JSON document (see docs/policy.md); the embedded
// default equals the catalog's default actions. Loading validates every field
// and names the offending one in its error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/finding.h"
#include "policy/object.h"
#include "policy/status.h"

namespace rg {

enum class NamespaceMode { Enforce, Warn, Off };

// "enforce" | "warn" | "off"; false (and *out unchanged) for anything else.
bool parse_namespace_mode(std::string_view s, NamespaceMode* out);
std::string_view namespace_mode_name(NamespaceMode m);

// The Namespace label that sets a namespace's mode (enforce|warn|off). An
// adapter that can read the Namespace (the webhook with --inventory=cluster)
// passes its value as Context::namespace_mode, which wins over `namespaces:`.
inline constexpr std::string_view kNamespaceModeLabel = "rollout-guard.io/enforce";

struct Policy {
  // Per-rule action overrides: exact ids ("analysis/sample-plan") or a family
  // prefix ending in "/*" ("pod-security/*"). Exact ids win over families.
  std::map<std::string, Action, std::less<>> rules;

  // Pod Security Standards.
  std::string psa_level = "restricted";  // "restricted" | "baseline"
  std::string psa_version = "latest";    // "latest" | "v1.NN"

  // analysis/sample-plan
  int min_measurements = 3;
  bool warn_failure_limit_zero = true;

  // analysis/* (PromQL honesty)
  int scrape_interval_seconds = 30;
  std::vector<std::string> high_cardinality_labels = {"pod", "instance", "container", "uid", "path", "url"};
  int default_consecutive_error_limit = 4;  // Argo's default

  // Namespace modes: an exact namespace name -> mode; "*" is the fallback.
  std::map<std::string, NamespaceMode, std::less<>> namespaces;

  // Mutating defaults (issue: mutation). Each can be switched off.
  bool default_pod_security = true;
  bool default_keda_target = true;
  // AnalysisTemplate metric defaults: off unless set.
  std::optional<int> default_failure_limit;
  std::optional<int> default_consecutive_error_limit_fill;
  std::optional<std::string> default_interval;

  // The action for a rule id given its catalog default.
  Action action_for(std::string_view rule_id, Action catalog_default) const;
  NamespaceMode namespace_mode(std::string_view ns) const;
};

// Parses a policy document (already converted from YAML). Unknown keys, wrong
// types and unknown rule ids are errors naming the field ("rules.analysis/foo:
// unknown rule id"). `source` prefixes messages (a file name).
Status parse_policy(const json& doc, Policy* out);

// The embedded default policy, as YAML text (documented; equals Policy{}).
std::string_view default_policy_yaml();

// Reads a policy file's text (YAML or JSON, one document; empty = defaults)
// and parses it. Errors are prefixed with `file` ("policy.yaml:3:1: ..." for
// syntax, "policy.yaml: rules.foo/bar: unknown rule id" for fields). Never throws.
Status load_policy_text(std::string_view text, std::string_view file, Policy* out);

}  // namespace rg
