// The rules for an HTTP/1.1 request head (RFC 9110, RFC 9112), as plain
// code over the bytes received: no socket, no clock, no library.
//
// RequestHeadParser is fed the bytes of a connection as they arrive and says
// when the head (request line and header fields) is complete, or why it is
// refused. It is strict where leniency lets two parsers disagree on where a
// message ends (request smuggling): every line ends in CR LF, a field name is
// a token followed at once by a colon, no value holds a control character,
// and the body's framing (Content-Length or chunked) is never ambiguous.
// Field values are kept exactly as sent, minus the surrounding white space:
// nothing is decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/core/http_response.h"

namespace hookbridge {

struct HeaderField {
  std::string_view name;   // a token, as sent (compare without regard to case)
  std::string_view value;  // as sent, without leading and trailing white space
};

enum class BodyFraming {
  kNone,           // neither Content-Length nor Transfer-Encoding: no body
  kContentLength,  // content_length bytes
  kChunked,        // Transfer-Encoding: chunked
};

// A complete, accepted request head. Its views point into the bytes the
// parser was fed, which must outlive it.
struct HttpRequestHead {
  std::string_view method;  // a token; methods are case-sensitive
  std::string_view target;  // the request-target as sent
  // The target's path without its query: from the origin form ("/a?b") or the
  // absolute form ("http://host/a?b", RFC 9112 3.2.2); "*" for OPTIONS *; empty
  // for the authority form of CONNECT.
  std::string_view path;
  int minor_version = 1;  // HTTP/1.<minor_version>
  std::vector<HeaderField> fields;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;         // no "Connection: close" (HTTP/1.0: "keep-alive" asked)
  bool expects_continue = false;  // "Expect: 100-continue" on HTTP/1.1

  // Every value of the field `name` (case-insensitive), in the order received.
  std::vector<std::string_view> Values(std::string_view name) const;
  // The first value of `name`, or empty.
  std::string_view Value(std::string_view name) const;
  bool Has(std::string_view name) const;
};

struct HeadLimits {
  size_t max_head_bytes = 64 * 1024;     // request line and header fields (and empty lines before)
  size_t max_request_line_bytes = 8192;  // past it: 414 URI Too Long
};

class RequestHeadParser {
 public:
  enum class State { kIncomplete, kComplete, kRefused };

  explicit RequestHeadParser(HeadLimits limits) : limits_(limits) {}

  // `received`: every byte of the connection since the head began (the same
  // buffer, grown, on each call). Checks the lines completed since the last
  // call; once the empty line that ends the head arrives, fills *head.
  State Feed(std::string_view received, HttpRequestHead* head);

  // Once kComplete: the bytes of the head, including its final empty line.
  size_t head_size() const { return head_size_; }
  // Once kRefused: why, as the answer's error and message.
  ErrorCode error() const { return error_; }
  const char* message() const { return message_; }

  // Starts over for the next request on the connection.
  void Reset() { *this = RequestHeadParser(limits_); }

 private:
  static constexpr size_t kNotYet = static_cast<size_t>(-1);

  State Refuse(ErrorCode error, const char* message);
  // The checks on a complete head that need all of its fields.
  State Finish(std::string_view received, HttpRequestHead* head);

  HeadLimits limits_;
  size_t scanned_ = 0;                   // bytes of complete lines checked so far
  size_t searched_ = 0;                  // bytes searched for the end of a line
  size_t request_line_start_ = kNotYet;  // after the empty lines that may precede it
  size_t head_size_ = 0;
  ErrorCode error_ = ErrorCode::kBadRequest;
  const char* message_ = "";
};

// RFC 9110 5.5: a field value (or a part of one): no control character but HTAB.
bool IsValidFieldValue(std::string_view value);

// An X-Request-Id hookbridge echoes and logs: 1 to 128 of [A-Za-z0-9-_.:].
bool IsWellFormedRequestId(std::string_view id);

}  // namespace hookbridge
