// Go regular expressions on RE2: PromQL label-matcher checks with Prometheus
// 2.42's anchoring and wording (every expected message below is what promtool
// 2.42 prints for foo{a=~`pattern`}), and GoRegexp's unanchored search.
#include "policy/promql/regex.h"

#include <gtest/gtest.h>

namespace rg::promql {
namespace {

std::string error_of(std::string_view pattern) {
  bool empty = false;
  std::string err;
  if (check_regex(pattern, &empty, &err)) return "";
  return err;
}

// Every script and general category in RE2's Unicode tables.
TEST(PromqlRegex, AcceptsEveryUnicodeScriptAndCategory) {
  const char* names[] = {
      "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Bassa_Vah",
      "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "Canadian_Aboriginal",
      "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform",
      "Cypriot", "Cypro_Minoan", "Cyrillic", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
      "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek",
      "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew",
      "Hiragana", "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese",
      "Kaithi", "Kannada", "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki",
      "Khudawadi", "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani",
      "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin", "Meetei_Mayek",
      "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro", "Multani",
      "Myanmar", "Nabataean", "Nag_Mundari", "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu",
      "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic",
      "Old_Persian", "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Old_Uyghur", "Oriya", "Osage", "Osmanya",
      "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic",
      "Samaritan", "Saurashtra", "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng",
      "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet",
      "Takri", "Tamil", "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto",
      "Ugaritic", "Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square", "Any",
      "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
      "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs"};
  for (const char* name : names) {
    for (const std::string& p : {"\\p{" + std::string(name) + "}", "\\P{" + std::string(name) + "}",
                                 "\\p{^" + std::string(name) + "}", "[x\\p{" + std::string(name) + "}]+"}) {
      EXPECT_EQ(error_of(p), "") << p;
    }
  }
  for (const char* p : {"\\pL", "\\pN", "\\PN", "\\pZ", "[\\pL\\pM]", "(?i)\\p{Tamil}+", "[[:alpha:][:^digit:]]"}) {
    EXPECT_EQ(error_of(p), "") << p;
  }
}

TEST(PromqlRegex, AcceptsGoSyntax) {
  for (const char* p : {"5..", "(?i)get|post", "(?s).", "(?m)^a$", "(?U)a+", "(?ims-U:x)", "(?P<n>a)(?P<n>b)",
                        "\\Q[*\\E", "x{,3}", "a{1000}", "\\x41\\x{1F600}", "\\00", "\\17", "[]a]", "[^]a]", "(|)",
                        "\\b\\B\\A\\z", "a{1,", ""}) {
    EXPECT_EQ(error_of(p), "") << p;
  }
}

// Prometheus compiles "^(?:" + pattern + ")$" first, so some messages quote
// the wrapped form; then the pattern alone.
TEST(PromqlRegex, RejectsWithPrometheusMessages) {
  struct Want {
    const char* pattern;
    const char* error;
  };
  const Want cases[] = {
      {"\\p{NotAScript}", "error parsing regexp: invalid character class range: `\\p{NotAScript}`"},
      {"\\pX", "error parsing regexp: invalid character class range: `\\pX`"},
      {"\\p{Greek", "error parsing regexp: invalid character class range: `\\p{Greek)$`"},
      {"(", "error parsing regexp: missing closing ): `^(?:()$`"},
      {"(?i", "error parsing regexp: missing closing ): `^(?:(?i)$`"},
      {"\\", "error parsing regexp: missing closing ): `^(?:\\)$`"},
      {"a)", "error parsing regexp: unexpected ): `^(?:a))$`"},
      {"a)|(?:b", "error parsing regexp: unexpected ): `a)|(?:b`"},
      {"[a", "error parsing regexp: missing closing ]: `[a)$`"},
      {"a**", "error parsing regexp: invalid nested repetition operator: `**`"},
      {"a++", "error parsing regexp: invalid nested repetition operator: `++`"},
      {"a{2}{3}", "error parsing regexp: invalid nested repetition operator: `{2}{3}`"},
      {"*", "error parsing regexp: missing argument to repetition operator: `*`"},
      {"(?i)*", "error parsing regexp: missing argument to repetition operator: `*`"},
      {"x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"},
      {"(a{1000}){1000}", "error parsing regexp: invalid repeat count: `{1000}`"},
      {"(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
      {"(?<n>a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"},
      {"(?i)(?-)", "error parsing regexp: invalid or unsupported Perl syntax: `(?-)`"},
      {"(?P<n!>a)", "error parsing regexp: invalid named capture: `(?P<n!>`"},
      {"[z-a]", "error parsing regexp: invalid character class range: `z-a`"},
      {"[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"},
      {"[a-\\d]", "error parsing regexp: invalid escape sequence: `\\d`"},
      {"\\C", "error parsing regexp: invalid escape sequence: `\\C`"},
      {"\\Q\\C\\E\\C", "error parsing regexp: invalid escape sequence: `\\C`"},
      {"[\\C]", "error parsing regexp: invalid escape sequence: `\\C`"},
      {"\\1", "error parsing regexp: invalid escape sequence: `\\1`"},
      {"\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"},
      {"\\x{110000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"},
      {"[\\b]", "error parsing regexp: invalid escape sequence: `\\b`"},
  };
  for (const Want& w : cases) EXPECT_EQ(error_of(w.pattern), w.error) << w.pattern;
  EXPECT_EQ(error_of("\\Q\\C\\E"), "");
  EXPECT_EQ(error_of("\\\\C"), "");
}

TEST(PromqlRegex, MatchesEmptyIsForTheAnchoredPattern) {
  for (auto [p, want] : {std::pair{".*", true}, {"a*", true}, {"a|", true}, {"(?:)", true}, {"a?b?", true},
                         {"a+", false}, {".", false}, {"a|b", false}, {"^$", true}, {"\\b", false}}) {
    bool empty = !want;
    std::string err;
    ASSERT_TRUE(check_regex(p, &empty, &err)) << p << ": " << err;
    EXPECT_EQ(empty, want) << p;
  }
}

// Beyond the bounds nothing is claimed: valid, and not matching "".
TEST(PromqlRegex, OversizedPatternsAreNotJudged) {
  const std::string long_literal(kMaxRegexBytes + 1, 'a');
  const std::string big_program = "\\pL{1000}";  // Go accepts it; RE2 needs more than its memory bound
  for (const std::string& p : {long_literal, big_program}) {
    GoRegexp re(p);
    EXPECT_TRUE(re.too_large());
    EXPECT_FALSE(re.ok());
    EXPECT_FALSE(re.invalid());
    EXPECT_FALSE(re.search("aaa"));
    bool empty = true;
    std::string err;
    EXPECT_TRUE(check_regex(p, &empty, &err)) << err;
    EXPECT_FALSE(empty);
  }
}

TEST(GoRegexp, SearchIsUnanchoredLikeMatchString) {
  GoRegexp re("late(ncy)?");
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re.search("p95-latency"));
  EXPECT_TRUE(re.search("late"));
  EXPECT_FALSE(re.search("lat"));
  EXPECT_TRUE(GoRegexp("").search("anything"));
  EXPECT_TRUE(GoRegexp("(?i)^SMOKE$").search("smoke"));
  EXPECT_TRUE(GoRegexp("\\p{Greek}").search("latency-\xce\xb1"));  // U+03B1 GREEK SMALL LETTER ALPHA
}

TEST(GoRegexp, CompileCostGrowsWithTheProgram) {
  const size_t small = GoRegexp("late(ncy)?").compile_cost();
  EXPECT_GT(small, 0u);
  EXPECT_GT(GoRegexp("late(ncy)?.{500}").compile_cost(), 10 * small);
  EXPECT_GE(GoRegexp("\\pL{1000}").compile_cost(), size_t{1} << 20);  // too large: the whole bound
  EXPECT_EQ(GoRegexp("((").compile_cost(), 2u);
}

TEST(GoRegexp, InvalidPatternsCarryGosMessageAndMatchNothing) {
  GoRegexp re("((");
  EXPECT_FALSE(re.ok());
  EXPECT_TRUE(re.invalid());
  EXPECT_FALSE(re.too_large());
  EXPECT_EQ(re.error(), "error parsing regexp: missing closing ): `((`");
  EXPECT_FALSE(re.search("(("));
}

// Backtracking matchers overflow the stack or run for minutes on these.
TEST(GoRegexp, HostilePatternsMatchInLinearTime) {
  const std::string many_a(100000, 'a');
  EXPECT_FALSE(GoRegexp("(a|b)*c").search(many_a));
  EXPECT_FALSE(GoRegexp("(a*)*b").search(many_a));
  EXPECT_FALSE(GoRegexp("^(a|aa)+$").search(many_a + "b"));
  EXPECT_TRUE(GoRegexp("(a|b)*a$").search(many_a));
}

}  // namespace
}  // namespace rg::promql
