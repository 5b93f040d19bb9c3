// libFuzzer target for the condition language (scripts/fuzz.sh condition).
// Parses the input, inspects it, type-checks it and evaluates it against the
// result shapes the honesty analysis uses. Any crash, sanitizer report or
// exception is a bug: the library promises to return errors instead.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/condition/condition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rg::condition;
  std::string_view src(reinterpret_cast<const char*>(data), size);
  ParseResult p = parse(src);
  if (!p.ok) return 0;
  (void)inspect_result_usage(p.ast);
  (void)check(p.ast, Type::vector());
  (void)check(p.ast, Type::scalar());
  const double nan = std::nan("");
  const Value results[] = {Value(), Value::vector({}), Value::vector({nan}), Value::vector({0.5}),
                           Value::number(nan), Value::number(0.5), Value::string("1")};
  for (const Value& r : results) (void)evaluate(p.ast, r);
  return 0;
}
