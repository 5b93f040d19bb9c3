#include "policy/rules/rules.h"

namespace rg {

std::vector<Rule> single_rules() {
  return {
      rule_policy_exemption_reason(),
      rule_policy_exemption_not_allowed(),
      rule_analysis_condition_missing(),
      rule_analysis_failure_limit(),
      rule_analysis_sample_plan(),
      rule_hpa_replica_range(),
      rule_keda_replica_range(),
      rule_replicas_fixed_replicas_with_autoscaler(),
      rule_replicas_multiple_owners(),
      rule_replicas_replaced_deployment_target(),
      rule_replicas_rollout_api_version(),
      rule_rollout_analysis_gate(),
      rule_rollout_analysis_template_ref(),
      rule_rollout_gate_order(),
      rule_rollout_manual_gate(),
      rule_rollout_step_analysis_indefinite(),
      rule_rollout_spec(),
      rule_analysis_spec(),
      rule_analysis_promql_syntax(),
      rule_analysis_condition_syntax(),
      rule_analysis_result_shape(),
      rule_analysis_no_data_guard(),
      rule_analysis_passes_on_silence(),
      rule_analysis_passes_on_idle(),
      rule_analysis_nan_unhandled(),
      rule_analysis_unbounded_grouping(),
      rule_analysis_rate_window(),
      rule_analysis_quantile_shape(),
  };
}

}  // namespace rg
