// An answer's bytes on the wire (RFC 9112 4, 6.2; RFC 9110 9.3.2).
#include "hookbridge/http/answer_wire.h"

#include <gtest/gtest.h>

namespace hookbridge {
namespace {

TEST(AnswerWire, CarriesLengthTypeDateIdAndTheAnswersHeaders) {
  HttpRequest request;
  request.id = "req-1";
  request.answer = ErrorResponse(ErrorCode::kOverloaded, "retry later");
  std::string wire = WireAnswer(request, /*close=*/true, "Wed, 02 Dec 2026 05:00:00 GMT");
  EXPECT_EQ(wire.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << wire;
  EXPECT_NE(wire.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(wire.find("\r\nContent-Length: " + std::to_string(request.answer.body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(wire.find("\r\nDate: Wed, 02 Dec 2026 05:00:00 GMT\r\n"), std::string::npos);
  EXPECT_NE(wire.find("\r\nRetry-After: 1\r\n"), std::string::npos);
  EXPECT_NE(wire.find("\r\nX-Request-Id: req-1\r\n"), std::string::npos);
  EXPECT_NE(wire.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - request.answer.body.size()), request.answer.body);
}

TEST(AnswerWire, HeadGetsTheLengthButNoBodyAndHttp10IsToldItStaysOpen) {
  HttpRequest request;
  request.head_bytes = "HEAD /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  RequestHeadParser parser(HeadLimits{});
  ASSERT_EQ(parser.Feed(request.head_bytes, &request.head), RequestHeadParser::State::kComplete);
  request.answer = AliveResponse();
  std::string wire = WireAnswer(request, /*close=*/false, "d");
  EXPECT_NE(wire.find("Content-Length: 18\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n") << "no body after the head";
}

}  // namespace
}  // namespace hookbridge
