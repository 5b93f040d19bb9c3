// Reading Argo Rollouts values the way the controller (Go) reads them.
//
// Small, pure helpers shared by the rollout/* and analysis/* rules: Go's
// duration syntax ("1m30s"), Kubernetes IntOrString values ("25%", 3, "3"),
// a pause step's duration, and Argo's field-error message format. None of
// them throws; a JSON value of the wrong type reads as absent.
//
// Which (Cluster)AnalysisTemplates a Rollout references (steps, background,
// pre/post-promotion, experiment analyses) is answered by
// analysis_template_refs() in policy/rollout_refs.h; it is not repeated here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/object.h"

namespace rg::argo {

// Parses a Go duration string exactly as time.ParseDuration: an optional
// sign, then one or more decimal numbers each with a unit (ns, us, µs, ms, s,
// m, h), e.g. "300ms", "1.5h", "2h45m"; "0" alone needs no unit. On success
// sets *nanos and returns true. On failure returns false and, when error is
// not null, sets Go's message (`time: unknown unit "x" in duration "1x"`,
// `time: missing unit in duration "10"`, `time: invalid duration "abc"`).
bool parse_go_duration(std::string_view s, int64_t* nanos, std::string* error = nullptr);

// A JSON number that holds an integer (1, 1.0), else nullopt. Strings,
// booleans and fractions are not integers.
std::optional<int64_t> json_int(const json* v);

// IntOrString.IntValue(): an integer as is; a string as its base-10 integer
// value, or 0 when it is not one ("25%", "{{args.count}}"); 0 for anything
// else (absent, null, bool, object).
int64_t int_or_string_value(const json* v);

// Argo's getIntOrPercentValue for maxSurge / maxUnavailable: "25%" -> 25,
// otherwise int_or_string_value().
int64_t int_or_percent_value(const json* v);

// RolloutPause.DurationSeconds(): 0 when there is no duration; an integer as
// seconds; a string as integer seconds ("30") or a Go duration ("1m" -> 60,
// truncated to whole seconds); -1 when the string is neither. Values of other
// JSON types read as -1 too (the controller could not decode them).
int64_t pause_duration_seconds(const json* duration);

// True when a string still holds an Argo argument placeholder ("{{args.x}}"),
// so its final value is only known when the AnalysisRun is created.
bool has_placeholder(std::string_view s);

// Go's quoting of a string value in a field error ("\"abc\"").
std::string go_quote(std::string_view s);

// Argo's (k8s field.Error) message forms, so findings read like the
// controller's InvalidSpec condition:
//   invalid(p, v, d)   -> "<p>: Invalid value: <v>: <d>"
//   required(p, d)     -> "<p>: Required value: <d>"   ("<p>: Required value" when d is empty)
//   internal(p, d)     -> "<p>: Internal error: <d>"
//   forbidden(p, d)    -> "<p>: Forbidden: <d>"
//   duplicate(p, v)    -> "<p>: Duplicate value: <v>"
// `v` is already formatted (a number, go_quote(s), or short JSON).
std::string field_invalid(std::string_view path, std::string_view value, std::string_view detail);
std::string field_required(std::string_view path, std::string_view detail);
std::string field_internal(std::string_view path, std::string_view detail);
std::string field_forbidden(std::string_view path, std::string_view detail);
std::string field_duplicate(std::string_view path, std::string_view value);

// Kubernetes resource.Quantity syntax ("100m", "1Gi", "1e3", "0.5"). A JSON
// number is always a valid quantity.
bool is_valid_quantity(const json& v);
// The message Kubernetes gives for a malformed quantity.
inline constexpr std::string_view kQuantityFormatMessage =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

}  // namespace rg::argo
