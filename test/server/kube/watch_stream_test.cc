#include "server/kube/watch_stream.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rg::kube {
namespace {

using ::testing::HasSubstr;
using Kind = WatchStreamError::Kind;

constexpr size_t kBound = size_t{16} << 20;  // the client's default

const std::string kAdded =
    R"({"type":"ADDED","object":{"apiVersion":"apps/v1","kind":"Deployment",)"
    R"("metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},"spec":{"replicas":2}}})";
const std::string kBookmark =
    R"({"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"resourceVersion":"9"}}})";
const std::string kGone =
    R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"j("message":"too old resource version: 5 (8)","reason":"Expired","code":410}})j";

struct Decoded {
  std::vector<WatchEvent> events;
  WatchStreamError error;
  size_t pending = 0;
};

// Feeds `chunks` in order, taking the events out after each one.
Decoded decode(const std::vector<std::string>& chunks, size_t max_event_bytes = kBound) {
  WatchStreamDecoder d(max_event_bytes);
  Decoded out;
  WatchEvent ev;
  for (const std::string& c : chunks) {
    d.feed(c);
    while (d.next(&ev)) out.events.push_back(ev);
  }
  out.error = d.error();
  out.pending = d.pending_bytes();
  return out;
}

Decoded decode(const std::string& stream, size_t max_event_bytes = kBound) {
  return decode(std::vector<std::string>{stream}, max_event_bytes);
}

std::vector<std::string> types(const Decoded& d) {
  std::vector<std::string> out;
  for (const WatchEvent& e : d.events) out.push_back(e.type);
  return out;
}

TEST(WatchStream, EverySplitOfATwoEventStreamGivesTheSameEvents) {
  const std::string stream = kAdded + "\n" + kBookmark + "\n";
  const Decoded whole = decode(stream);
  ASSERT_EQ(whole.error.kind, Kind::kNone) << whole.error.message;
  ASSERT_EQ(types(whole), (std::vector<std::string>{"ADDED", "BOOKMARK"}));
  EXPECT_EQ(whole.events[0].object, json::parse(kAdded)["object"]);
  EXPECT_EQ(whole.events[1].object["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(whole.pending, 0u);

  for (size_t i = 0; i <= stream.size(); ++i) {
    for (size_t j = i; j <= stream.size(); j += 7) {  // two cuts: i and j
      const Decoded split = decode({stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)});
      ASSERT_EQ(split.error.kind, Kind::kNone) << "cut at " << i << " and " << j << ": " << split.error.message;
      ASSERT_EQ(types(split), types(whole)) << "cut at " << i << " and " << j;
      EXPECT_EQ(split.events[0].object, whole.events[0].object);
      EXPECT_EQ(split.events[1].object, whole.events[1].object);
    }
  }
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  const Decoded one_by_one = decode(bytes);
  ASSERT_EQ(types(one_by_one), types(whole));
  EXPECT_EQ(one_by_one.events[0].object, whole.events[0].object);
}

TEST(WatchStream, CrlfLineEndsAreAccepted) {
  const Decoded d = decode(kAdded + "\r\n" + kBookmark + "\r\n");
  EXPECT_EQ(d.error.kind, Kind::kNone) << d.error.message;
  EXPECT_EQ(types(d), (std::vector<std::string>{"ADDED", "BOOKMARK"}));
}

TEST(WatchStream, BlankLinesAreSkippedAndNotCountedAsEvents) {
  const std::string before = "\n  \n\r\n\t\n" + kAdded + "\n\n";
  const Decoded d = decode(before + "{}\n");
  EXPECT_EQ(types(d), (std::vector<std::string>{"ADDED"}));
  EXPECT_EQ(d.error.kind, Kind::kBadType);
  EXPECT_EQ(d.error.event, 2u);
  EXPECT_EQ(d.error.offset, before.size());
}

// A final line without its newline is the connection cut inside an event:
// never decoded, only reported as pending (Client::watch drops it, as it
// always has; the next watch from the last version seen delivers it again).
TEST(WatchStream, AFinalLineWithoutItsNewlineIsPendingNotDecoded) {
  const Decoded cut = decode(kAdded + "\n" + R"({"type":"MODIFIED","object":)");
  EXPECT_EQ(cut.error.kind, Kind::kNone);
  EXPECT_EQ(types(cut), (std::vector<std::string>{"ADDED"}));
  EXPECT_EQ(cut.pending, std::string(R"({"type":"MODIFIED","object":)").size());

  const Decoded whole_json = decode(kAdded);  // complete JSON, but no newline yet
  EXPECT_EQ(whole_json.error.kind, Kind::kNone);
  EXPECT_TRUE(whole_json.events.empty());
  EXPECT_EQ(whole_json.pending, kAdded.size());
}

TEST(WatchStream, ALineLongerThanTheBoundIsTooLarge) {
  const Decoded exact = decode(kAdded + "\n", kAdded.size());
  EXPECT_EQ(exact.error.kind, Kind::kNone) << exact.error.message;
  EXPECT_EQ(exact.events.size(), 1u);

  const Decoded over = decode(kBookmark + "\n" + kAdded + "\n", kAdded.size() - 1);
  EXPECT_EQ(types(over), (std::vector<std::string>{"BOOKMARK"}));
  EXPECT_EQ(over.error.kind, Kind::kTooLarge);
  EXPECT_EQ(over.error.event, 2u);
  EXPECT_EQ(over.error.offset, kBookmark.size() + 1);
  EXPECT_EQ(over.error.message, "an event is larger than the " + std::to_string(kAdded.size() - 1) +
                                    " bytes bound (event 2, at byte " + std::to_string(kBookmark.size() + 1) + ")");
}

// Part of a line already over the bound is an error at once: the decoder
// does not wait (and buffer) for the newline.
TEST(WatchStream, PartOfALineOverTheBoundIsTooLargeWithoutItsNewline) {
  WatchStreamDecoder d(4 * 1024);
  WatchEvent ev;
  d.feed(std::string(4 * 1024, ' '));
  EXPECT_FALSE(d.next(&ev));
  EXPECT_FALSE(d.failed());
  d.feed("x");
  EXPECT_FALSE(d.next(&ev));
  ASSERT_TRUE(d.failed());
  EXPECT_EQ(d.error().kind, Kind::kTooLarge);
  EXPECT_EQ(d.error().message, "an event is larger than the 4 KiB bound (event 1, at byte 0)");
  EXPECT_EQ(d.pending_bytes(), 0u);
}

TEST(WatchStream, GarbageIsNotJson) {
  const Decoded d = decode("hello\n");
  EXPECT_EQ(d.error.kind, Kind::kNotJson);
  EXPECT_THAT(d.error.message, HasSubstr("not a watch event: hello (event 1, at byte 0: not JSON: "));
  EXPECT_THAT(d.error.message, HasSubstr("syntax error while parsing value - invalid literal"));

  const Decoded trailing = decode(kAdded + " x\n");
  EXPECT_EQ(trailing.error.kind, Kind::kNotJson);
  EXPECT_THAT(trailing.error.message, HasSubstr("invalid literal; expected end of input"));

  // The token nlohmann read last is left out: it may be a whole long string.
  const Decoded unterminated = decode("{\"type\":\"" + std::string(10'000, 'x') + "\n");
  EXPECT_EQ(unterminated.error.kind, Kind::kNotJson);
  EXPECT_LT(unterminated.error.message.size(), 600u);
}

TEST(WatchStream, ControlBytesAndNonAsciiAreEscapedInTheMessage) {
  const Decoded d = decode(std::string("\x01\xff{\x1b[31m\n"));
  EXPECT_EQ(d.error.kind, Kind::kNotJson);
  EXPECT_THAT(d.error.message, HasSubstr("not a watch event: \\x01\\xff{\\x1b[31m (event 1"));
}

TEST(WatchStream, ALongLineIsCutInTheMessage) {
  const Decoded d = decode("[\"" + std::string(10'000, 'x') + "\"]\n");
  EXPECT_EQ(d.error.kind, Kind::kNotObject);
  EXPECT_THAT(d.error.message, HasSubstr("not a watch event: [\"" + std::string(198, 'x') + "... (event 1"));
  EXPECT_LT(d.error.message.size(), 400u);
}

TEST(WatchStream, EachMalformedEventSaysWhatIsWrong) {
  struct Case {
    std::string line;
    Kind kind;
    std::string why;
  };
  const std::vector<Case> cases = {
      {R"([1,2])", Kind::kNotObject, "an array, not an object"},
      {R"("ADDED")", Kind::kNotObject, "a string, not an object"},
      {R"({"object":{}})", Kind::kBadType, "no \"type\""},
      {R"({"type":1,"object":{}})", Kind::kBadType, "\"type\" is a number, not a string"},
      {R"({"type":"added","object":{}})", Kind::kBadType,
       "unknown type \"added\" (not ADDED, MODIFIED, DELETED, BOOKMARK or ERROR)"},
      {R"({"type":"ADDED"})", Kind::kBadObject, "no \"object\""},
      {R"({"type":"DELETED","object":null})", Kind::kBadObject, "\"object\" is null, not an object"},
      {R"({"type":"BOOKMARK","object":"9"})", Kind::kBadObject, "\"object\" is a string, not an object"},
      {R"({"type":"ERROR","object":{"kind":"Pod","code":410}})", Kind::kBadObject,
       "the object of an ERROR event is not a Status (kind \"Pod\")"},
      {R"({"type":"ERROR","object":{"kind":"Status","code":"410"}})", Kind::kBadObject,
       "the Status of an ERROR event has a \"code\" that is not a 32-bit integer"},
      {R"({"type":"ERROR","object":{"code":4294967706}})", Kind::kBadObject,
       "the Status of an ERROR event has a \"code\" that is not a 32-bit integer"},
      {R"({"type":"ERROR","object":{"code":410.5}})", Kind::kBadObject,
       "the Status of an ERROR event has a \"code\" that is not a 32-bit integer"},
      {R"({"type":"ERROR","object":{"code":500,"message":["x"]}})", Kind::kBadObject,
       "the Status of an ERROR event has a \"message\" that is an array, not a string"},
  };
  for (const Case& c : cases) {
    const Decoded d = decode(kBookmark + "\n" + c.line + "\n");
    EXPECT_EQ(types(d), (std::vector<std::string>{"BOOKMARK"})) << c.line;
    EXPECT_EQ(d.error.kind, c.kind) << c.line;
    EXPECT_EQ(d.error.message, "not a watch event: " + c.line + " (event 2, at byte " +
                                   std::to_string(kBookmark.size() + 1) + ": " + c.why + ")");
  }
}

TEST(WatchStream, AnErrorEventCarriesItsStatus) {
  const Decoded d = decode(kGone + "\n" + R"({"type":"ERROR","object":{"code":500}})" + "\n");
  ASSERT_EQ(d.error.kind, Kind::kNone) << d.error.message;
  ASSERT_EQ(types(d), (std::vector<std::string>{"ERROR", "ERROR"}));
  EXPECT_EQ(d.events[0].object["code"], 410);
  EXPECT_EQ(d.events[0].object["reason"], "Expired");
  EXPECT_EQ(d.events[1].object.value("code", 0), 500);
}

json nested(int levels) {  // `levels` objects, one inside the other
  json j = json::object();
  for (int i = 1; i < levels; ++i) j = json{{"a", std::move(j)}};
  return j;
}

// nlohmann's parser keeps its own stack, but copying, comparing, dumping
// and packing a document recurse: the nesting of an event is bounded before
// it is parsed.
TEST(WatchStream, NestingIsBounded) {
  // The event and its object are two levels: the object may nest 254 more.
  const json deepest = nested(kMaxWatchEventDepth - 1);
  const Decoded ok = decode(json{{"type", "ADDED"}, {"object", deepest}}.dump() + "\n");
  ASSERT_EQ(ok.error.kind, Kind::kNone) << ok.error.message;
  EXPECT_EQ(ok.events[0].object, deepest);

  const Decoded too_deep = decode(json{{"type", "ADDED"}, {"object", nested(kMaxWatchEventDepth)}}.dump() + "\n");
  EXPECT_EQ(too_deep.error.kind, Kind::kTooDeep);
  EXPECT_THAT(too_deep.error.message, HasSubstr("(event 1, at byte 0: nested deeper than 256 levels at byte "));

  // One megabyte of '[': refused before any parse, whatever follows.
  const Decoded brackets = decode(std::string(1 << 20, '[') + "\n");
  EXPECT_EQ(brackets.error.kind, Kind::kTooDeep);
  EXPECT_THAT(brackets.error.message, HasSubstr("nested deeper than 256 levels at byte 256 of the line)"));
  EXPECT_LT(brackets.error.message.size(), 400u);

  // Brackets in strings, escaped quotes and closers without an opener do not nest.
  const json strings = {{"type", "MODIFIED"},
                        {"object", {{"a", std::string(1000, '[')}, {"b", "\\\"{{{{"}}}};
  const Decoded in_strings = decode(strings.dump() + "\n");
  EXPECT_EQ(in_strings.error.kind, Kind::kNone) << in_strings.error.message;
  const Decoded closers = decode("]]]]" + std::string(300, '{') + "\n");
  EXPECT_EQ(closers.error.kind, Kind::kTooDeep);
}

TEST(WatchStream, NothingIsDecodedAfterAnError) {
  WatchStreamDecoder d(kBound);
  WatchEvent ev;
  d.feed("nope\n" + kAdded + "\n");
  EXPECT_FALSE(d.next(&ev));
  ASSERT_TRUE(d.failed());
  d.feed(kBookmark + "\n");
  EXPECT_FALSE(d.next(&ev));
  EXPECT_EQ(d.error().kind, Kind::kNotJson);
  EXPECT_EQ(d.error().event, 1u);
  EXPECT_EQ(d.events(), 1u);
}

TEST(WatchStream, OffsetsCountEveryByteOfTheStream) {
  std::vector<std::string> chunks = {kAdded + "\r\n\n", kBookmark.substr(0, 10), kBookmark.substr(10) + "\n",
                                     "  \n", "{\"type\":\"ADDED\",", "\"object\":[]}\n"};
  const Decoded d = decode(chunks);
  EXPECT_EQ(types(d), (std::vector<std::string>{"ADDED", "BOOKMARK"}));
  EXPECT_EQ(d.error.kind, Kind::kBadObject);
  EXPECT_EQ(d.error.event, 3u);
  EXPECT_EQ(d.error.offset, kAdded.size() + 3 + kBookmark.size() + 1 + 3);
}

TEST(WatchStream, BytesText) {
  EXPECT_EQ(bytes_text(16u << 20), "16 MiB");
  EXPECT_EQ(bytes_text(4096), "4 KiB");
  EXPECT_EQ(bytes_text(1000), "1000 bytes");
}

}  // namespace
}  // namespace rg::kube
