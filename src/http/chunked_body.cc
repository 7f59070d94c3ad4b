#include "hookbridge/http/chunked_body.h"

#include <algorithm>

#include "hookbridge/http/request_head.h"
#include "hookbridge/rules/rules.h"

namespace hookbridge {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t SkipWhiteSpace(std::string_view text, size_t at) {  // BWS
  while (at < text.size() && IsOws(text[at])) ++at;
  return at;
}

size_t SkipToken(std::string_view text, size_t at) {
  size_t end = at;
  while (end < text.size() && IsTokenChar(text[end])) ++end;
  return end;
}

// RFC 9110 5.6.4: a quoted-string starting at `at`; npos if malformed.
size_t SkipQuotedString(std::string_view text, size_t at) {
  if (at >= text.size() || text[at] != '"') return std::string_view::npos;
  for (size_t i = at + 1; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"') return i + 1;
    if (byte == '\\') {  // quoted-pair: HTAB, SP, VCHAR or obs-text
      if (++i == text.size() || !IsValidFieldValue(text.substr(i, 1)))
        return std::string_view::npos;
      continue;
    }
    if ((byte < 0x20 && byte != '\t') || byte == 0x7F) return std::string_view::npos;
  }
  return std::string_view::npos;
}

// RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
bool IsValidChunkExtensions(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    at = SkipWhiteSpace(text, at);  // BWS only before a ";"
    if (at == text.size() || text[at] != ';') return false;
    at = SkipWhiteSpace(text, at + 1);
    size_t name_end = SkipToken(text, at);
    if (name_end == at) return false;
    at = SkipWhiteSpace(text, name_end);
    if (at == text.size() || text[at] != '=') {
      at = name_end;  // no value: BWS may follow only before the next ";"
    } else {
      at = SkipWhiteSpace(text, at + 1);
      size_t value_end =
          at < text.size() && text[at] == '"' ? SkipQuotedString(text, at) : SkipToken(text, at);
      if (value_end == std::string_view::npos || value_end == at) return false;
      at = value_end;
    }
  }
  return true;
}

}  // namespace

void ChunkedBodyDecoder::Refuse(ErrorCode error, const char* message) {
  state_ = State::kRefused;
  error_ = error;
  message_ = message;
}

void ChunkedBodyDecoder::TakeSizeLine(std::string_view line, size_t body_size) {
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && HexValue(line[digits]) >= 0) {
    if (size > (UINT64_MAX >> 4))
      return Refuse(ErrorCode::kPayloadTooLarge, "chunk size too large");
    size = (size << 4) | static_cast<uint64_t>(HexValue(line[digits]));
    ++digits;
  }
  if (digits == 0 || !IsValidChunkExtensions(line.substr(digits))) {
    return Refuse(ErrorCode::kBadRequest, "malformed chunk size line");
  }
  if (size > max_body_ - body_size) {
    return Refuse(ErrorCode::kPayloadTooLarge, "request body too large");
  }
  chunk_left_ = size;
  step_ = size == 0 ? Step::kTrailer : Step::kData;
}

void ChunkedBodyDecoder::TakeTrailerLine(std::string_view line) {
  if (line.empty()) {
    state_ = State::kComplete;
    return;
  }
  // RFC 9112 7.1.2: trailer fields have the syntax of header fields.
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon)) ||
      !IsValidFieldValue(line.substr(colon + 1))) {
    Refuse(ErrorCode::kBadRequest, "malformed trailer field");
  }
}

size_t ChunkedBodyDecoder::Feed(std::string_view input, std::string* body) {
  size_t used = 0;
  while (used < input.size() && state_ == State::kIncomplete) {
    if (step_ == Step::kData) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_left_, input.size() - used));
      body->append(input.data() + used, take);
      used += take;
      chunk_left_ -= take;
      if (chunk_left_ == 0) step_ = Step::kDataEnd;
      continue;
    }
    // A line: the CR LF after chunk data, a chunk-size line or a trailer line.
    size_t newline = input.find('\n', used);
    size_t end = newline == std::string_view::npos ? input.size() : newline + 1;
    line_.append(input.data() + used, end - used);
    used = end;
    const size_t limit =
        step_ == Step::kTrailer ? max_trailer_bytes_ - trailer_bytes_ : max_line_bytes_;
    if (line_.size() > limit) {
      Refuse(ErrorCode::kBadRequest, "chunk line or trailer too long");
      break;
    }
    if (newline == std::string_view::npos) break;
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r' ||
        line_.find('\r') != line_.size() - 2) {
      Refuse(ErrorCode::kBadRequest, "chunk line not ended by CR LF");
      break;
    }
    std::string_view line(line_.data(), line_.size() - 2);
    switch (step_) {
      case Step::kDataEnd:
        if (!line.empty()) Refuse(ErrorCode::kBadRequest, "chunk data longer than its size");
        step_ = Step::kSizeLine;
        break;
      case Step::kSizeLine: TakeSizeLine(line, body->size()); break;
      case Step::kTrailer:
        trailer_bytes_ += line_.size();
        TakeTrailerLine(line);
        break;
      case Step::kData: break;  // handled above
    }
    line_.clear();
  }
  return used;
}

}  // namespace hookbridge
