#include "server/reconcile/report.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace rg::reconcile {
namespace {

std::string category_of(std::string_view rule) {
  size_t slash = rule.find('/');
  return std::string(slash == std::string_view::npos ? rule : rule.substr(0, slash));
}

json result_for(const AuditedObject& o, const Finding& f) {
  const bool deny = f.action == Action::Deny;
  std::string message = f.message;
  if (!f.hint.empty()) message += "; fix: " + f.hint;
  json resource = {{"apiVersion", o.api_version}, {"kind", o.kind}, {"name", o.name}};
  if (!o.ns.empty()) resource["namespace"] = o.ns;
  if (!o.uid.empty()) resource["uid"] = o.uid;
  json props = json::object();
  if (!f.path.empty()) props["path"] = f.path;
  return {{"policy", "rollout-guard"},
          {"rule", f.rule},
          {"category", category_of(f.rule)},
          {"result", deny ? "fail" : "warn"},
          {"severity", deny ? "high" : "medium"},
          {"scored", true},
          {"source", "rollout-guard"},
          {"message", std::move(message)},
          {"properties", std::move(props)},
          {"resources", json::array({std::move(resource)})}};
}

using SortKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

SortKey sort_key(const json& r) {
  const json& res = r["resources"][0];
  return {res.value("kind", ""), res.value("name", ""), r.value("rule", ""),
          r["properties"].value("path", ""), r.value("message", "")};
}

}  // namespace

const kube::Resource& report_resource(std::string_view ns) {
  return ns.empty() ? resources::kClusterPolicyReports : resources::kPolicyReports;
}

std::string result_identity(const json& result) {
  if (!result.is_object()) return "";
  json copy = result;
  copy.erase("timestamp");
  return copy.dump();
}

json build_report(std::string_view ns, const std::vector<AuditedObject>& objects, const json& previous,
                  int64_t now_seconds, std::string_view name) {
  std::map<std::string, json> earlier;  // identity -> timestamp
  if (previous.is_object()) {
    if (auto it = previous.find("results"); it != previous.end() && it->is_array()) {
      for (const json& r : *it) {
        if (r.is_object() && r.contains("timestamp")) earlier.emplace(result_identity(r), r["timestamp"]);
      }
    }
  }
  std::vector<std::pair<SortKey, json>> results;
  int pass = 0;
  for (const AuditedObject& o : objects) {
    if (o.findings.empty()) ++pass;
    for (const Finding& f : o.findings) {
      if (f.action == Action::Off) continue;
      json r = result_for(o, f);
      results.emplace_back(sort_key(r), std::move(r));
    }
  }
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second.dump() < b.second.dump();
  });
  json out = json::array();
  int fail = 0, warn = 0;
  std::string last;
  for (auto& [key, r] : results) {
    std::string id = result_identity(r);
    if (id == last) continue;  // a rule said the same thing twice
    last = id;
    (r["result"] == "fail" ? fail : warn)++;
    auto e = earlier.find(id);
    r["timestamp"] = e != earlier.end() ? e->second : json{{"seconds", now_seconds}, {"nanos", 0}};
    out.push_back(std::move(r));
  }
  json meta = {{"name", std::string(name)}, {"labels", {{std::string(kManagedByLabel), "rollout-guard"}}}};
  if (!ns.empty()) meta["namespace"] = std::string(ns);
  const kube::Resource& r = report_resource(ns);
  return {{"apiVersion", r.api_version()},
          {"kind", std::string(r.kind)},
          {"metadata", std::move(meta)},
          {"summary", {{"pass", pass}, {"fail", fail}, {"warn", warn}, {"error", 0}, {"skip", 0}}},
          {"results", std::move(out)}};
}

std::string report_fingerprint(const json& report) {
  if (!report.is_object()) return "";
  json f = {{"summary", report.value("summary", json::object())}, {"results", json::array()}};
  if (auto it = report.find("results"); it != report.end() && it->is_array()) {
    for (const json& r : *it) f["results"].push_back(result_identity(r));
  }
  if (auto m = report.find("metadata"); m != report.end() && m->is_object()) {
    f["labels"] = m->value("labels", json::object());
  }
  return f.dump();
}

std::set<std::string> failing_identities(const json& report) {
  std::set<std::string> out;
  if (!report.is_object()) return out;
  if (auto it = report.find("results"); it != report.end() && it->is_array()) {
    for (const json& r : *it) {
      if (r.is_object() && r.value("result", "") == "fail") out.insert(result_identity(r));
    }
  }
  return out;
}

}  // namespace rg::reconcile
