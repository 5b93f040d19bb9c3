#include "policy/analysis/prometheus_result.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace rg::analysis {

TemplateArgs template_args(const json& tmpl, const std::map<std::string, std::string>& given) {
  TemplateArgs out;
  const json* args = child(tmpl, {"spec", "args"});
  if (args == nullptr || !args->is_array()) return out;
  for (const json& a : *args) {
    std::string name(str_or(child(a, "name")));
    if (name.empty()) continue;
    if (auto it = given.find(name); it != given.end()) {
      out.values[name] = it->second;
      continue;
    }
    if (const json* v = child(a, "value"); v != nullptr && v->is_string()) {
      out.values[name] = v->get<std::string>();
      continue;
    }
    std::string why = "has no value";
    if (const json* from = child(a, "valueFrom"); from != nullptr && from->is_object()) {
      if (child(*from, "secretKeyRef") != nullptr) why = "takes its value from a Secret (valueFrom.secretKeyRef)";
      else if (child(*from, "fieldRef") != nullptr) why = "takes its value from the Rollout (valueFrom.fieldRef)";
      else if (child(*from, "podTemplateHashValue") != nullptr)
        why = "takes its value from the ReplicaSet (valueFrom.podTemplateHashValue)";
      else why = "takes its value from valueFrom";
    }
    out.unset[name] = why;
  }
  return out;
}

bool resolve_args(std::string_view text, const TemplateArgs& args, std::string* out, std::string* error) {
  std::string result;
  result.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      result.append(text.substr(pos));
      break;
    }
    result.append(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      *error = "unterminated \"{{\" at offset " + std::to_string(open);
      return false;
    }
    std::string_view tag = text.substr(open + 2, close - open - 2);
    std::string_view trimmed = tag;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    while (!trimmed.empty() && space(trimmed.front())) trimmed.remove_prefix(1);
    while (!trimmed.empty() && space(trimmed.back())) trimmed.remove_suffix(1);
    constexpr std::string_view kPrefix = "args.";
    if (trimmed.substr(0, kPrefix.size()) != kPrefix) {
      *error = "failed to resolve {{" + std::string(tag) + "}}: only {{args.NAME}} is substituted in a query";
      return false;
    }
    std::string name(trimmed.substr(kPrefix.size()));
    if (auto it = args.values.find(name); it != args.values.end()) {
      result.append(it->second);
    } else if (auto un = args.unset.find(name); un != args.unset.end()) {
      *error = "argument \"" + name + "\" " + un->second + ": pass --arg " + name + "=VALUE";
      return false;
    } else {
      *error = "failed to resolve {{" + std::string(tag) + "}}: the template declares no arg \"" + name +
               "\" in spec.args";
      return false;
    }
    pos = close + 2;
  }
  *out = std::move(result);
  return true;
}

std::string format_sample(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Go's strconv.FormatFloat(v, 'f', -1, 64), as Prometheus and Argo print.
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (r.ec != std::errc()) return "?";
  return std::string(buf, r.ptr);
}

bool PrometheusResult::nan() const {
  for (double v : values) {
    if (std::isnan(v)) return true;
  }
  return false;
}

std::string PrometheusResult::text() const {
  if (!ok) return "";
  if (type == "scalar") return values.empty() ? "" : format_sample(values[0]);
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) s += ",";
    s += format_sample(values[i]);
  }
  return s + "]";
}

namespace {

// Prometheus' sample strings (Go's strconv.ParseFloat accepts the same).
bool parse_sample(const json& v, double* out) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "NaN") { *out = std::numeric_limits<double>::quiet_NaN(); return true; }
  if (s == "+Inf" || s == "Inf") { *out = std::numeric_limits<double>::infinity(); return true; }
  if (s == "-Inf") { *out = -std::numeric_limits<double>::infinity(); return true; }
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (first != last && *first == '+') {
    ++first;
    if (first != last && *first == '-') return false;  // "+-1"
  }
  auto r = std::from_chars(first, last, *out);
  return r.ec == std::errc() && r.ptr == last;
}

// A [timestamp, "value"] pair.
bool parse_pair(const json& pair, double* out) {
  return pair.is_array() && pair.size() == 2 && pair[0].is_number() && parse_sample(pair[1], out);
}

PrometheusResult fail(std::string message, std::string type = "") {
  PrometheusResult r;
  r.error = std::move(message);
  r.type = std::move(type);
  return r;
}

std::string snippet(std::string_view body) {
  constexpr size_t kMax = 200;
  std::string s;
  for (char c : body.substr(0, kMax)) s += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (body.size() > kMax) s += "...";
  return s;
}

}  // namespace

PrometheusResult parse_prometheus_response(std::string_view body, int http_status) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  std::string http = "HTTP " + std::to_string(http_status);
  if (doc.is_discarded() || !doc.is_object()) {
    if (http_status != 200) return fail(http + (body.empty() ? "" : ": " + snippet(body)));
    return fail("response is not a JSON object: " + (body.empty() ? std::string("(empty body)") : snippet(body)));
  }
  std::string_view status = str_or(child(doc, "status"));
  if (status == "error") {
    std::string type(str_or(child(doc, "errorType")));
    std::string message(str_or(child(doc, "error")));
    return fail("Prometheus returned an error" + (type.empty() ? "" : " (" + type + ")") + ": " +
                (message.empty() ? http : message));
  }
  if (http_status != 200) return fail(http + ": " + snippet(body));
  if (status != "success") return fail("response has no \"status\": \"success\": " + snippet(body));
  const json* data = child(doc, "data");
  if (data == nullptr || !data->is_object()) return fail("response has no \"data\" object");
  std::string type(str_or(child(*data, "resultType")));
  const json* result = child(*data, "result");
  if (type.empty()) return fail("response has no data.resultType");
  if (result == nullptr) return fail("response has no data.result");

  PrometheusResult r;
  r.type = type;
  if (type == "vector") {
    if (!result->is_array()) return fail("data.result of a vector is not an array", type);
    for (size_t i = 0; i < result->size(); ++i) {
      const json* pair = child((*result)[i], "value");
      double v = 0;
      if (pair == nullptr || !parse_pair(*pair, &v))
        return fail("data.result[" + std::to_string(i) + "].value is not [timestamp, \"number\"]", type);
      r.values.push_back(v);
    }
    r.value = condition::Value::vector(r.values);
  } else if (type == "scalar") {
    double v = 0;
    if (!parse_pair(*result, &v)) return fail("data.result of a scalar is not [timestamp, \"number\"]", type);
    r.values.push_back(v);
    r.value = condition::Value::number(v);
  } else if (type == "matrix" || type == "string") {
    // Argo: "Prometheus metric type not supported".
    return fail("the query returns a " + type + "; Argo supports only vector and scalar results", type);
  } else {
    return fail("unknown resultType \"" + type + "\"", type);
  }
  r.ok = true;
  return r;
}

}  // namespace rg::analysis
