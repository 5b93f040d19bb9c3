// The live preflight of `rollout-guard check --prometheus URL`: every
// Prometheus metric of every AnalysisTemplate / ClusterAnalysisTemplate of the
// run is sent as an instant query to that server, and its conditions are
// evaluated on the real answer with the measurement semantics the static
// scenarios use (analysis::measure), so the preflight and the honesty rules
// agree on what a given result means.
//
// The pure parts (args substitution, response parsing) are
// policy/analysis/prometheus_result.h; this file only does HTTP.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policy/analysis/metric.h"
#include "policy/analysis/prometheus_result.h"
#include "policy/object.h"
#include "policy/policy.h"

namespace rg::cli {

struct PreflightOptions {
  std::string url;                          // "" = no preflight; http(s)://host[:port][/prefix]
  std::map<std::string, std::string> args;  // --arg name=value
  double timeout_seconds = 10;              // per query: connect, send and read together
};

// One metric's answer. `error` is set exactly when outcome is kError.
struct PreflightResult {
  std::string kind;      // AnalysisTemplate or ClusterAnalysisTemplate
  std::string name;      // the template's
  std::string ns;        // "" for a ClusterAnalysisTemplate or when unset
  std::string metric;    // spec.metrics[].name
  std::string query;     // the query sent; as written when it could not be sent
  bool sent = false;     // the query reached the server (an HTTP answer came back)
  std::string file;
  int line = 0;
  analysis::PrometheusResult result;  // result.ok when the server answered with a usable result
  analysis::Outcome outcome = analysis::Outcome::kError;
  std::string error;
};

// Checks a --prometheus URL: http or https, a host, an optional port and path
// prefix; no user info, query or fragment. On success *base is the
// "scheme://host:port" part and *prefix the path without a trailing "/".
bool parse_prometheus_url(const std::string& url, std::string* base, std::string* prefix, std::string* error);

// Runs the preflight over the objects (templates in input order, metrics in
// spec order). Never throws; network errors become per-metric errors. A server
// that does not answer within the timeout once is not asked again: the other
// metrics get an error saying so instead of waiting again.
std::vector<PreflightResult> run_preflight(const std::vector<Object>& objects, const Policy& policy,
                                           const PreflightOptions& opts);

}  // namespace rg::cli
