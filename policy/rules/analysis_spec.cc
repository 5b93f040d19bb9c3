// analysis/spec
//
// Argo Rollouts' metric validation (utils/analysis ValidateMetrics /
// ValidateMetric, and the dry-run, measurement-retention and argument
// merging checks an AnalysisRun creation makes) applied to AnalysisTemplate
// and ClusterAnalysisTemplate. Argo checks a template only when a Rollout
// first uses it, so a broken template fails a release mid-way; this rule says
// so at apply time. Restricted fields: spec.metrics (present, unique names,
// count / failureLimit / inconclusiveLimit / consecutiveErrorLimit /
// consecutiveSuccessLimit ranges, interval and initialDelay syntax, exactly
// one provider, job resource quantities), spec.dryRun and
// spec.measurementRetention (unique, matching some metric), spec.args (one
// value per name). Messages are Argo's: "AnalysisTemplate <name> has invalid
// metrics: metrics[0]: interval must be specified when count > 1".
//
// Values that still hold an argument placeholder ("{{args.interval}}") are
// only known when the run starts; their syntax is not checked here (Argo
// itself substitutes a dummy value and reads a non-number as 0).
//
// A dryRun / measurementRetention metricName is a Go regular expression that
// Argo searches for in each metric name (regexp.MatchString); here it runs on
// RE2, which has Go's syntax and matches in linear time. A pattern Go rejects
// matches nothing, so Argo reports that the rule matched no metric; the hint
// carries Go's parse error. Patterns longer than promql::kMaxRegexBytes or
// whose program exceeds RE2's memory bound, and rules beyond a bounded
// amount of regexp work per object (far above any real template), are not
// checked.
#include <map>
#include <set>

#include "policy/argo.h"
#include "policy/messages.h"
#include "policy/promql/regex.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

// Provider keys of MetricProvider (analysis-template CRD at the corpus
// commit, plus gcp from newer releases: accepting it avoids false denials).
constexpr std::string_view kProviders[] = {"prometheus", "job",       "web",      "wavefront",  "kayenta",
                                           "datadog",    "newRelic",  "cloudWatch", "graphite", "influxdb",
                                           "skywalking", "gcp"};

const json* set_field(const json& obj, std::string_view key) {
  const json* v = child(obj, key);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

std::string as_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return short_json(v);
}

// The regexp work one object may cost: each metricName pattern counts its
// compile cost, each search the metric name's bytes plus a fixed per-call
// cost. Real templates use a tiny fraction; a hostile one with thousands of
// rules and metrics, or patterns that expand to huge programs, stops here.
constexpr size_t kRegexpBudget = 8u << 20;
constexpr size_t kSearchCallCost = 64;

class Checker {
 public:
  explicit Checker(const Object& obj) {
    prefix_ = std::string(obj.kind()) + " " + std::string(obj.name().empty() ? "<unnamed>" : obj.name()) +
              " has invalid metrics: ";
    const json* s = child(obj.doc, "spec");
    spec_ = s != nullptr && s->is_object() ? s : &kEmpty;
  }

  std::vector<Finding> run() {
    check_metrics();
    check_rules("dryRun", "Dry-Run");
    check_rules("measurementRetention", "Measurement Retention");
    check_args();
    return std::move(out_);
  }

 private:
  static inline const json kEmpty = json::object();

  void add(std::string path, std::string message, std::string hint) {
    Finding f;
    f.path = std::move(path);
    f.message = std::move(message);
    f.hint = std::move(hint);
    out_.push_back(std::move(f));
  }
  // A ValidateMetric error for metrics[i].
  void metric_error(size_t i, std::string_view field, std::string_view err, std::string hint) {
    std::string p = path_index("spec.metrics", i);
    if (!field.empty()) p = path_key(p, field);
    add(p, prefix_ + "metrics[" + std::to_string(i) + "]: " + std::string(err), std::move(hint));
  }

  void check_metrics() {
    const json* metrics = set_field(*spec_, "metrics");
    if (metrics == nullptr || !metrics->is_array() || metrics->empty()) {
      add("spec.metrics", prefix_ + "no metrics specified", "add at least one metric with a provider and a successCondition");
      return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < metrics->size(); ++i) {
      const json& m = (*metrics)[i].is_object() ? (*metrics)[i] : kEmpty;
      std::string name(str_or(child(m, "name")));
      metric_names_.push_back(name);
      if (!names.insert(name).second) {
        metric_error(i, "name", "duplicate name '" + name + "'", "give every metric a unique name");
      }
      check_metric(m, i);
    }
  }

  void check_duration(const json& m, size_t i, std::string_view field, std::string_view label) {
    const json* v = set_field(m, field);
    if (v == nullptr) return;
    std::string text = as_text(*v);
    if (text.empty() || argo::has_placeholder(text)) return;
    std::string err;
    if (!argo::parse_go_duration(text, nullptr, &err)) {
      metric_error(i, field, "invalid " + std::string(label) + " string: " + err,
                   "use a Go duration such as \"30s\", \"5m\" or \"1h30m\" (a unit is required)");
    }
  }

  void check_metric(const json& m, size_t i) {
    int64_t count = argo::int_or_string_value(set_field(m, "count"));
    int64_t failure = argo::int_or_string_value(set_field(m, "failureLimit"));
    int64_t inconclusive = argo::int_or_string_value(set_field(m, "inconclusiveLimit"));
    int64_t success = argo::int_or_string_value(set_field(m, "consecutiveSuccessLimit"));
    const json* interval = set_field(m, "interval");
    bool has_interval = interval != nullptr && !as_text(*interval).empty();

    if (count > 0) {
      if (failure >= 0 && success >= 0 && count < failure + success) {
        metric_error(i, "count",
                     "count (" + std::to_string(count) + ") must be >= failureLimit + consecutiveSuccessLimit (" +
                         std::to_string(failure) + " + " + std::to_string(success) + ") if both >= 0",
                     "raise count to at least " + std::to_string(failure + success) + ", or lower the limits");
      }
      if (count < inconclusive) {
        metric_error(i, "count", "count must be >= inconclusiveLimit",
                     "raise count to at least " + std::to_string(inconclusive) + ", or lower inconclusiveLimit");
      }
    }
    if (count > 1 && !has_interval) {
      metric_error(i, "interval", "interval must be specified when count > 1",
                   "add interval (for example \"1m\") so the measurements are spread out");
    }
    check_duration(m, i, "interval", "interval");
    check_duration(m, i, "initialDelay", "startDelay");
    if (failure < -1) {
      metric_error(i, "failureLimit", "failureLimit must be >= 0, or -1 to be disabled", "set failureLimit to 0 or more");
    }
    if (inconclusive < 0) {
      metric_error(i, "inconclusiveLimit", "inconclusiveLimit must be >= 0", "set inconclusiveLimit to 0 or more");
    }
    if (const json* cel = set_field(m, "consecutiveErrorLimit"); cel != nullptr && argo::int_or_string_value(cel) < 0) {
      metric_error(i, "consecutiveErrorLimit", "consecutiveErrorLimit must be >= 0",
                   "set consecutiveErrorLimit to 0 or more (Argo's default is 4)");
    }
    if (success < 0) {
      metric_error(i, "consecutiveSuccessLimit", "consecutiveSuccessLimit must be >= 0",
                   "set consecutiveSuccessLimit to 0 (disabled) or more");
    }
    if (failure == -1 && success == 0) {
      metric_error(i, "failureLimit", "failureLimit and consecutiveSuccessLimit cannot both be disabled",
                   "set failureLimit to 0 or more, or set consecutiveSuccessLimit above 0");
    }
    check_provider(m, i);
  }

  void check_provider(const json& m, size_t i) {
    const json* provider = set_field(m, "provider");
    size_t n = 0;
    std::vector<std::string> found;
    if (provider != nullptr && provider->is_object()) {
      for (std::string_view key : kProviders) {
        if (set_field(*provider, key) != nullptr) {
          ++n;
          found.emplace_back(key);
        }
      }
      // Each plugin entry counts as one provider.
      if (const json* plugin = set_field(*provider, "plugin"); plugin != nullptr && plugin->is_object()) {
        for (auto it = plugin->begin(); it != plugin->end(); ++it) {
          ++n;
          found.push_back("plugin " + it.key());
        }
      }
    }
    if (n == 0) {
      metric_error(i, "provider", "no provider specified",
                   "add exactly one provider (prometheus, job, web, datadog, ...) under provider");
    } else if (n > 1) {
      metric_error(i, "provider", "multiple providers specified",
                   "keep one of " + join_quote(found) + "; split the others into their own metrics");
    }
    if (provider != nullptr) check_job_quantities(*provider, path_key(path_index("spec.metrics", i), "provider"));
  }

  // A job provider's pod template: a malformed quantity stops Argo from even decoding the template.
  void check_job_quantities(const json& provider, const std::string& base) {
    const json* pod = child(provider, {"job", "spec", "template", "spec"});
    if (pod == nullptr || !pod->is_object()) return;
    const std::string pbase = path_key(base, "job.spec.template.spec");
    for (std::string_view list : {"initContainers", "containers"}) {
      const json* cs = child(*pod, list);
      if (cs == nullptr || !cs->is_array()) continue;
      for (size_t c = 0; c < cs->size(); ++c) {
        for (std::string_view section : {"requests", "limits"}) {
          const json* q = child((*cs)[c], {"resources", section});
          if (q == nullptr || !q->is_object()) continue;
          for (auto it = q->begin(); it != q->end(); ++it) {
            if (argo::is_valid_quantity(it.value())) continue;
            std::string p = path_index(path_key(pbase, list), c) + ".resources." + std::string(section) + "." + it.key();
            add(p, argo::field_invalid(p, short_json(it.value()), argo::kQuantityFormatMessage),
                "use a Kubernetes quantity such as \"128Mi\" or \"250m\"");
          }
        }
      }
    }
  }

  // dryRun / measurementRetention: unique metricName rules, each matching a metric.
  void check_rules(std::string_view key, std::string_view label) {
    const json* rules = set_field(*spec_, key);
    if (rules == nullptr || !rules->is_array()) return;
    std::set<std::string> seen;
    for (size_t i = 0; i < rules->size(); ++i) {
      std::string name(str_or(child((*rules)[i], "metricName")));
      const std::string p = path_index(path_key("spec", key), i) + ".metricName";
      if (!seen.insert(name).second) {
        add(p, "two " + std::string(label) + " metric rules have the same name '" + name + "'",
            "remove the duplicate " + std::string(key) + " entry");
        continue;
      }
      if (argo::has_placeholder(name) || metric_names_.empty()) continue;
      const promql::GoRegexp re(name);
      if (!spend(re.compile_cost())) break;
      if (re.too_large()) continue;
      bool any = false, known = true;
      for (const std::string& metric : metric_names_) {
        if (!spend(metric.size() + kSearchCallCost)) {
          known = false;
          break;
        }
        if (re.search(metric)) {
          any = true;
          break;
        }
      }
      if (!known) continue;
      if (!any) {
        const std::string msg = std::string(key) + "[" + std::to_string(i) + "]: Rule didn't match any metric name(s)";
        if (re.invalid()) {
          add(p, msg, "metricName is not a valid Go regular expression (" + re.error() + "), so it matches no metric; "
                      "fix the pattern or use the metric's name");
        } else {
          add(p, msg, "metricName is a regular expression over spec.metrics[].name; use an existing name or \".*\"");
        }
      }
    }
  }

  // Argo merges template args by name; one name with two different values is an error.
  void check_args() {
    const json* args = set_field(*spec_, "args");
    if (args == nullptr || !args->is_array()) return;
    std::map<std::string, std::pair<const json*, size_t>> seen;
    for (size_t i = 0; i < args->size(); ++i) {
      const json& a = (*args)[i];
      std::string name(str_or(child(a, "name")));
      const json* value = set_field(a, "value");
      auto it = seen.find(name);
      if (it == seen.end()) {
        seen.emplace(name, std::make_pair(value, i));
        continue;
      }
      const json* prev = it->second.first;
      if (prev != nullptr && value != nullptr && as_text(*prev) != as_text(*value)) {
        const std::string p = path_index("spec.args", i);
        add(p,
            "Argument `" + name + "` specified multiple times with different values: '" + as_text(*prev) + "', '" +
                as_text(*value) + "'",
            "keep one spec.args entry named " + quote(name));
      } else if (prev == nullptr) {
        it->second = std::make_pair(value, i);
      }
    }
  }

  // Takes `cost` from the regexp budget; false once it is spent.
  bool spend(size_t cost) {
    if (cost > budget_) {
      budget_ = 0;
      return false;
    }
    budget_ -= cost;
    return true;
  }

  const json* spec_;
  size_t budget_ = kRegexpBudget;
  std::string prefix_;
  std::vector<std::string> metric_names_;
  std::vector<Finding> out_;
};

std::vector<Finding> check(const Object& obj, const Context&) {
  if (obj.group() != "argoproj.io") return {};
  try {
    return Checker(obj).run();
  } catch (const std::exception&) {
    // Reads are type-checked; this only guards allocation failures.
    return {};
  }
}

}  // namespace

const Rule& rule_analysis_spec() {
  static const Rule r{
      .id = "analysis/spec",
      .default_action = Action::Deny,
      .summary = "the (Cluster)AnalysisTemplate passes Argo Rollouts' metric validation",
      .doc = "Argo Rollouts validates an analysis template only when a Rollout starts an AnalysisRun from it, so a "
             "broken template fails the release mid-way. This rule runs Argo's metric validation at apply time, with "
             "Argo's wording: at least one metric, unique metric names, count >= failureLimit + "
             "consecutiveSuccessLimit (when both >= 0) and >= inconclusiveLimit, interval required when count > 1, "
             "interval and initialDelay in Go duration syntax, failureLimit >= 0 or -1 (disabled), "
             "inconclusiveLimit, consecutiveErrorLimit and consecutiveSuccessLimit >= 0, failureLimit and "
             "consecutiveSuccessLimit not both disabled, exactly one provider per metric, valid resource quantities "
             "in job providers, dryRun and measurementRetention rules that are unique and match a metric (metricName is a "
             "Go regular expression searched for in each metric name; one Go rejects matches nothing), and "
             "arguments that do not repeat a name with different values. Fix the field the finding names.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
