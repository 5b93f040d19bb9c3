// Text and attribute values for XML 1.0 documents the CLI writes (JUnit).
//
// Manifests may hold any bytes, and XML 1.0 refuses some characters even as
// character references, so escaping alone is not enough: the result is
// always well-formed UTF-8 that a strict parser (libxml2, Java's) reads back
// as the same text, except that what XML cannot carry is replaced by U+FFFD:
// bytes that are not UTF-8, the C0 controls other than tab, newline and
// carriage return, and U+FFFE / U+FFFF.
#pragma once

#include <string>
#include <string_view>

namespace rg::cli {

// For element content: & < > escaped, \r as &#13; (a parser would read a raw
// one as \n).
std::string xml_text(std::string_view s);

// For an attribute value in double quotes: also " and the tab, newline and
// carriage return, as character references (a parser turns raw ones into
// spaces).
std::string xml_attribute(std::string_view s);

}  // namespace rg::cli
