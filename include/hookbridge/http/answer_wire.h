// An answer as the bytes sent on the wire (RFC 9112 4 and 6): plain code.
#pragma once

#include <string>
#include <string_view>

#include "hookbridge/http/http_request.h"

namespace hookbridge {

// The status line, headers and body of `request.answer`: Content-Type,
// Content-Length, Date, X-Request-Id and the answer's own headers; with
// "Connection: close" when `close`. No body for HEAD.
std::string WireAnswer(const HttpRequest& request, bool close, std::string_view date);

// The interim answer to "Expect: 100-continue" (RFC 9110 15.2.1).
inline constexpr std::string_view kContinueAnswer = "HTTP/1.1 100 Continue\r\n\r\n";

// A whole answer that closes the connection, for when there is no request to
// answer (a connection turned away before its request was read).
std::string WireAnswerWithoutRequest(const HttpResponse& answer, std::string_view date);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7) for the current second.
std::string HttpDate();

}  // namespace hookbridge
