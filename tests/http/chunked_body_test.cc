// The chunked transfer coding (RFC 9112 7.1), one row per case.
#include "hookbridge/http/chunked_body.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace hookbridge {
namespace {

using State = ChunkedBodyDecoder::State;

struct ChunkedCase {
  const char* rfc;
  const char* name;
  std::string bytes;
  State state;
  std::string body = "";                          // when complete
  std::optional<ErrorCode> error = std::nullopt;  // when refused
};

TEST(ChunkedBody, EachRowGetsItsOutcome) {
  const ChunkedCase cases[] = {
      {"RFC 9112 7.1", "two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", State::kComplete,
       "hello world"},
      {"RFC 9112 7.1", "hex sizes in any case", "A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n",
       State::kComplete, "01234567890123456789a"},
      {"RFC 9112 7.1.1", "chunk extensions, token and quoted",
       "5;name=value ; other=\"q;\\\"x\"\r\nhello\r\n0;last\r\n\r\n", State::kComplete, "hello"},
      {"RFC 9112 7.1.2", "trailer fields, discarded",
       "2\r\n{}\r\n0\r\nX-Digest: abc\r\nX-B: 1\r\n\r\n", State::kComplete, "{}"},
      {"RFC 9112 7.1", "a malformed size", "zz\r\n{}\r\n0\r\n\r\n", State::kRefused, "",
       ErrorCode::kBadRequest},
      {"RFC 9112 7.1.1", "white space after the size without an extension", "2 \r\n{}\r\n0\r\n\r\n",
       State::kRefused, "", ErrorCode::kBadRequest},
      {"RFC 9112 7.1.1", "white space after an extension name", "2;a \r\n{}\r\n0\r\n\r\n",
       State::kRefused, "", ErrorCode::kBadRequest},
      {"RFC 9110 5.6.4", "a control character in a quoted-pair",
       "2;a=\"\\\x01\"\r\n{}\r\n0\r\n\r\n", State::kRefused, "", ErrorCode::kBadRequest},
      {"RFC 9112 7.1.1", "a malformed extension", "2;=x\r\n{}\r\n0\r\n\r\n", State::kRefused, "",
       ErrorCode::kBadRequest},
      {"RFC 9112 7.1", "data longer than its size", "1\r\n{}\r\n0\r\n\r\n", State::kRefused, "",
       ErrorCode::kBadRequest},
      {"RFC 9112 7.1", "a bare LF after the size", "2\n{}\r\n0\r\n\r\n", State::kRefused, "",
       ErrorCode::kBadRequest},
      {"RFC 9112 7.1.2", "a trailer field with white space before its colon",
       "2\r\n{}\r\n0\r\nX-A : 1\r\n\r\n", State::kRefused, "", ErrorCode::kBadRequest},
      {"RFC 9112 7.1", "a chunk over the body limit", "401\r\n", State::kRefused, "",
       ErrorCode::kPayloadTooLarge},
      {"RFC 9112 7.1", "a size beyond 64 bits", "fffffffffffffffffff\r\n", State::kRefused, "",
       ErrorCode::kPayloadTooLarge},
      {"RFC 9112 7.1", "not finished yet", "5\r\nhel", State::kIncomplete},
  };
  for (const ChunkedCase& c : cases) {
    SCOPED_TRACE(std::string(c.rfc) + ": " + c.name);
    ChunkedBodyDecoder decoder(1024);
    std::string body;
    decoder.Feed(c.bytes, &body);
    ASSERT_EQ(decoder.state(), c.state) << decoder.message();
    if (c.state == State::kComplete) {
      EXPECT_EQ(body, c.body);
    }
    if (c.error) {
      EXPECT_EQ(decoder.error(), *c.error);
    }
  }
}

// A byte at a time gives the same body, and the decoder stops exactly at the
// end of the coding: what follows belongs to the next request.
TEST(ChunkedBody, ByteAtATimeStopsAtTheEndOfTheCoding) {
  const std::string coding = "3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n";
  const std::string next = "GET / HTTP/1.1\r\n";
  const std::string bytes = coding + next;
  ChunkedBodyDecoder decoder(1024);
  std::string body;
  size_t used = 0;
  for (size_t i = 0; i < bytes.size() && decoder.state() == State::kIncomplete; ++i) {
    used += decoder.Feed(std::string_view(bytes).substr(i, 1), &body);
  }
  ASSERT_EQ(decoder.state(), State::kComplete);
  EXPECT_EQ(body, "abcde");
  EXPECT_EQ(used, coding.size());
}

TEST(ChunkedBody, ABodyExactlyAtTheLimitIsTakenOneMoreByteIsNot) {
  std::string at_limit = "400\r\n" + std::string(1024, 'x') + "\r\n0\r\n\r\n";
  ChunkedBodyDecoder decoder(1024);
  std::string body;
  decoder.Feed(at_limit, &body);
  EXPECT_EQ(decoder.state(), State::kComplete);

  std::string over = "400\r\n" + std::string(1024, 'x') + "\r\n1\r\ny\r\n0\r\n\r\n";
  ChunkedBodyDecoder strict(1024);
  body.clear();
  strict.Feed(over, &body);
  EXPECT_EQ(strict.state(), State::kRefused);
  EXPECT_EQ(strict.error(), ErrorCode::kPayloadTooLarge);
}

TEST(ChunkedBody, EndlessSizeLinesAndTrailersAreBounded) {
  ChunkedBodyDecoder decoder(1024, /*max_line_bytes=*/64, /*max_trailer_bytes=*/128);
  std::string body;
  decoder.Feed("1;" + std::string(100, 'a'), &body);
  EXPECT_EQ(decoder.state(), State::kRefused);

  ChunkedBodyDecoder trailers(1024, 64, 128);
  std::string many = "0\r\n";
  for (int i = 0; i < 20; ++i) many += "X-T: 1234567890\r\n";
  trailers.Feed(many, &body);
  EXPECT_EQ(trailers.state(), State::kRefused);
}

}  // namespace
}  // namespace hookbridge
