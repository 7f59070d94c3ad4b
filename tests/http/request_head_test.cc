// The request-head rules, one row per case with the RFC section it follows.
#include "hookbridge/http/request_head.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace hookbridge {
namespace {

struct HeadCase {
  const char* rfc;  // the section the row follows
  const char* name;
  std::string bytes;
  RequestHeadParser::State state;
  std::optional<ErrorCode> error = std::nullopt;  // when refused
};

std::string Head(const std::string& request_line, const std::vector<std::string>& fields) {
  std::string head = request_line + "\r\n";
  for (const std::string& field : fields) head += field + "\r\n";
  return head + "\r\n";
}

using State = RequestHeadParser::State;

std::vector<HeadCase> Cases() {
  const std::string host = "Host: hookbridge";
  return {
      {"RFC 9112 3.2.1", "origin form", Head("POST /webhooks/x?a=b HTTP/1.1", {host}),
       State::kComplete},
      {"RFC 9112 3.2.2", "absolute form",
       Head("POST http://hookbridge:8080/webhooks/x HTTP/1.1", {host}), State::kComplete},
      {"RFC 9112 3.2.2", "absolute form, https, no path",
       Head("GET https://hookbridge HTTP/1.1", {host}), State::kComplete},
      {"RFC 9112 3.2.2", "absolute form of another scheme",
       Head("GET ftp://hookbridge/x HTTP/1.1", {host}), State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 3.2.3", "authority form for CONNECT",
       Head("CONNECT hookbridge:443 HTTP/1.1", {host}), State::kComplete},
      {"RFC 9112 3.2.4", "asterisk form for OPTIONS", Head("OPTIONS * HTTP/1.1", {host}),
       State::kComplete},
      {"RFC 9112 3.2.4", "asterisk form for GET", Head("GET * HTTP/1.1", {host}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 3.2", "HTTP/1.1 without Host", Head("GET /healthz HTTP/1.1", {}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 3.2", "HTTP/1.0 without Host", Head("GET /healthz HTTP/1.0", {}),
       State::kComplete},
      {"RFC 9112 3.2", "two Host fields", Head("GET /healthz HTTP/1.1", {host, host}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 3.2", "an invalid Host value", Head("GET /healthz HTTP/1.1", {"Host: a b"}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 3.2", "an empty Host value", Head("GET /healthz HTTP/1.1", {"Host:"}),
       State::kComplete},
      {"RFC 9112 3.2", "Host with an IPv6 literal and port",
       Head("GET / HTTP/1.1", {"Host: [::1]:8080"}), State::kComplete},
      {"RFC 9112 2.2", "empty lines before the request line",
       "\r\n\r\n" + Head("GET / HTTP/1.1", {host}), State::kComplete},
      {"RFC 9112 2.2", "a bare LF ends a field line", "GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n",
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 2.2", "a bare CR in a field value", Head("GET / HTTP/1.1", {host, "X-A: a\rb"}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 2.3", "HTTP/2.0 on HTTP/1 framing", Head("GET / HTTP/2.0", {host}),
       State::kRefused, ErrorCode::kVersionNotSupported},
      {"RFC 9110 2.5", "a later HTTP/1 minor version", Head("GET / HTTP/1.7", {host}),
       State::kComplete},
      {"RFC 9112 2.3", "a malformed version", Head("GET / HTTP/1.10", {host}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 3", "two spaces in the request line", Head("GET  / HTTP/1.1", {host}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 3", "a method that is not a token", Head("G(T / HTTP/1.1", {host}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 3", "a non-ASCII byte in the target", Head("GET /\xC3\xA9 HTTP/1.1", {host}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 3 / RFC 9110 15.5.15", "a 10 KB request target",
       Head("GET /" + std::string(10 * 1024, 'p') + " HTTP/1.1", {host}), State::kRefused,
       ErrorCode::kUriTooLong},
      {"RFC 9112 5.1", "white space before the colon",
       Head("POST / HTTP/1.1", {host, "Content-Length : 5"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 5.2", "obsolete line folding",
       Head("POST / HTTP/1.1", {host, "X-A: a", " folded"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 5", "a field line without a colon",
       Head("POST / HTTP/1.1", {host, "Content-Length 5"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9110 5.5", "NUL in a field value",
       Head("GET / HTTP/1.1", {host, std::string("X-A: a\0b", 8)}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9110 5.5", "obs-text in a field value", Head("GET / HTTP/1.1", {host, "X-A: caf\xE9"}),
       State::kComplete},
      {"RFC 6585 5", "a head over 64 KiB",
       Head("GET / HTTP/1.1", {host, "X-Big: " + std::string(70 * 1024, 'b')}), State::kRefused,
       ErrorCode::kHeadersTooLarge},
      {"RFC 9112 6.1", "chunked", Head("POST / HTTP/1.1", {host, "Transfer-Encoding: chunked"}),
       State::kComplete},
      {"RFC 9112 6.1", "chunked, any case, with white space",
       Head("POST / HTTP/1.1", {host, "Transfer-Encoding:  ChUnKeD "}), State::kComplete},
      {"RFC 9112 6.1", "chunked not last",
       Head("POST / HTTP/1.1", {host, "Transfer-Encoding: chunked, gzip"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 6.1", "chunked twice, on two lines",
       Head("POST / HTTP/1.1", {host, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9112 6.1", "a coding we do not implement before chunked",
       Head("POST / HTTP/1.1", {host, "Transfer-Encoding: gzip, chunked"}), State::kRefused,
       ErrorCode::kNotImplemented},
      {"RFC 9112 6.1", "Transfer-Encoding in HTTP/1.0",
       Head("POST / HTTP/1.0", {"Transfer-Encoding: chunked"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9112 6.3", "Transfer-Encoding and Content-Length",
       Head("POST / HTTP/1.1", {host, "Transfer-Encoding: chunked", "Content-Length: 5"}),
       State::kRefused, ErrorCode::kBadRequest},
      {"RFC 9110 8.6", "two equal Content-Length lines",
       Head("POST / HTTP/1.1", {host, "Content-Length: 5", "Content-Length: 5"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9110 8.6", "a Content-Length list",
       Head("POST / HTTP/1.1", {host, "Content-Length: 5, 5"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9110 8.6", "a signed Content-Length",
       Head("POST / HTTP/1.1", {host, "Content-Length: +5"}), State::kRefused,
       ErrorCode::kBadRequest},
      {"RFC 9110 8.6", "a Content-Length past 18 digits",
       Head("POST / HTTP/1.1", {host, "Content-Length: 9999999999999999999"}), State::kRefused,
       ErrorCode::kBadRequest},
  };
}

TEST(RequestHeadRules, EachRowGetsItsOutcome) {
  for (const HeadCase& c : Cases()) {
    SCOPED_TRACE(std::string(c.rfc) + ": " + c.name);
    RequestHeadParser parser(HeadLimits{});
    HttpRequestHead head;
    State state = parser.Feed(c.bytes, &head);
    ASSERT_EQ(state, c.state) << parser.message();
    if (c.error) {
      EXPECT_EQ(parser.error(), *c.error) << parser.message();
    }
    if (state == State::kComplete) {
      EXPECT_EQ(parser.head_size(), c.bytes.size());
    }
  }
}

TEST(RequestHeadRules, EveryTargetFormGivesItsPath) {
  struct Row {
    const char* request_line;
    const char* path;
  } rows[] = {
      {"POST /webhooks/getprofile?x=1 HTTP/1.1", "/webhooks/getprofile"},
      {"POST http://h:1/webhooks/getprofile?x=1 HTTP/1.1", "/webhooks/getprofile"},
      {"GET HTTP://h HTTP/1.1", "/"},
      {"GET http://h?x HTTP/1.1", "/"},
      {"OPTIONS * HTTP/1.1", "*"},
      {"CONNECT h:443 HTTP/1.1", ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.request_line);
    std::string bytes = Head(row.request_line, {"Host: h"});
    RequestHeadParser parser(HeadLimits{});
    HttpRequestHead head;
    ASSERT_EQ(parser.Feed(bytes, &head), State::kComplete) << parser.message();
    EXPECT_EQ(head.path, row.path);
  }
}

// RFC 9110 5.5: nothing is decoded. A percent-encoded CR LF stays three
// characters each, so it can neither split a header nor pass as a key.
TEST(RequestHeadRules, FieldValuesAreKeptExactlyAsSentWithoutSurroundingWhiteSpace) {
  std::string bytes =
      Head("POST /x HTTP/1.1", {"Host: h", "Authorization: \t Bearer a%0D%0Ab \t",
                                "Content-Type: application/json;%20charset=latin1"});
  RequestHeadParser parser(HeadLimits{});
  HttpRequestHead head;
  ASSERT_EQ(parser.Feed(bytes, &head), State::kComplete);
  EXPECT_EQ(head.Value("authorization"), "Bearer a%0D%0Ab");
  EXPECT_EQ(head.Values("Content-Type"),
            std::vector<std::string_view>{"application/json;%20charset=latin1"});
  EXPECT_TRUE(head.Has("HOST"));
}

TEST(RequestHeadRules, FramingAndPersistenceAreRead) {
  struct Row {
    std::string bytes;
    BodyFraming framing;
    uint64_t length;
    bool keep_alive;
    bool expects_continue;
  } rows[] = {
      {Head("GET / HTTP/1.1", {"Host: h"}), BodyFraming::kNone, 0, true, false},
      {Head("POST / HTTP/1.1", {"Host: h", "Content-Length: 42"}), BodyFraming::kContentLength, 42,
       true, false},
      {Head("POST / HTTP/1.1", {"Host: h", "Transfer-Encoding: chunked", "Expect: 100-continue"}),
       BodyFraming::kChunked, 0, true, true},
      {Head("GET / HTTP/1.1", {"Host: h", "Connection: keep-alive, Close"}), BodyFraming::kNone, 0,
       false, false},
      {Head("GET / HTTP/1.0", {}), BodyFraming::kNone, 0, false, false},
      {Head("GET / HTTP/1.0", {"Connection: Keep-Alive", "Expect: 100-continue"}),
       BodyFraming::kNone, 0, true, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.bytes);
    RequestHeadParser parser(HeadLimits{});
    HttpRequestHead head;
    ASSERT_EQ(parser.Feed(row.bytes, &head), State::kComplete) << parser.message();
    EXPECT_EQ(head.framing, row.framing);
    EXPECT_EQ(head.content_length, row.length);
    EXPECT_EQ(head.keep_alive, row.keep_alive);
    EXPECT_EQ(head.expects_continue, row.expects_continue);
  }
}

// Bytes arrive in any slicing; the outcome and the head size do not change,
// and what follows the head (a body, the next request) is not part of it.
TEST(RequestHeadRules, ByteAtATimeGivesTheSameHead) {
  const std::string head_bytes = Head("POST /x HTTP/1.1", {"Host: h", "Content-Length: 2"});
  const std::string received = head_bytes + "{}GET / HTTP/1.1\r\n";
  RequestHeadParser parser(HeadLimits{});
  HttpRequestHead head;
  State state = State::kIncomplete;
  size_t fed = 0;
  while (state == State::kIncomplete && fed < received.size()) {
    state = parser.Feed(std::string_view(received).substr(0, ++fed), &head);
  }
  ASSERT_EQ(state, State::kComplete);
  EXPECT_EQ(parser.head_size(), head_bytes.size());
  EXPECT_EQ(fed, head_bytes.size()) << "complete as soon as its empty line arrived";
  EXPECT_EQ(head.content_length, 2u);
}

// A request line still growing past its limit is refused before it ends:
// a 100 KB target gets 414, never a silent close.
TEST(RequestHeadRules, AnUnfinishedOverlongRequestLineIsRefusedAt414) {
  RequestHeadParser parser(HeadLimits{});
  HttpRequestHead head;
  std::string bytes = "GET /" + std::string(100 * 1024, 'p');
  EXPECT_EQ(parser.Feed(bytes, &head), State::kRefused);
  EXPECT_EQ(parser.error(), ErrorCode::kUriTooLong);
}

TEST(RequestHeadRules, AHeadStillGrowingPastItsBudgetIsRefusedAt431) {
  RequestHeadParser parser(HeadLimits{});
  HttpRequestHead head;
  std::string bytes = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 10000; ++i) bytes += "X-Header-" + std::to_string(i) + ": value\r\n";
  EXPECT_EQ(parser.Feed(bytes, &head), State::kRefused);
  EXPECT_EQ(parser.error(), ErrorCode::kHeadersTooLarge);
}

// RFC 9112 2.2 lets a server ignore empty lines before a request; endless
// ones are still bytes held, and count toward the head's budget.
TEST(RequestHeadRules, EndlessEmptyLinesBeforeARequestAreRefusedAt431) {
  RequestHeadParser parser(HeadLimits{});
  HttpRequestHead head;
  std::string bytes;
  for (int i = 0; i < 40000; ++i) bytes += "\r\n";
  EXPECT_EQ(parser.Feed(bytes, &head), State::kRefused);
  EXPECT_EQ(parser.error(), ErrorCode::kHeadersTooLarge);
}

TEST(RequestIds, OnlyShortPlainIdsAreTaken) {
  EXPECT_TRUE(IsWellFormedRequestId("trace-1.2:3_4"));
  EXPECT_TRUE(IsWellFormedRequestId(std::string(128, 'a')));
  EXPECT_FALSE(IsWellFormedRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsWellFormedRequestId(""));
  EXPECT_FALSE(IsWellFormedRequestId("abc%0D%0AX-Injected:%20yes"));
  EXPECT_FALSE(IsWellFormedRequestId("a b"));
}

}  // namespace
}  // namespace hookbridge
