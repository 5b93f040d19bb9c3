// Reading manifests: multi-document YAML, JSON, Lists, lines, typing, and the
// bounds that keep bad input from crashing or hanging the reader.
#include "manifests/documents.h"

#include <string>

#include <gtest/gtest.h>

#include "manifests/policy_file.h"
#include "policy/policy.h"

namespace rg {
namespace {

std::string errors_of(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.str() + "\n";
  return out;
}

// Loading `text` gives exactly one error, on `line`, whose message contains `part`.
void expect_one_error(const std::string& text, const std::string& file, int line, const std::string& part) {
  LoadResult r = load_documents(text, file);
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, line) << r.errors[0].str();
  EXPECT_NE(r.errors[0].message.find(part), std::string::npos) << r.errors[0].str();
}

TEST(Documents, MultiDocumentYamlKeepsFileAndStartLine) {
  LoadResult r = load_documents(
      "# leading comment\n"
      "apiVersion: v1\n"
      "kind: ConfigMap\n"
      "metadata: {name: a}\n"
      "---\n"
      "\n"
      "apiVersion: argoproj.io/v1alpha1\n"
      "kind: Rollout\n"
      "metadata:\n"
      "  name: b\n",
      "m.yaml");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].where.file, "m.yaml");
  EXPECT_EQ(r.objects[0].where.line, 2);
  EXPECT_EQ(r.objects[0].name(), "a");
  EXPECT_EQ(r.objects[1].where.line, 7);
  EXPECT_EQ(r.objects[1].kind(), "Rollout");
  EXPECT_EQ(r.skipped, 0);
}

TEST(Documents, EmptyDocumentsAreIgnoredNotCounted) {
  LoadResult r = load_documents("---\n---\n# only a comment\n---\napiVersion: v1\nkind: Pod\n---\n", "e.yaml");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  EXPECT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.skipped, 0);
  LoadResult empty = load_documents("", "empty.yaml");
  EXPECT_TRUE(empty.objects.empty());
  EXPECT_TRUE(empty.errors.empty());
}

TEST(Documents, NonMappingsAndDocumentsWithoutKindAreSkipped) {
  LoadResult r = load_documents("- a\n- b\n---\njust text\n---\nfoo: bar\n---\napiVersion: v1\n---\nkind: Pod\n",
                                "s.yaml");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  EXPECT_TRUE(r.objects.empty());
  EXPECT_EQ(r.skipped, 5);
}

TEST(Documents, ListItemsBecomeObjectsWithTheirOwnLines) {
  LoadResult r = load_documents(
      "apiVersion: v1\n"
      "kind: List\n"
      "items:\n"
      "- apiVersion: v1\n"
      "  kind: Service\n"
      "  metadata: {name: s}\n"
      "- not-an-object\n"
      "-   apiVersion: apps/v1\n"
      "    kind: Deployment\n"
      "    metadata: {name: d}\n",
      "list.yaml");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].kind(), "Service");
  EXPECT_EQ(r.objects[0].where.line, 4);
  EXPECT_EQ(r.objects[1].kind(), "Deployment");
  EXPECT_EQ(r.objects[1].where.line, 8);
  EXPECT_EQ(r.skipped, 1);
}

TEST(Documents, TypedListKindsWork) {
  LoadResult r = load_documents(
      "apiVersion: argoproj.io/v1alpha1\nkind: RolloutList\nitems:\n- {apiVersion: argoproj.io/v1alpha1, kind: "
      "Rollout, metadata: {name: x}}\n",
      "rl.yaml");
  ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.objects[0].name(), "x");
  EXPECT_EQ(r.objects[0].where.line, 4);
}

TEST(Documents, JsonObjectArrayAndList) {
  LoadResult one = load_documents("\n{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}", "-");
  ASSERT_EQ(one.objects.size(), 1u) << errors_of(one);
  EXPECT_EQ(one.objects[0].where.line, 2);

  LoadResult arr = load_documents(
      "[\n"
      "  {\"apiVersion\": \"v1\", \"kind\": \"Pod\"},\n"
      "  42,\n"
      "  {\n"
      "    \"apiVersion\": \"v1\", \"kind\": \"Service\"}\n"
      "]\n",
      "a.json");
  ASSERT_TRUE(arr.errors.empty()) << errors_of(arr);
  ASSERT_EQ(arr.objects.size(), 2u);
  EXPECT_EQ(arr.objects[0].where.line, 2);
  EXPECT_EQ(arr.objects[1].where.line, 4);
  EXPECT_EQ(arr.skipped, 1);

  LoadResult list = load_documents(
      "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"metadata\": {\"items\": [1]},\n"
      " \"items\": [\n"
      "  {\"apiVersion\": \"v1\", \"kind\": \"Pod\"},\n"
      "  {\"apiVersion\": \"v1\", \"kind\": \"Service\"}]}\n",
      "l.json");
  ASSERT_EQ(list.objects.size(), 2u) << errors_of(list);
  EXPECT_EQ(list.objects[0].where.line, 3);
  EXPECT_EQ(list.objects[1].where.line, 4);
}

TEST(Documents, YamlFlowStyleThatIsNotJsonStillLoads) {
  LoadResult r = load_documents("{apiVersion: v1, kind: Pod}\n", "flow.yaml");
  ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.objects[0].kind(), "Pod");
}

// Every spelling of a plain scalar, and the JSON value kubectl sends for it
// (go-yaml v2 resolution, then encoding/json; see manifests/yaml_scalars.h).
struct Spelling {
  const char* yaml;
  json sent;
};

const Spelling kSpellings[] = {
    // YAML 1.1 booleans
    {"y", true}, {"Y", true}, {"yes", true}, {"Yes", true}, {"YES", true},
    {"true", true}, {"True", true}, {"TRUE", true}, {"on", true}, {"On", true}, {"ON", true},
    {"n", false}, {"N", false}, {"no", false}, {"No", false}, {"NO", false},
    {"false", false}, {"False", false}, {"FALSE", false}, {"off", false}, {"Off", false}, {"OFF", false},
    // mixed case is text
    {"yEs", "yEs"}, {"tRUE", "tRUE"}, {"oN", "oN"}, {"nO", "nO"},
    // nulls
    {"~", nullptr}, {"null", nullptr}, {"Null", nullptr}, {"NULL", nullptr}, {"nULL", "nULL"},
    // integers: decimal, sign, "_" separators, 0x / 0o / 0b prefixes, leading-zero octal
    {"0", 0}, {"42", 42}, {"-7", -7}, {"+12", 12}, {"1_000", 1000}, {"1__0", 10},
    {"0x1F", 31}, {"0X1f", 31}, {"-0x1F", -31}, {"0o17", 15}, {"0O17", 15}, {"0b101", 5}, {"-0b101", -5},
    {"0644", 420}, {"0755", 493}, {"00", 0}, {"-010", -8}, {"0x_1F", 31},
    {"9223372036854775807", INT64_MAX}, {"-9223372036854775808", INT64_MIN},
    {"18446744073709551615", UINT64_MAX},
    // not octal, so a float, which encoding/json writes as an integer
    {"08", 8}, {"09.5", 9.5},
    // floats; an integral float is sent without a fraction, so it arrives as an integer
    {"1.5", 1.5}, {"-1.5", -1.5}, {".5", 0.5}, {"-.5", -0.5}, {"1.", 1}, {"1.0", 1}, {"1e3", 1000},
    {"1E+3", 1000}, {"2.5e-3", 0.0025}, {"1_0.5", 10.5}, {"1e21", 1e21}, {"-9223372036854775809", INT64_MIN},
    // text
    {"0x", "0x"}, {"0b2", "0b2"}, {"1.10.0", "1.10.0"}, {"_1", "_1"}, {"1e400", "1e400"}, {"._5", "._5"},
    {".", "."}, {"-1-", "-1-"}, {"1m", "1m"}, {"512Mi", "512Mi"}, {"0x1p-2", "0x1p-2"}, {"nan", "nan"},
    {"inf", "inf"}, {"2001-12-14", "2001-12-14"}, {"2001-12-14T21:59:43.10-05:00", "2001-12-14T21:59:43.10-05:00"},
    {"1:20", "1:20"}, {"=", "="}, {"<<x", "<<x"}, {"yes please", "yes please"},
};

TEST(Documents, PlainScalarsAreWhatKubectlSends) {
  for (const Spelling& s : kSpellings) {
    SCOPED_TRACE(std::string("value: ") + s.yaml);
    LoadResult r = load_documents(std::string("apiVersion: v1\nkind: X\nv: ") + s.yaml + "\n", "s.yaml");
    ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
    const json& v = r.objects[0].doc["v"];
    EXPECT_EQ(v.type(), s.sent.type()) << v.dump();
    EXPECT_EQ(v, s.sent);
    // Quoted, the same text is always a string.
    LoadResult q = load_documents(std::string("apiVersion: v1\nkind: X\nv: \"") + s.yaml + "\"\n", "q.yaml");
    ASSERT_EQ(q.objects.size(), 1u) << errors_of(q);
    EXPECT_EQ(q.objects[0].doc["v"], s.yaml);
  }
}

// libfyaml 0.7.12 misreads a single-quoted scalar with two '' escapes in a
// row ('x''''y' as x''', and it leaks a buffer; a documents fuzz input,
// test/fuzz/regressions/): such scalars are read from the source instead,
// folded as YAML folds them. The expected values are PyYAML's.
TEST(Documents, SingleQuotedScalarsWithRunsOfEscapesAreReadExactly) {
  struct Case {
    std::string yaml;
    json value;
  } cases[] = {
      {"'sum(x{path=''''})'", "sum(x{path=''})"},
      {"'x''''y'", "x''y"},
      {"''''''''''''''''''''''", "''''''''''"},
      {"'it''''s\n  folded''''   \n\n   and '''' kept\n\n\n  end'", "it''s folded''\nand '' kept\n\nend"},
      {"[ '''''''' , 'b''''c']", json::array({"'''", "b''c"})},
      {"'tail''''  \n  '", "tail'' "},
      {"'x''''\r\n  y'", "x'' y"},
      {"'one '' escape\n  folded'", "one ' escape folded"},  // read by libfyaml
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("v: " + c.yaml);
    for (const std::string& bom : {std::string(), std::string("\xef\xbb\xbf")}) {
      LoadResult r = load_documents(bom + "apiVersion: v1\nkind: X\nv: " + c.yaml + "\n", "q.yaml");
      ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
      EXPECT_EQ(r.objects[0].doc["v"], c.value);
    }
  }
}

// It also misreads an escaped backslash right before an escaped line break in
// a double-quoted scalar ("x\\\<newline>  y" as "x\ "): refused, at the
// backslashes. Other escapes before a line break are read (PyYAML's values).
TEST(Documents, DoubleQuotedScalarsTheYamlReaderWouldMisreadAreRefused) {
  expect_one_error("a: 1\nb: \"x\\\\\\\n  y\"\n", "dq.yaml", 2,
                   "an escaped backslash right before an escaped line break (\\\\\\ at the end of a line) is misread "
                   "by the YAML reader (libfyaml 0.7.12); end the line elsewhere or keep the string on one line");
  LoadResult bad = load_documents("a: \"p\\\\\\\\\\\r\n  q\"\n", "dq.yaml");
  ASSERT_EQ(bad.errors.size(), 1u) << errors_of(bad);
  EXPECT_EQ(bad.errors[0].column, 6);
  struct Case {
    std::string yaml;
    json value;
  } cases[] = {
      {"\"x\\n\\\n  y\"", "x\ny"},      {"\"xa\\\n  y\"", "xay"},          {"\"x\\\\ \\\n  y\"", "x\\ y"},
      {"\"x\\\\\n  y\"", "x\\ y"},       {"\"x\\\\\\\\y\"", "x\\\\y"},      {"\"x\\\\\\\"y\"", "x\\\"y"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("v: " + c.yaml);
    LoadResult r = load_documents("apiVersion: v1\nkind: X\nv: " + c.yaml + "\n", "q.yaml");
    ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
    EXPECT_EQ(r.objects[0].doc["v"], c.value);
  }
}

TEST(Documents, EmptyValueIsNullAndBlockAndTaggedScalarsFollowTheirTag) {
  LoadResult r = load_documents(
      "apiVersion: v1\nkind: X\nempty:\nlit: |\n  12\nfolded: >\n  yes\n"
      "tagged: !!str 5\ntint: !!int \"7\"\ntbool: !!bool \"on\"\ntfloat: !!float 2\nsq: 'yes'\n",
      "t.yaml");
  ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
  const json& d = r.objects[0].doc;
  EXPECT_TRUE(d["empty"].is_null());
  EXPECT_EQ(d["lit"], "12\n");
  EXPECT_EQ(d["folded"], "yes\n");
  EXPECT_EQ(d["tagged"], "5");
  EXPECT_EQ(d["tint"], 7);
  EXPECT_EQ(d["tbool"], true);
  EXPECT_EQ(d["tfloat"], 2);
  EXPECT_EQ(d["sq"], "yes");
}

TEST(Documents, ValuesKubectlCannotSendAreErrorsWithTheirPosition) {
  expect_one_error("apiVersion: v1\nkind: X\nratio: .nan\n", "n.yaml", 3, "JSON has no NaN");
  expect_one_error("apiVersion: v1\nkind: X\nmax: .inf\n", "n.yaml", 3, "JSON has no +Inf");
  expect_one_error("apiVersion: v1\nkind: X\nmin: -.Inf\n", "n.yaml", 3, "JSON has no -Inf");
  expect_one_error("apiVersion: v1\nkind: X\n~: a\n", "k.yaml", 3, "a null key");
  expect_one_error("apiVersion: v1\nkind: X\nnull: a\n", "k.yaml", 3, "a null key");
  expect_one_error("apiVersion: v1\nkind: X\n18446744073709551615: a\n", "k.yaml", 3, "above 9223372036854775807");
  // `on` and `true` are the same key once resolved.
  expect_one_error("apiVersion: v1\nkind: X\ndata:\n  on: a\n  true: b\n", "d.yaml", 5, "duplicate key \"true\"");
}

TEST(Documents, KeysAreTheJsonKeysKubectlSends) {
  LoadResult r = load_documents(
      "apiVersion: v1\nkind: X\ndata:\n"
      "  yes: a\n  off: b\n  1: c\n  0x10: d\n  010: e\n  1_000: f\n  1.5: g\n  2.0: h\n  1e6: i\n"
      "  3.14159265358979: j\n  0.00001: k\n  .inf: l\n  -.inf: m\n  .nan: nan-key\n  \"on\": o\n  'null': p\n"
      "  !!str yes: q\n  -0.0: r\n  123456.0: s\n  1234567.0: t\n  0.0001: u\n",
      "k.yaml");
  ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
  const json expected = {{"true", "a"},  {"false", "b"},        {"1", "c"},     {"16", "d"},      {"8", "e"},
                         {"1000", "f"},  {"1.5", "g"},          {"2", "h"},     {"1e+06", "i"},   {"3.1415927", "j"},
                         {"1e-05", "k"}, {".inf", "l"},         {"-.inf", "m"}, {".nan", "nan-key"},    {"on", "o"},
                         {"null", "p"},  {"yes", "q"},          {"-0", "r"},    {"123456", "s"},  {"1.234567e+06", "t"},
                         {"0.0001", "u"}};
  EXPECT_EQ(r.objects[0].doc["data"], expected);
}

TEST(Documents, AnchorsAliasesAndMergeKeys) {
  LoadResult r = load_documents(
      "apiVersion: v1\nkind: X\n"
      "base: &b {a: 1, b: 2}\n"
      "copy: *b\n"
      "merged:\n  <<: *b\n  b: 3\n",
      "m.yaml");
  ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
  const json& d = r.objects[0].doc;
  EXPECT_EQ(d["copy"], (json{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(d["merged"], (json{{"a", 1}, {"b", 3}}));
}

TEST(Documents, SyntaxErrorsHaveFileLineColumnAndKeepEarlierDocuments) {
  LoadResult r = load_documents("apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: [unclosed\n", "bad.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.objects.size(), 1u);
  const LoadError& e = r.errors[0];
  EXPECT_EQ(e.file, "bad.yaml");
  EXPECT_GE(e.line, 5);
  EXPECT_GT(e.column, 0);
  EXPECT_EQ(e.str().rfind("bad.yaml:" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": ", 0), 0u)
      << e.str();
}

TEST(Documents, BadIndentationIsAnError) {
  LoadResult r = load_documents("apiVersion: v1\nkind: Pod\n  metadata: x\n bad: [\n", "i.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GT(r.errors[0].line, 0);
}

TEST(Documents, JsonSyntaxErrorsHaveLineAndColumn) {
  LoadResult r = load_documents("{\n  \"apiVersion\": \"v1\",\n  \"kind\": Pod\n}\n", "bad.json");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_GE(r.errors[0].column, 11);
  EXPECT_EQ(r.errors[0].str().rfind("bad.json:3:", 0), 0u) << r.errors[0].str();
  EXPECT_EQ(r.errors[0].message.find("[json.exception"), std::string::npos) << r.errors[0].message;
}

TEST(Documents, DuplicateKeysAreErrorsNamingKeyAndLine) {
  expect_one_error("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n", "d.yaml", 5, "duplicate key \"name\"");
  expect_one_error("{\"kind\": \"Pod\",\n \"kind\": \"Service\"}", "d.json", 2, "duplicate key \"kind\"");
}

TEST(Documents, DeepBlockNestingIsRefusedBeforeParsing) {
  std::string text = "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Deep\n";
  for (int i = 0; i < 3000; ++i) text += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  LoadResult r = load_documents(text, "deep.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("nesting too deep"), std::string::npos) << r.errors[0].str();
  EXPECT_GT(r.errors[0].line, 200);
  EXPECT_EQ(r.objects.size(), 1u);  // the document before the bomb is kept
}

TEST(Documents, DeepFlowNestingIsRefused) {
  std::string text = "apiVersion: v1\nkind: Pod\nspec: " + std::string(1'000'000, '[') + "\n";
  LoadResult r = load_documents(text, "flow.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("nesting too deep"), std::string::npos);
  EXPECT_EQ(r.errors[0].line, 3);

  LoadResult j = load_documents(std::string(1'000'000, '[') + std::string(1'000'000, ']'), "deep.json");
  ASSERT_EQ(j.errors.size(), 1u);
  EXPECT_NE(j.errors[0].message.find("nesting too deep"), std::string::npos);
}

TEST(Documents, DeepCompactSequencesAreRefused) {
  std::string line;
  for (int i = 0; i < 5000; ++i) line += "- ";
  LoadResult r = load_documents(line + "x\n", "seq.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("nesting too deep"), std::string::npos) << r.errors[0].str();
}

TEST(Documents, ReasonableDepthIsFine) {
  std::string text = "apiVersion: v1\nkind: Pod\n";
  std::string indent;
  for (int i = 0; i < 50; ++i) {
    text += indent + "k" + std::to_string(i) + ":\n";
    indent += "  ";
  }
  text += indent + "leaf: [[1, [2]], {a: {b: [3]}}]\n";
  text += "note: |\n  [[[[[[[[[[[[[[[[[[[[ text, not structure\n  \"unclosed quote\n";
  LoadResult r = load_documents(text, "ok.yaml", LoadLimits{.max_depth = 60});
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].doc["note"].get<std::string>().substr(0, 4), "[[[[");
}

TEST(Documents, BlockScalarsAndQuotedTextDoNotCountAsNesting) {
  std::string text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  script: |\n";
  for (int i = 0; i < 300; ++i) text += "    " + std::string(static_cast<size_t>(i % 40), ' ') + "{[\n";
  text += "  q: \"" + std::string(500, '[') + "\"\n";
  text += "- item\n";  // invalid, but only after the scalars: error, not depth
  LoadResult r = load_documents(text, "cm.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message.find("nesting too deep"), std::string::npos) << r.errors[0].str();
}

TEST(Documents, BracketsInsidePlainScalarsDoNotCountAsNesting) {
  // "[" after the start of a plain scalar is text; the pre-scan skips to the next ":" or "#".
  std::string text = "apiVersion: v1\nkind: ConfigMap\ndata:\n";
  text += "  a: x" + std::string(500, '[') + "\n";
  text += "  b: y {" + std::string(500, '{') + " # [[[[ comment\n";
  text += "  c: z: [" + std::string(300, '[') + "\n";  // ": " again: a flow collection starts, too deep
  LoadResult r = load_documents(text, "p.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 6) << r.errors[0].str();
  EXPECT_NE(r.errors[0].message.find("nesting too deep"), std::string::npos) << r.errors[0].str();

  LoadResult ok = load_documents("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: x" + std::string(500, '[') + "\n",
                                 "p.yaml");
  ASSERT_EQ(ok.objects.size(), 1u) << errors_of(ok);
  EXPECT_EQ(ok.objects[0].doc["data"]["a"], "x" + std::string(500, '['));
}

TEST(Documents, AliasBombIsRefused) {
  std::string text =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
      "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
      "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
  LoadResult r = load_documents(text, "lol.yaml", LoadLimits{.max_nodes = 100'000});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("too many nodes"), std::string::npos) << r.errors[0].str();
  EXPECT_GT(r.errors[0].line, 0);
}

// A 100 KiB scalar aliased 300 times is only ~300 nodes but 30 MiB of text:
// the node bound does not see it, the byte bound does (1 MiB here: the floor,
// as 10 times the input is less).
TEST(Documents, AliasedBigScalarIsRefusedByBytes) {
  const std::string blob(100 << 10, 'x');
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  big: &blob \"" + blob + "\"\n";
  text += "  copies: [";
  for (int i = 0; i < 300; ++i) text += i == 0 ? "*blob" : ", *blob";
  text += "]\n";
  LoadResult r = load_documents(text, "blob.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << "loaded " << r.objects.size() << " objects";
  EXPECT_TRUE(r.objects.empty());
  const LoadError& e = r.errors[0];
  EXPECT_EQ(e.line, 6) << e.str();
  // The 11th alias is the first past 1 MiB. Its name (libfyaml marks the name,
  // after the "*") starts after "  copies: [*", plus ten "*blob, ".
  EXPECT_EQ(e.column, 13 + 10 * 7) << e.str();
  EXPECT_EQ(e.message,
            "alias \"*blob\" makes the aliases add more than 1048576 bytes of text (10 times the input's size, at "
            "least 1048576, at most 134217728); refusing to load")
      << e.str();
  EXPECT_EQ(e.str().rfind("blob.yaml:6:83: alias \"*blob\"", 0), 0u) << e.str();

  // Ten copies (1000 KiB) fit.
  std::string ten = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  big: &blob \"" + blob + "\"\n";
  ten += "  copies: [*blob, *blob, *blob, *blob, *blob, *blob, *blob, *blob, *blob, *blob]\n";
  LoadResult ok = load_documents(ten, "ten.yaml");
  ASSERT_EQ(ok.objects.size(), 1u) << errors_of(ok);
  EXPECT_EQ(ok.objects[0].doc["data"]["copies"].size(), 10u);
  EXPECT_EQ(ok.objects[0].doc["data"]["copies"][9], blob);
}

// Aliases of anchored nodes that hold aliases count what they expand to; the
// budget is relative to the input, then capped.
TEST(Documents, AliasBudgetIsRelativeToTheInputAndCapped) {
  const std::string k(1000, 'k');
  std::string text = "a: &a " + k + "\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                     "d: [*c, *c]\n";  // aliases add 10 * 1000 + 10 * 10,000 + 2 * 100,000 bytes, in ~350 nodes
  auto error_of = [&](const LoadLimits& limits) {
    LoadResult r = load_documents(text, "n.yaml", limits);
    return r.errors.empty() ? std::string() : r.errors[0].str();
  };
  // 10 times the input (1113 bytes) is 11,130: the first alias of b goes past it.
  std::string e = error_of(LoadLimits{.expanded_bytes_floor = 0});
  EXPECT_EQ(e.rfind("n.yaml:3:9: alias \"*b\" makes the aliases add more than 11130 bytes", 0), 0u) << e;
  // A floor above what the aliases add (310,000 bytes) lets it load.
  EXPECT_EQ(error_of(LoadLimits{.expanded_bytes_floor = 310'000}), "");
  EXPECT_NE(error_of(LoadLimits{.expanded_bytes_floor = 309'999}), "");
  // The cap wins over both.
  e = error_of(LoadLimits{.expansion_ratio = 1000, .expanded_bytes_floor = 1 << 20, .max_expanded_bytes = 5000});
  EXPECT_EQ(e.rfind("n.yaml:2:29: alias \"*a\" makes the aliases add more than 5000 bytes", 0), 0u) << e;
  // The node bound alone would have let this through.
  EXPECT_EQ(error_of(LoadLimits{.expanded_bytes_floor = 0, .max_expanded_bytes = SIZE_MAX}).find("too many nodes"),
            std::string::npos);
}

TEST(Documents, HugeInputIsRefused) {
  std::string text(2000, '#');
  LoadResult r = load_documents(text, "big.yaml", LoadLimits{.max_bytes = 1000});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("too large"), std::string::npos);
  EXPECT_EQ(r.errors[0].str().rfind("big.yaml: input too large", 0), 0u) << r.errors[0].str();
}

TEST(Documents, GarbageNeverThrows) {
  const char* inputs[] = {"\x01\x02\xff\xfe", "{{{{", "]]]", "key: \"unterminated", "? [a]\n: b\n", "*undefined\n",
                          "a: &x [*x]\n", "\t- tab\n", "%YAML 9.9\n---\na: 1\n", "{\"a\": 1} trailing",
                          "- &a\n- *a\n"};
  for (const char* in : inputs) {
    testing::internal::CaptureStderr();
    LoadResult r = load_documents(in, "g.yaml");
    json out;
    std::string err;
    bool single = parse_single_document(in, "g.yaml", &out, &err);
    std::string printed = testing::internal::GetCapturedStderr();
    EXPECT_EQ(printed, "") << "the parser must not print: " << in;
    for (const LoadError& e : r.errors) {
      EXPECT_EQ(e.file, "g.yaml") << in;
      EXPECT_FALSE(e.message.empty()) << in;
    }
    EXPECT_EQ(single, r.errors.empty()) << in << ": " << err;
    if (!single) {
      EXPECT_EQ(err.rfind("g.yaml", 0), 0u) << err;
    }
  }
}

// YAML allows no control characters but tab, LF and CR. A NUL inside a
// directive makes libfyaml's scanner loop forever (an input from the policy
// fuzz target, test/fuzz/regressions/policy/), so every control character is
// a positioned error before libfyaml reads the text.
TEST(Documents, ControlCharactersArePositionedErrorsNotHangs) {
  const std::string hang("%\"rules\":{\"\xd8o\0\0\0\0\"rules\"\"{:\":\"deny\"}}", 37);
  LoadResult r = load_documents(hang, "p.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].str(), "p.yaml:1:12: byte 0xd8 (not UTF-8) is not allowed in YAML");
  expect_one_error(std::string("apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\x01\"}\n"), "c.yaml", 3,
                   "control character 0x01 is not allowed in YAML");
  expect_one_error("a: 1\nb: \x7f\n", "c.yaml", 2, "control character 0x7f");
  // Tab, CR and LF are text.
  EXPECT_TRUE(load_documents("apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: \"a\tb\"\r\n", "ok.yaml").errors.empty());
}

// YAML text is UTF-8 of printable characters, as go-yaml requires. Invalid
// UTF-8 inside a directive also makes libfyaml's scanner loop forever (inputs
// from the policy and kubeconfig fuzz targets, test/fuzz/regressions/), so
// it is a positioned error before libfyaml reads the text.
TEST(Documents, TextThatIsNotPrintableUtf8IsAPositionedErrorNotAHang) {
  expect_one_error(std::string("%p2le\x90: [1\xca 2]\x8a"), "d.yaml", 1, "byte 0x90 (not UTF-8) is not allowed in YAML");
  expect_one_error("a: \"\xc2\x80\"\n", "c1.yaml", 1, "character U+0080 is not allowed in YAML");
  expect_one_error("a: b\nc: \xed\xa0\x80\n", "surrogate.yaml", 2, "byte 0xed (not UTF-8)");
  expect_one_error("a: \xc0\xaf\n", "overlong.yaml", 1, "byte 0xc0 (not UTF-8)");
  expect_one_error("a: \xe2\x82", "cut.yaml", 1, "byte 0xe2 (not UTF-8)");
  expect_one_error("a: \xef\xbf\xbe\n", "fffe.yaml", 1, "character U+FFFE is not allowed in YAML");
  // A byte order mark opening a later line (files concatenated with theirs)
  // would be read into the first key: the document would not be an object.
  const std::string bom = "\xef\xbb\xbf";
  expect_one_error(bom + "a: 1\n---\n" + bom + "b: 2\n", "cat.yaml", 3,
                   "a byte order mark (U+FEFF) is allowed only at the start of the file, not of a line");
  // UTF-8 text is read: a byte order mark first is skipped, one inside a scalar kept.
  LoadResult ok = load_documents(bom + "apiVersion: v1\nkind: Pod\nmetadata: {name: \"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}\n---\n" +
                                     "apiVersion: v1\nkind: Pod\nmetadata: {name: q" + bom + "z}\n",
                                 "ok.yaml");
  EXPECT_TRUE(ok.errors.empty()) << errors_of(ok);
  ASSERT_EQ(ok.objects.size(), 2u);
  EXPECT_EQ(ok.objects[0].name(), "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(ok.objects[1].name(), "q" + bom + "z");
}

// `? key:<TAB>:` made libfyaml 0.7.12 write through a null pointer when its
// parser was destroyed (the kubeconfig fuzz target found it; the input is in
// test/fuzz/regressions/kubeconfig/). A tab between a block ':' and an
// indicator is refused before libfyaml sees it, at the tab, as go-yaml refuses it.
TEST(Documents, ATabBetweenAColonAndAnIndicatorIsRefusedAtTheTab) {
  struct Case {
    std::string text;
    int line, column;
    char indicator;
  } cases[] = {
      {"? e:\t:", 1, 5, ':'},
      {"? e: \t:\n", 1, 6, ':'},
      {"? e:\t|\n x\n", 1, 5, '|'},
      {"? e:\t>\n x\n", 1, 5, '>'},
      {"? e:\t- x\n", 1, 5, '-'},
      {"? e:\t? x\n", 1, 5, '?'},
      {"? - e:\t:\n", 1, 7, ':'},
      {"k:\n  ? e:\t:\n", 2, 7, ':'},
      {"? e: f\n  g:\t:\n", 2, 5, ':'},
      {"? \"e\":\t:\n", 1, 7, ':'},
      {"? {e: f}:\t:\n", 1, 10, ':'},
      {"? a\n:\t: b\n", 2, 2, ':'},
      {"apiVersion: v1\nkind: ConfigMap\ndata:\n  a:\t|\n    x\n", 4, 5, '|'},
      // Lines end where go-yaml ends them: at a lone CR, and at NEL, LS and
      // PS, which libfyaml also takes as line breaks after `%YAML 1.1`.
      {"# c\r? e:\t:", 2, 5, ':'},
      {"a: b # c\r? e:\t:\r\n", 2, 5, ':'},
      {"%YAML 1.1\n---\n# c\xc2\x85? e:\t:\n", 4, 5, ':'},
      {"%YAML 1.1\n---\n# c\xe2\x80\xa8? e:\t:\n", 4, 5, ':'},
      {"%YAML 1.1\n---\na: b # c\xe2\x80\xa9? e:\t:\n", 4, 5, ':'},
  };
  for (const Case& c : cases) {
    LoadResult r = load_documents(c.text, "t.yaml");
    ASSERT_EQ(r.errors.size(), 1u) << c.text << errors_of(r);
    const LoadError& e = r.errors[0];
    EXPECT_EQ(e.line, c.line) << e.str();
    EXPECT_EQ(e.column, c.column) << e.str();
    EXPECT_NE(e.message.find(std::string("tab between ':' and '") + c.indicator + "'"), std::string::npos) << e.str();
    EXPECT_NE(e.message.find("use spaces"), std::string::npos) << e.str();

    json doc;
    std::string error;
    EXPECT_FALSE(parse_single_document(c.text, "p.yaml", &doc, &error)) << c.text;
    EXPECT_EQ(error.rfind("p.yaml:" + std::to_string(c.line) + ":", 0), 0u) << error;
  }
  // The documents before the one with the tab are kept.
  LoadResult r = load_documents("apiVersion: v1\nkind: A\n---\n? e:\t:\n", "t.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 4) << r.errors[0].str();
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].kind(), "A");
  // Also when the bad document opens with directives.
  LoadResult d = load_documents("apiVersion: v1\nkind: A\n...\n%YAML 1.1\n---\n? e:\t:\n", "t.yaml");
  ASSERT_EQ(d.errors.size(), 1u) << errors_of(d);
  EXPECT_NE(d.errors[0].message.find("tab between"), std::string::npos) << d.errors[0].str();
  EXPECT_EQ(d.objects.size(), 1u);
}

TEST(Documents, TabsWhereYamlAllowsThemStillLoad) {
  LoadResult r = load_documents(
      "apiVersion: v1\n"
      "kind: ConfigMap\n"
      "data:\n"
      "  a: x\ty\n"             // inside a plain scalar
      "  b: \"x:\t|\"\n"        // inside a quoted scalar
      "  c: x\t# a:\t|\n"       // before and inside a comment
      "  d: |\n"
      "    k:\t|\n"             // inside a block scalar
      "  e: {f:\t:x}\n"          // in a flow collection
      "# g:\t|\n",
      "tabs.yaml");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.objects.size(), 1u);
  const json& data = r.objects[0].doc["data"];
  EXPECT_EQ(data["a"], "x\ty");
  EXPECT_EQ(data["b"], "x:\t|");
  EXPECT_EQ(data["c"], "x");
  EXPECT_EQ(data["d"], "k:\t|\n");
  EXPECT_EQ(data["e"]["f"], ":x");

  // The pre-scan's lines end at a lone CR as libfyaml's do: a file with
  // CR line ends and a block scalar holding `k:<TAB>|` reads the same.
  LoadResult cr = load_documents("apiVersion: v1\rkind: ConfigMap\rdata:\r  d: |\r    k:\t|\r  e: x\r", "cr.yaml");
  ASSERT_TRUE(cr.errors.empty()) << errors_of(cr);
  ASSERT_EQ(cr.objects.size(), 1u);
  EXPECT_EQ(cr.objects[0].doc["data"]["d"], "k:\t|\n");
  EXPECT_EQ(cr.objects[0].doc["data"]["e"], "x");
}

TEST(Documents, YamlSyntaxErrorsAreCleanFileLineColumnMessages) {
  struct Case {
    const char* text;
    int line, column;
    const char* message;
  } cases[] = {
      {"apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\\q\"}\n", 3, 20, "invalid escape"},
      {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: 'x\n", 4, 10, "single-quoted scalar without closing quote"},
      {"apiVersion: v1\nkind: Pod\nspec: @x\n", 3, 7, "plain scalar cannot start with '@'"},
  };
  for (const Case& c : cases) {
    testing::internal::CaptureStderr();
    LoadResult r = load_documents(c.text, "s.yaml");
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
    ASSERT_EQ(r.errors.size(), 1u) << c.text;
    const LoadError& e = r.errors[0];
    EXPECT_EQ(e.line, c.line) << e.str();
    EXPECT_EQ(e.column, c.column) << e.str();
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.str();
    EXPECT_EQ(e.message.find("<memory"), std::string::npos) << e.str();
    EXPECT_EQ(e.message.find("error:"), std::string::npos) << e.str();
  }
}

TEST(Documents, KeysTagsAndAliases) {
  LoadResult r = load_documents(
      "apiVersion: v1\nkind: X\n"
      "1: one\n"
      "custom: !thing 12\n"
      "bare: ! 12\n"
      "verbatim: !<tag:yaml.org,2002:int> \"9\"\n"
      "folded: >\n  a\n  b\n"
      "&k anchored: v\n"
      "list:\n- &item {x: 1}\n- *item\n",
      "k.yaml");
  ASSERT_EQ(r.objects.size(), 1u) << errors_of(r);
  const json& d = r.objects[0].doc;
  EXPECT_EQ(d["1"], "one");
  EXPECT_EQ(d["custom"], "12");
  EXPECT_EQ(d["bare"], "12");
  EXPECT_EQ(d["verbatim"], 9);
  EXPECT_EQ(d["folded"], "a b\n");
  EXPECT_EQ(d["anchored"], "v");
  EXPECT_EQ(d["list"], (json{{{"x", 1}}, {{"x", 1}}}));

  // An aliased scalar reads as its anchored text would, as a key or as a value.
  LoadResult a = load_documents("apiVersion: v1\nkind: X\nk: &flag on\n*flag : x\n&n 0x10 : z\nv: *n\n", "a.yaml");
  ASSERT_EQ(a.objects.size(), 1u) << errors_of(a);
  EXPECT_EQ(a.objects[0].doc["k"], true);
  EXPECT_EQ(a.objects[0].doc["true"], "x");
  EXPECT_EQ(a.objects[0].doc["16"], "z");
  EXPECT_EQ(a.objects[0].doc["v"], 16);

  expect_one_error("apiVersion: v1\nkind: X\nspec: *nowhere\n", "u.yaml", 3, "unknown anchor \"nowhere\"");

  LoadResult badint = load_documents("apiVersion: v1\nkind: X\nn: !!int abc\n", "b.yaml");
  ASSERT_EQ(badint.errors.size(), 1u);
  EXPECT_EQ(badint.errors[0].str(), "b.yaml:3:10: cannot read int \"abc\"");

  // A raw byte that is not UTF-8: the parser refuses it with its position, never an internal error.
  LoadResult badbytes = load_documents("apiVersion: v1\nkind: X\nn: !!int a\xff" "b\n", "b.yaml");
  ASSERT_EQ(badbytes.errors.size(), 1u);
  EXPECT_EQ(badbytes.errors[0].message.find("internal error"), std::string::npos) << badbytes.errors[0].str();
  EXPECT_EQ(badbytes.errors[0].line, 3) << badbytes.errors[0].str();

  LoadResult complex_key = load_documents("apiVersion: v1\nkind: X\n? [a, b]\n: c\n", "c.yaml");
  ASSERT_EQ(complex_key.errors.size(), 1u);
  EXPECT_NE(complex_key.errors[0].message.find("complex mapping keys are not supported"), std::string::npos);
}

TEST(Documents, AnEmptyValueInAListTakesAPositionFromItsNeighbours) {
  LoadResult r = load_documents("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n  metadata:\n"
                                "- apiVersion: v1\n  kind: B\n",
                                "l.yaml");
  ASSERT_EQ(r.objects.size(), 2u) << errors_of(r);
  EXPECT_EQ(r.objects[0].where.line, 4);
  EXPECT_EQ(r.objects[1].where.line, 7);
  EXPECT_TRUE(r.objects[0].doc["metadata"].is_null());
}

TEST(Documents, ParseSingleDocument) {
  json out;
  std::string err;
  ASSERT_TRUE(parse_single_document("a: 1\nb: [x]\n", "p.yaml", &out, &err)) << err;
  EXPECT_EQ(out["a"], 1);
  ASSERT_TRUE(parse_single_document("", "p.yaml", &out, &err)) << err;
  EXPECT_TRUE(out.is_null());
  EXPECT_FALSE(parse_single_document("a: 1\n---\nb: 2\n", "p.yaml", &out, &err));
  EXPECT_NE(err.find("expected one document"), std::string::npos) << err;
  EXPECT_FALSE(parse_single_document("a: [\n", "p.yaml", &out, &err));
  EXPECT_EQ(err.rfind("p.yaml:", 0), 0u) << err;
}

TEST(PolicyText, LoadsAndNamesTheFileAndField) {
  Policy p;
  ASSERT_TRUE(load_policy_text(default_policy_yaml(), "default", &p).ok());
  Status st = load_policy_text("podSecurity:\n  level: extreme\n", "pol.yaml", &p);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "pol.yaml: podSecurity.level: must be restricted or baseline");
  st = load_policy_text("rules: [\n", "pol.yaml", &p);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("pol.yaml:", 0), 0u) << st.message();
  ASSERT_TRUE(load_policy_text("", "empty.yaml", &p).ok());
}

}  // namespace
}  // namespace rg
