// Plain YAML scalars as kubectl reads them.
//
// kubectl, client-go and Argo CD read manifests through sigs.k8s.io/yaml:
// go-yaml v2 resolves every untagged plain scalar by YAML 1.1 rules, then the
// result is marshalled to JSON, which is what the API server stores and what
// the webhook sees. So `hostNetwork: yes` reaches the cluster as `true`,
// `mode: 0644` as `420`, `replicas: 1_000` as `1000` and `ratio: 1.0` as `1`.
// These functions give that JSON for one scalar, so `check` judges the object
// the cluster would really receive. The full table is in docs/cli.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::yaml11 {

// The Go value go-yaml v2 gives a plain scalar decoded into interface{}.
struct Scalar {
  enum class Kind { kString, kNull, kBool, kInt, kUint, kFloat };
  Kind kind = Kind::kString;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
};

// go-yaml v2's resolve() for a plain scalar without a tag. Timestamps stay
// strings (go-yaml v2 keeps them text for interface{} targets).
Scalar resolve_plain(std::string_view text);

// The value as kubectl sends it: the JSON text encoding/json writes, read
// back as nlohmann reads it (so a float with an integral value below 1e21 is
// an integer). False, with the reason in *why, for NaN and the infinities,
// which encoding/json refuses ("json: unsupported value").
bool to_json(const Scalar& s, nlohmann::json* out, std::string* why);

// The text of a mapping key, as sigs.k8s.io/yaml turns a resolved key into a
// JSON object key: booleans "true"/"false", integers in decimal, floats as Go
// formats them ('g', float32 precision). False, with the reason in *why, for
// the keys kubectl refuses: null (`~`, `null`, empty) and integers above
// 2^63-1.
bool key_text(const Scalar& s, std::string_view text, std::string* out, std::string* why);

// go-yaml v2's resolve() for a scalar with an explicit standard tag
// ("tag:yaml.org,2002:int", ...), whatever its quoting: false when the text
// is not of that type. !!str, !!binary, !!timestamp and tags outside
// yaml.org give the text as a string.
bool resolve_tagged(std::string_view tag, std::string_view text, Scalar* out);

}  // namespace rg::yaml11
