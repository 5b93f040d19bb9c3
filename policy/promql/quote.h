// Go-compatible string and number helpers used by the lexer, parser and
// printer, so that output matches Prometheus byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rg::promql {

// Go's strconv.Quote: double-quoted, escapes for non-printable runes.
std::string go_quote(std::string_view s);
// Go's %q for a single rune: 'x', '\n', '\x00'.
std::string go_quote_rune(char32_t r);

// Prometheus' strutil.Unquote for a token including its quotes ("", '', ``).
// Returns nullopt on bad syntax (bad escape, stray quote, newline).
std::optional<std::string> unquote(std::string_view quoted);

// Go's fmt.Sprint(float64): shortest digits, exponent form outside
// [1e-4, 1e6), "+Inf"/"-Inf"/"NaN".
std::string format_float(double v);

// Prometheus' model.Duration.String(): "1h30m", "5m", "90d", "0s".
std::string format_duration(int64_t ms);

// model.ParseDuration plus Prometheus' "duration must be greater than 0".
// On failure returns nullopt and sets *error to the message.
std::optional<int64_t> parse_duration(std::string_view s, std::string* error);

// The parser's number(): Go ParseInt(base 0) then ParseFloat semantics.
// *out_of_range is set when the value overflows a float64.
std::optional<double> parse_number(std::string_view s, bool* out_of_range);

}  // namespace rg::promql
