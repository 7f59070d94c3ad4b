// libFuzzer target: raw request bytes through the request-head rules and the
// chunked decoder, as the connection loop feeds them.
//
// Invariants: no crash, no sanitizer report; the outcome does not depend on
// how the bytes are sliced (whole, or a byte at a time); a complete head is
// no longer than the input, its field names are tokens and its values hold
// no CR, LF or NUL; chunked and Content-Length framing never come together;
// a decoded body never passes its limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hookbridge/http/chunked_body.h"
#include "hookbridge/http/request_head.h"
#include "hookbridge/rules/rules.h"

namespace {

using namespace hookbridge;

constexpr size_t kMaxBody = 1024;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  HeadLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_request_line_bytes = 512;

  RequestHeadParser whole(limits);
  HttpRequestHead head;
  const RequestHeadParser::State state = whole.Feed(input, &head);

  RequestHeadParser sliced(limits);
  HttpRequestHead sliced_head;
  RequestHeadParser::State sliced_state = RequestHeadParser::State::kIncomplete;
  const size_t step = size <= 2048 ? 1 : size / 7 + 1;  // a byte at a time while that is cheap
  for (size_t fed = std::min(step, size); sliced_state == RequestHeadParser::State::kIncomplete;
       fed = std::min(fed + step, size)) {
    sliced_state = sliced.Feed(std::string_view(input).substr(0, fed), &sliced_head);
    if (fed == size) break;
  }
  Check(sliced_state == state);
  if (state == RequestHeadParser::State::kRefused) Check(sliced.error() == whole.error());
  if (state != RequestHeadParser::State::kComplete) return 0;

  Check(whole.head_size() <= size && sliced.head_size() == whole.head_size());
  Check(sliced_head.fields.size() == head.fields.size());
  for (const HeaderField& field : head.fields) {
    Check(IsToken(field.name));
    Check(field.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
  }
  Check(!(head.framing == BodyFraming::kChunked && head.Has("Content-Length")));
  Check(head.minor_version == 0 || head.minor_version == 1);

  if (head.framing == BodyFraming::kChunked) {
    ChunkedBodyDecoder decoder(kMaxBody);
    std::string body;
    const std::string_view rest = std::string_view(input).substr(whole.head_size());
    const size_t used = decoder.Feed(rest, &body);
    Check(used <= rest.size());
    Check(body.size() <= kMaxBody);
    if (decoder.state() == ChunkedBodyDecoder::State::kIncomplete) Check(used == rest.size());
  }
  return 0;
}
