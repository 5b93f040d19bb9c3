// What the fast AdmissionReview reader (admission/review_reader.h) must build,
// from nlohmann's parser, and an exact comparison of documents: shared by the
// reader's tests and its differential fuzz target. Header-only and free of
// gtest, so the fuzz target can use it.
#pragma once

#include <cstring>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

namespace rg::test {

using json = nlohmann::json;

// Equal values of equal types (nlohmann's == calls 1, 1u and 1.0 equal).
inline bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !same(it.value(), jt.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) return std::memcmp(&a.get_ref<const double&>(), &b.get_ref<const double&>(), sizeof(double)) == 0;
  return a == b;
}

// What the reader should build: nlohmann's whole document minus the skipped
// places (review_reader.h): only apiVersion, kind and request at the top;
// only what parse_review reads in request; no status, managedFields or
// last-applied annotation in request.object.
inline json expected(const std::string& body) {
  json j = json::parse(body);
  if (!j.is_object()) return j;
  for (auto it = j.begin(); it != j.end();) {
    const std::string k = it.key();
    it = k == "apiVersion" || k == "kind" || k == "request" ? std::next(it) : j.erase(it);
  }
  if (!j.contains("request") || !j["request"].is_object()) return j;
  json& req = j["request"];
  for (auto it = req.begin(); it != req.end();) {
    const std::string k = it.key();
    const bool kept = k == "uid" || k == "operation" || k == "subResource" || k == "kind" || k == "namespace" ||
                      k == "name" || k == "dryRun" || k == "object";
    it = kept ? std::next(it) : req.erase(it);
  }
  if (req.contains("kind") && req["kind"].is_object()) {
    json& kind = req["kind"];
    for (auto it = kind.begin(); it != kind.end();) it = it.key() == "kind" ? std::next(it) : kind.erase(it);
  }
  if (req.contains("object") && req["object"].is_object()) req["object"].erase("status");
  if (req.contains("object") && req["object"].is_object() && req["object"].contains("metadata") &&
      req["object"]["metadata"].is_object()) {
    json& md = req["object"]["metadata"];
    md.erase("managedFields");
    if (md.contains("annotations") && md["annotations"].is_object()) {
      md["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
    }
  }
  return j;
}

}  // namespace rg::test
