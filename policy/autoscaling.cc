#include "policy/autoscaling.h"

#include <cctype>
#include <charconv>

#include "policy/eval_cache.h"

namespace rg {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

constexpr std::string_view kKedaHpaPrefix = "keda-hpa-";

std::string_view kind_name(AutoscalerKind k) {
  switch (k) {
    case AutoscalerKind::Hpa: return "HorizontalPodAutoscaler";
    case AutoscalerKind::ScaledObject: return "ScaledObject";
    case AutoscalerKind::None: break;
  }
  return "object";
}

// The name KEDA gives the HPA it generates for a ScaledObject.
std::string generated_hpa_name(const Object& so) {
  std::string_view custom = str_or(child(so.doc, {"spec", "advanced", "horizontalPodAutoscalerConfig", "name"}));
  if (!custom.empty()) return std::string(custom);
  return std::string(kKedaHpaPrefix) + std::string(so.name());
}

}  // namespace

std::string_view api_group(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return "";
  return api_version.substr(0, slash);
}

AutoscalerKind autoscaler_kind(const Object& obj) {
  if (obj.kind() == "HorizontalPodAutoscaler" && obj.group() == "autoscaling") return AutoscalerKind::Hpa;
  if (obj.kind() == "ScaledObject" && obj.group() == "keda.sh") return AutoscalerKind::ScaledObject;
  return AutoscalerKind::None;
}

bool ScaleTarget::same_as(const ScaleTarget& other) const {
  return group == other.group && iequals(kind, other.kind) && ns == other.ns && name == other.name;
}

bool ScaleTarget::is_rollout() const { return iequals(kind, "Rollout") && group == "argoproj.io"; }
bool ScaleTarget::is_deployment() const { return iequals(kind, "Deployment") && group == "apps"; }

std::string ScaleTarget::str() const { return kind + " \"" + name + "\""; }

std::optional<ScaleTarget> scale_target(const Object& autoscaler) {
  AutoscalerKind k = autoscaler_kind(autoscaler);
  if (k == AutoscalerKind::None) return std::nullopt;
  const json* ref = child(autoscaler.doc, {"spec", "scaleTargetRef"});
  if (ref == nullptr) return std::nullopt;
  ScaleTarget t;
  t.api_version = str_or(child(*ref, "apiVersion"));
  t.kind = str_or(child(*ref, "kind"));
  t.name = str_or(child(*ref, "name"));
  t.ns = autoscaler.ns();
  if (k == AutoscalerKind::ScaledObject) {
    // KEDA: "apiVersion: Optional. Default: apps/v1", "kind: Optional. Default: Deployment".
    if (t.api_version.empty()) t.api_version = "apps/v1";
    if (t.kind.empty()) t.kind = "Deployment";
  }
  if (t.name.empty()) return std::nullopt;
  t.group = api_group(t.api_version);
  return t;
}

std::string owning_scaled_object(const Object& hpa, const Inventory& inv) {
  if (autoscaler_kind(hpa) != AutoscalerKind::Hpa) return "";
  std::string_view by_label = label(hpa.doc, "scaledobject.keda.sh/name");
  if (!by_label.empty()) return std::string(by_label);
  if (const json* owners = child(hpa.doc, {"metadata", "ownerReferences"}); owners && owners->is_array()) {
    for (const json& o : *owners) {
      if (str_or(child(o, "kind")) == "ScaledObject" && api_group(str_or(child(o, "apiVersion"))) == "keda.sh") {
        std::string_view n = str_or(child(o, "name"));
        if (!n.empty()) return std::string(n);
      }
    }
  }
  for (const Object* so : inv.list("ScaledObject", hpa.ns())) {
    if (autoscaler_kind(*so) == AutoscalerKind::ScaledObject && generated_hpa_name(*so) == hpa.name()) {
      return std::string(so->name());
    }
  }
  return "";
}

std::string ReplicaOwner::ref() const {
  std::string out(kind_name(kind));
  out += ' ';
  if (!ns.empty()) out += ns + "/";
  out += name;
  return out;
}

std::vector<ReplicaOwner> replica_owners(const ScaleTarget& target, const Inventory& inv, const Object* self,
                                         EvalCache* cache) {
  std::vector<ReplicaOwner> out;
  auto add = [&](const Object& obj) {
    std::optional<ScaleTarget> t = scale_target(obj);
    if (!t || !t->same_as(target)) return;
    ReplicaOwner o;
    o.kind = autoscaler_kind(obj);
    o.name = obj.name();
    o.ns = obj.ns();
    o.object = &obj;
    if (o.kind == AutoscalerKind::Hpa) {
      std::string so = owning_scaled_object(obj, inv);
      if (!so.empty()) {  // KEDA's own HPA: its ScaledObject is the owner
        o.kind = AutoscalerKind::ScaledObject;
        o.name = so;
        o.object = inv.find("keda.sh", "ScaledObject", o.ns, so);
      }
    }
    for (ReplicaOwner& seen : out) {
      if (seen.kind == o.kind && seen.name == o.name && seen.ns == o.ns) {
        if (seen.object == nullptr) seen.object = o.object;
        return;
      }
    }
    out.push_back(std::move(o));
  };
  auto is_self = [&](const Object* o) {
    return self != nullptr && o->kind() == self->kind() && o->ns() == self->ns() && o->name() == self->name();
  };
  if (self != nullptr) add(*self);
  if (cache != nullptr) {
    for (const Object* o : cache->autoscalers_of(target, inv)) {
      if (!is_self(o)) add(*o);
    }
    return out;
  }
  for (std::string_view kind : {std::string_view("HorizontalPodAutoscaler"), std::string_view("ScaledObject")}) {
    for (const Object* o : inv.list(kind, target.ns)) {
      if (!is_self(o)) add(*o);
    }
  }
  return out;
}

std::optional<long long> int_field(const json* j) {
  if (j == nullptr) return std::nullopt;
  if (j->is_number_integer()) return j->get<long long>();
  if (j->is_number_float()) {
    double d = j->get<double>();
    if (d > -1e15 && d < 1e15 && d == static_cast<double>(static_cast<long long>(d))) return static_cast<long long>(d);
    return std::nullopt;
  }
  if (j->is_string()) {
    const std::string& s = j->get_ref<const std::string&>();
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return v;
  }
  return std::nullopt;
}

}  // namespace rg
