// Every single rule of the catalog, one per file in policy/rules/. Each file
// defines `const Rule& rule_<area>_<what>()`; single_rules() (rules.cc) lists
// them. The pod-security family is built by policy/pod_security/rules.h.
#pragma once

#include <vector>

#include "policy/rule.h"

namespace rg {

const Rule& rule_policy_exemption_reason();
const Rule& rule_policy_exemption_not_allowed();
const Rule& rule_analysis_condition_missing();
const Rule& rule_analysis_failure_limit();
const Rule& rule_analysis_sample_plan();
const Rule& rule_hpa_replica_range();
const Rule& rule_keda_replica_range();
const Rule& rule_replicas_fixed_replicas_with_autoscaler();
const Rule& rule_replicas_multiple_owners();
const Rule& rule_replicas_replaced_deployment_target();
const Rule& rule_replicas_rollout_api_version();
const Rule& rule_rollout_analysis_gate();
const Rule& rule_rollout_analysis_template_ref();
const Rule& rule_rollout_gate_order();
const Rule& rule_rollout_manual_gate();
const Rule& rule_rollout_step_analysis_indefinite();
const Rule& rule_rollout_spec();
const Rule& rule_analysis_spec();
const Rule& rule_analysis_promql_syntax();
const Rule& rule_analysis_condition_syntax();
const Rule& rule_analysis_result_shape();
const Rule& rule_analysis_no_data_guard();
const Rule& rule_analysis_passes_on_silence();
const Rule& rule_analysis_passes_on_idle();
const Rule& rule_analysis_nan_unhandled();
const Rule& rule_analysis_unbounded_grouping();
const Rule& rule_analysis_rate_window();
const Rule& rule_analysis_quantile_shape();

std::vector<Rule> single_rules();

}  // namespace rg
