// analysis/rate-window
//
// rate(), increase() and irate() need several scrapes inside their range, and
// a measurement taken every `interval` should see the whole interval. A range
// shorter than max(4 x scrape interval, 2 x the metric's interval) returns
// nothing after a missed scrape, or judges a sliver of what happened.
#include <algorithm>

#include "policy/analysis/metric.h"
#include "policy/analysis/siblings.h"
#include "policy/argo.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

bool windowed(std::string_view f) {
  return f == "rate" || f == "increase" || f == "irate" || f == "delta" || f == "idelta" || f == "deriv";
}

std::string dur(int64_t ms) {
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

void walk(const promql::Expr& e, int64_t min_ms, const analysis::MetricAnalysis& m, const std::string& why,
          std::vector<Finding>* out) {
  if (e.kind == promql::Kind::kCall && windowed(e.text) && !e.args.empty() &&
      e.args[0]->kind == promql::Kind::kMatrixSelector) {
    int64_t range = e.args[0]->range_ms;
    // A range written as an {{args.*}} placeholder is only known at run time.
    const auto& sel = *e.args[0];
    if (!analysis::numeric_placeholder_in(m, sel.pos.start, sel.pos.end) && range < min_ms) {
      Finding f;
      f.path = analysis::query_path(m);
      f.message = analysis::metric_ref(m) + ": " + e.text + "() over [" + dur(range) + "] is shorter than " +
                  dur(min_ms) + " (" + why + ")";
      f.hint = "use a range of at least [" + dur(min_ms) + "]";
      out->push_back(std::move(f));
    }
  }
  e.for_each_child([&](const promql::Expr& c) { walk(c, min_ms, m, why, out); });
}

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  const auto tmpl_analysis = analysis::analysis_for(obj.doc, ctx);
  for (const auto& m : tmpl_analysis->metrics) {
    if (!m.parsed.ok()) continue;
    int64_t scrape_ms = int64_t{ctx.policy.scrape_interval_seconds} * 1000;
    int64_t min_ms = 4 * scrape_ms;
    std::string why = "4 x the " + dur(scrape_ms) + " scrape interval";
    int64_t ns = 0;
    if (!m.interval.empty() && argo::parse_go_duration(m.interval, &ns) && 2 * (ns / 1000000) > min_ms) {
      min_ms = 2 * (ns / 1000000);
      why = "2 x the metric's interval " + m.interval;
    }
    walk(*m.parsed.expr, min_ms, m, why, &out);
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_rate_window() {
  static const Rule r{
      .id = "analysis/rate-window",
      .default_action = Action::Warn,
      .summary = "rate windows must cover several scrapes and the measurement interval",
      .doc = "rate(), increase(), irate(), delta(), idelta() and deriv() need at least two samples in their "
             "range; with one missed scrape a short range returns nothing. And a measurement taken every "
             "interval should see the traffic of that interval. The range must be at least max(4 x the "
             "scrape interval, 2 x the metric's interval); the scrape interval is analysis.scrapeInterval in "
             "the policy (default 30s). Ranges given by {{args.*}} placeholders are not judged.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
