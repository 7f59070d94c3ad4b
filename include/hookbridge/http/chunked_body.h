// The chunked transfer coding (RFC 9112 7.1), decoded incrementally as the
// bytes arrive: plain code, no socket.
//
// Chunk extensions are checked and ignored (7.1.1); trailer fields are checked
// like header fields and discarded (7.1.2): nothing in them reaches Kafka. The
// decoded body is bounded by `max_body`; every line is bounded too, so a
// client cannot make the decoder buffer without end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hookbridge/core/http_response.h"

namespace hookbridge {

class ChunkedBodyDecoder {
 public:
  enum class State { kIncomplete, kComplete, kRefused };

  // `max_line_bytes` bounds a chunk-size line; `max_trailer_bytes` the trailer section.
  ChunkedBodyDecoder(size_t max_body, size_t max_line_bytes = 4096,
                     size_t max_trailer_bytes = 64 * 1024)
      : max_body_(max_body),
        max_line_bytes_(max_line_bytes),
        max_trailer_bytes_(max_trailer_bytes) {}

  // Decodes from `input`, appending chunk data to *body. Returns how many
  // bytes of `input` belong to the body (once kComplete, what follows is the
  // next request); see state().
  size_t Feed(std::string_view input, std::string* body);

  State state() const { return state_; }
  // Once kRefused: kPayloadTooLarge or kBadRequest, with a message.
  ErrorCode error() const { return error_; }
  const char* message() const { return message_; }

 private:
  enum class Step { kSizeLine, kData, kDataEnd, kTrailer };

  // A complete chunk-size line (without its CR LF).
  void TakeSizeLine(std::string_view line, size_t body_size);
  void TakeTrailerLine(std::string_view line);
  void Refuse(ErrorCode error, const char* message);

  const size_t max_body_;
  const size_t max_line_bytes_;
  const size_t max_trailer_bytes_;
  State state_ = State::kIncomplete;
  Step step_ = Step::kSizeLine;
  std::string line_;         // the line being received (size line or trailer field)
  uint64_t chunk_left_ = 0;  // data bytes of the current chunk still to come
  size_t trailer_bytes_ = 0;
  ErrorCode error_ = ErrorCode::kBadRequest;
  const char* message_ = "";
};

}  // namespace hookbridge
