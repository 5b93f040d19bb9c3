// Policy: what the operator chose. Rule modes, thresholds, the Pod Security
// level and version, namespace modes, which rules an annotation may exempt
// and default (mutation) switches.
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

// Rule patterns, as in `rules:` keys and `exemptions.rules`: an exact id
// ("analysis/sample-plan") or a family ending in "/*" ("pod-security/*",
// which matches every id starting with "pod-security/").
bool rule_pattern_matches(std::string_view pattern, std::string_view rule_id);
// True when the pattern matches at least one rule of the catalog.
bool rule_pattern_known(std::string_view pattern);

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

  // Which rules the rollout-guard.io/exempt annotation may exempt (rule
  // patterns); with exemption_annotations false it exempts nothing. Every
  // family except pod-security/* by default: the Pod Security Standard is the
  // cluster's guarantee, not something the author of an object may lift.
  bool exemption_annotations = true;
  std::vector<std::string> exemptable_rules = {"analysis/*", "hpa/*",      "keda/*",
                                               "policy/*",   "replicas/*", "rollout/*"};

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
  // Whether the rollout-guard.io/exempt annotation may exempt this rule.
  // The one answer to that question: evaluate(), the mutating defaults and
  // policy/exemption-not-allowed all ask here.
  bool annotation_may_exempt(std::string_view rule_id) const;
};

// Parses a policy document (already converted from YAML: manifests/policy_file.h
// reads the text). Unknown keys, wrong
// types and unknown rule ids are errors naming the field ("rules.analysis/foo:
// unknown rule id"). `source` prefixes messages (a file name).
Status parse_policy(const json& doc, Policy* out);

// The embedded default policy, as YAML text (documented; equals Policy{}).
std::string_view default_policy_yaml();

}  // namespace rg
