// The pure half of the live preflight: Prometheus /api/v1/query answers into
// the `result` Argo's conditions see, and Argo's {{args.*}} substitution.
#include "policy/analysis/prometheus_result.h"

#include <cmath>

#include <gtest/gtest.h>

#include "policy/analysis/metric.h"

namespace rg::analysis {
namespace {

PrometheusResult parse(const std::string& body, int status = 200) { return parse_prometheus_response(body, status); }

std::string vector_body(const std::vector<std::string>& values) {
  std::string r;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) r += ",";
    r += R"({"metric":{"code":"200","handler":"/api/)" + std::to_string(i) + R"("},"value":[1700000000.123,")" +
         values[i] + R"("]})";
  }
  return R"({"status":"success","data":{"resultType":"vector","result":[)" + r + "]}}";
}

TEST(PrometheusResult, VectorBecomesListOfFloats) {
  auto r = parse(vector_body({"0.5", "1", "1e-05"}));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.type, "vector");
  EXPECT_EQ(r.values, (std::vector<double>{0.5, 1, 1e-05}));
  EXPECT_TRUE(r.value.is_float_vector());
  EXPECT_EQ(r.value.type_name(), "[]float64");
  EXPECT_FALSE(r.empty());
  EXPECT_FALSE(r.nan());
  EXPECT_EQ(r.text(), "[0.5,1,0.00001]");  // Go's FormatFloat(v, 'f', -1, 64), as Argo records it
}

TEST(PrometheusResult, EmptyVector) {
  auto r = parse(R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.nan());
  EXPECT_TRUE(r.value.as_list().empty());
  EXPECT_EQ(r.text(), "[]");
}

TEST(PrometheusResult, NaNAndInfinities) {
  auto r = parse(vector_body({"NaN", "+Inf", "-Inf"}));
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.values.size(), 3u);
  EXPECT_TRUE(std::isnan(r.values[0]));
  EXPECT_TRUE(std::isinf(r.values[1]) && r.values[1] > 0);
  EXPECT_TRUE(std::isinf(r.values[2]) && r.values[2] < 0);
  EXPECT_TRUE(r.nan());
  EXPECT_FALSE(r.empty());
  EXPECT_EQ(r.text(), "[NaN,+Inf,-Inf]");
}

TEST(PrometheusResult, ScalarBecomesFloat) {
  auto r = parse(R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.type, "scalar");
  EXPECT_EQ(r.value.kind(), condition::Value::Kind::kFloat);
  EXPECT_EQ(r.value.as_float(), 0.25);
  EXPECT_FALSE(r.empty());  // a scalar is never "no data"
  EXPECT_EQ(r.text(), "0.25");

  auto n = parse(R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"NaN"]}})");
  ASSERT_TRUE(n.ok) << n.error;
  EXPECT_TRUE(std::isnan(n.value.as_float()));
  EXPECT_TRUE(n.nan());
  EXPECT_EQ(n.text(), "NaN");
}

TEST(PrometheusResult, MatrixAndStringAreErrorsAsInArgo) {
  auto m = parse(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}})");
  EXPECT_FALSE(m.ok);
  EXPECT_EQ(m.type, "matrix");
  EXPECT_NE(m.error.find("returns a matrix"), std::string::npos) << m.error;
  EXPECT_NE(m.error.find("only vector and scalar"), std::string::npos) << m.error;

  auto s = parse(R"({"status":"success","data":{"resultType":"string","result":[1,"hello"]}})");
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.error.find("returns a string"), std::string::npos) << s.error;
}

TEST(PrometheusResult, PrometheusErrorsKeepTheirMessage) {
  auto r = parse(R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"})", 400);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "Prometheus returned an error (bad_data): 1:5: parse error: unexpected end of input");

  auto e = parse(R"({"status":"error","errorType":"execution","error":"many-to-many matching not allowed"})", 422);
  EXPECT_FALSE(e.ok);
  EXPECT_NE(e.error.find("(execution): many-to-many"), std::string::npos) << e.error;
}

TEST(PrometheusResult, HttpErrorsWithoutJson) {
  auto r = parse("<html>502 Bad Gateway</html>\n", 502);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "HTTP 502: <html>502 Bad Gateway</html>");
  auto empty = parse("", 404);
  EXPECT_EQ(empty.error, "HTTP 404");
  // Valid JSON but not a success, and a non-200 status: the status is named.
  auto odd = parse(R"({"status":"success","data":{"resultType":"vector","result":[]}})", 500);
  EXPECT_FALSE(odd.ok);
  EXPECT_EQ(odd.error.rfind("HTTP 500: ", 0), 0u) << odd.error;
}

TEST(PrometheusResult, MalformedJsonIsAClearError) {
  for (const std::string body : {"", "{", "not json", "[1,2]", "\"text\"", R"({"status":"success"})",
                                 R"({"status":"success","data":{"result":[]}})",
                                 R"({"status":"success","data":{"resultType":"vector"}})",
                                 R"({"status":"weird","data":{}})",
                                 R"({"status":"success","data":{"resultType":"vector","result":{}}})",
                                 R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1]}]}})",
                                 R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}})",
                                 R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"abc"]}]}})",
                                 R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"+-1"]}]}})",
                                 R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1x"]}]}})",
                                 R"({"status":"success","data":{"resultType":"scalar","result":["x","1"]}})",
                                 R"({"status":"success","data":{"resultType":"histogram","result":[]}})"}) {
    auto r = parse(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_FALSE(r.error.empty()) << body;
    EXPECT_FALSE(r.empty()) << body;
  }
  EXPECT_EQ(parse("not json").error, "response is not a JSON object: not json");
  EXPECT_EQ(parse("").error, "response is not a JSON object: (empty body)");
  EXPECT_EQ(parse(R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"abc"]}]}})").error,
            "data.result[0].value is not [timestamp, \"number\"]");
}

TEST(PrometheusResult, SignedNumbers) {
  auto r = parse(vector_body({"-0.5", "+2", "1e3"}));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.values, (std::vector<double>{-0.5, 2, 1000}));
}

TEST(FormatSample, LikeGo) {
  EXPECT_EQ(format_sample(0), "0");
  EXPECT_EQ(format_sample(0.1), "0.1");
  EXPECT_EQ(format_sample(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format_sample(12345678), "12345678");
  EXPECT_EQ(format_sample(NAN), "NaN");
  EXPECT_EQ(format_sample(-INFINITY), "-Inf");
}

json tmpl_with_args(json args) {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "AnalysisTemplate"},
          {"metadata", {{"name", "t"}}},
          {"spec", {{"args", args}, {"metrics", json::array()}}}};
}

TEST(TemplateArgs, CommandLineWinsOverDefaultsAndUndeclaredAreIgnored) {
  json t = tmpl_with_args({{{"name", "service-name"}},
                           {{"name", "window"}, {"value", "2m"}},
                           {{"name", "threshold"}, {"value", "0.99"}},
                           {{"name", "token"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "k"}}}}}},
                           {{"name", "hash"}, {"valueFrom", {{"podTemplateHashValue", "Latest"}}}}});
  auto a = template_args(t, {{"service-name", "catalog"}, {"threshold", "0.95"}, {"other", "x"}});
  EXPECT_EQ(a.values, (std::map<std::string, std::string>{{"service-name", "catalog"}, {"window", "2m"},
                                                          {"threshold", "0.95"}}));
  ASSERT_EQ(a.unset.size(), 2u);
  EXPECT_NE(a.unset.at("token").find("Secret"), std::string::npos);
  EXPECT_NE(a.unset.at("hash").find("podTemplateHashValue"), std::string::npos);
  EXPECT_EQ(template_args(json::object(), {{"a", "b"}}).values.size(), 0u);  // no spec.args: nothing declared
}

TEST(ResolveArgs, SubstitutesTrimmedTags) {
  json t = tmpl_with_args({{{"name", "service-name"}}, {{"name", "window"}, {"value", "2m"}}});
  auto a = template_args(t, {{"service-name", "catalog"}});
  std::string out, err;
  ASSERT_TRUE(resolve_args(R"(sum(rate(x{service="{{args.service-name}}"}[{{ args.window }}])))", a, &out, &err)) << err;
  EXPECT_EQ(out, R"(sum(rate(x{service="catalog"}[2m])))");
  ASSERT_TRUE(resolve_args("up", a, &out, &err));
  EXPECT_EQ(out, "up");
  ASSERT_TRUE(resolve_args("", a, &out, &err));
  EXPECT_EQ(out, "");
  // A value with quotes or braces goes in verbatim, like Argo's.
  auto b = template_args(t, {{"service-name", "a\"}}{{b"}});
  ASSERT_TRUE(resolve_args("{{args.service-name}}", b, &out, &err)) << err;
  EXPECT_EQ(out, "a\"}}{{b");
}

TEST(ResolveArgs, MissingArgsNameTheArg) {
  json t = tmpl_with_args({{{"name", "service-name"}}});
  auto a = template_args(t, {});
  std::string out = "unchanged", err;
  EXPECT_FALSE(resolve_args(R"(x{service="{{args.service-name}}"})", a, &out, &err));
  EXPECT_EQ(err, "argument \"service-name\" has no value: pass --arg service-name=VALUE");
  EXPECT_EQ(out, "unchanged");

  EXPECT_FALSE(resolve_args(R"(x{service="{{args.svc}}"})", a, &out, &err));
  EXPECT_EQ(err, "failed to resolve {{args.svc}}: the template declares no arg \"svc\" in spec.args");

  EXPECT_FALSE(resolve_args("x{a=\"{{args.service-name\"}", template_args(t, {{"service-name", "c"}}), &out, &err));
  EXPECT_EQ(err, "unterminated \"{{\" at offset 5");

  EXPECT_FALSE(resolve_args("{{ metric.name }}", a, &out, &err));
  EXPECT_NE(err.find("failed to resolve {{ metric.name }}"), std::string::npos) << err;
}

// A real answer through measure(): the outcome the live preflight reports,
// with the semantics the static scenarios use.
TEST(PrometheusResult, MeasuredLikeTheScenarios) {
  json t = {{"apiVersion", "argoproj.io/v1alpha1"},
            {"kind", "AnalysisTemplate"},
            {"metadata", {{"name", "t"}}},
            {"spec",
             {{"metrics",
               {{{"name", "rate"},
                 {"successCondition", "result[0] >= 0.99"},
                 {"provider", {{"prometheus", {{"query", "sum(rate(x[2m]))"}}}}}},
                {{"name", "errors"},
                 {"failureCondition", "result[0] > 0.05"},
                 {"provider", {{"prometheus", {{"query", "sum(rate(x[2m]))"}}}}}}}}}}};
  Policy p;
  auto ta = analyze_template(t, p);
  ASSERT_EQ(ta.metrics.size(), 2u);
  std::string err;
  EXPECT_EQ(measure(ta.metrics[0], parse(vector_body({"0.995"})).value, &err), Outcome::kSuccessful);
  EXPECT_EQ(measure(ta.metrics[0], parse(vector_body({"0.5"})).value, &err), Outcome::kFailed);
  EXPECT_EQ(measure(ta.metrics[0], parse(vector_body({})).value, &err), Outcome::kError);
  EXPECT_FALSE(err.empty());
  EXPECT_EQ(measure(ta.metrics[0], parse(vector_body({"NaN"})).value, &err), Outcome::kFailed);
  // failureCondition only: NaN > 0.05 is false, so the measurement passes.
  EXPECT_EQ(measure(ta.metrics[1], parse(vector_body({"NaN"})).value, &err), Outcome::kSuccessful);
  EXPECT_EQ(measure(ta.metrics[1], parse(vector_body({"0.2"})).value, &err), Outcome::kFailed);
}

}  // namespace
}  // namespace rg::analysis
