// The pure half of the live preflight (`rollout-guard check --prometheus`):
// Argo's argument substitution in a metric's query, and a Prometheus
// /api/v1/query response turned into the `result` Argo hands to the
// conditions. The HTTP half is server/cli/preflight.h; the outcome itself is
// measure() (metric.h), shared with the static scenarios so both agree.
//
// Pure: no I/O; never throws.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "policy/condition/value.h"
#include "policy/object.h"

namespace rg::analysis {

// The values `{{args.NAME}}` resolves to for one template, as Argo merges them
// (analysisutil.MergeArgs): every arg declared in spec.args, with the value
// given on the command line (`given`) or else the template's spec.args[].value.
// Args given but not declared are ignored, as Argo ignores them. A declared
// arg with neither has no entry in `values`; its name goes to `unset` with why
// ("has no value", "takes its value from a Secret (valueFrom.secretKeyRef)").
struct TemplateArgs {
  std::map<std::string, std::string> values;
  std::map<std::string, std::string> unset;  // name -> why it has no value
};
TemplateArgs template_args(const json& tmpl, const std::map<std::string, std::string>& given);

// Replaces every `{{ TAG }}` in `text` like Argo's templateutil.ResolveArgs
// (fasttemplate with the tag trimmed): `args.NAME` becomes its value. On
// failure returns false and *error names the arg:
//   argument "service-name" has no value: pass --arg service-name=VALUE
//   failed to resolve {{args.svc}}: the template declares no arg "svc" in spec.args
//   unterminated "{{" at offset 12
bool resolve_args(std::string_view text, const TemplateArgs& args, std::string* out, std::string* error);

// One /api/v1/query answer, as Argo's Prometheus provider reads it
// (metricproviders/prometheus processResponse): a vector becomes a list of
// floats (Go []float64, condition::Value::vector), a scalar a float
// (Value::number). Sample values are Prometheus' strings: numbers, "NaN",
// "+Inf", "-Inf". Matrix and string results are errors, as in Argo.
struct PrometheusResult {
  bool ok = false;
  std::string error;             // when !ok: "Prometheus returned an error (bad_data): ..."
  std::string type;              // resultType as sent: "vector", "scalar", "matrix", "string" ("" unknown)
  std::vector<double> values;    // the samples (one for a scalar)
  condition::Value value;        // what the conditions see (when ok)
  bool empty() const { return ok && type == "vector" && values.empty(); }
  bool nan() const;              // some sample is NaN
  // Argo's measurement value: "[0.5,NaN]" for a vector, "0.5" for a scalar.
  std::string text() const;
};

// Parses a response body. `http_status` is the HTTP status code: Prometheus
// answers errors with 400/422/503 and a JSON body naming the error, which is
// preferred over the bare status when it parses.
PrometheusResult parse_prometheus_response(std::string_view body, int http_status = 200);

// A sample value as Prometheus writes it: "0.5", "NaN", "+Inf", "-Inf".
std::string format_sample(double v);

}  // namespace rg::analysis
