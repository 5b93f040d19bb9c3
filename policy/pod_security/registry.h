// The PSA check registry: the only list of every Pod Security Standards check.
// Validated once (unique ids, known levels, strictly increasing versions,
// overrides only from restricted onto baseline checks) and answers "evaluate
// this pod at level L, version V" exactly as pod-security-admission's
// registry does:
//   - a version above the newest check revision (or "latest") means the newest;
//   - each check runs its newest revision whose minimum version <= V;
//   - baseline runs the baseline checks; restricted runs every baseline check
//     not overridden by an active restricted revision, plus the restricted
//     checks (baseline ids sorted first, then restricted ids sorted).
// Thread-safe after first use (immutable).
#pragma once

#include <string_view>
#include <vector>

#include "policy/pod_security/check.h"

namespace rg::psa {

// "baseline" / "restricted"; false on anything else.
bool parse_level(std::string_view s, Level* out);
std::string_view level_name(Level l);

class Registry {
 public:
  Registry();  // builds and validates; aborts on an invalid check list (a programming error)

  // Every check, in PSA order: baseline ids sorted, then restricted ids sorted.
  const std::vector<Check>& checks() const { return checks_; }
  const Check* find(std::string_view id) const;
  // The newest minimum version of any check ("latest" resolves to it).
  int max_minor() const { return max_minor_; }
  // "latest" -> max_minor(); "v1.NN" -> min(NN, max_minor()); -1 when malformed.
  int resolve_version(std::string_view version) const;

  // The revision of check `id` that runs at this level and version, or nullptr
  // when the check does not run (not yet introduced, restricted-only at
  // baseline, or overridden at restricted).
  CheckFn lookup(std::string_view id, Level level, int minor) const;
  // The same for checks()[index], from a table built once (no id search):
  // the pod-security rules ask it for every check of every evaluation.
  // minor must be in [0, max_minor()].
  CheckFn lookup_at(size_t index, Level level, int minor) const;
  // At restricted level: the id of the check that replaces `id` at this
  // version (e.g. hostPathVolumes -> restrictedVolumes), or `id` itself.
  std::string_view effective_id(std::string_view id, Level level, int minor) const;

  struct Evaluated {
    std::string_view id;
    Result result;
  };
  // Every check that runs at this level/version, in PSA order.
  std::vector<Evaluated> evaluate(const Pod& pod, Level level, int minor) const;

 private:
  const VersionedCheck* active(const Check& c, int minor) const;
  std::vector<Check> checks_;
  int max_minor_ = 0;
  // active_[level][minor][index]: lookup() for every check, level and version.
  std::vector<std::vector<CheckFn>> active_[2];
};

const Registry& registry();

}  // namespace rg::psa
