// The one way hookbridge reads a JSON body, whoever reads it: a GetProfile
// event (webhook_event.cc) and a source's JSON-Pointer contract
// (sources/event_fields.cc). RapidJSON's SAX Reader with a handler of the
// caller's: no DOM, nesting capped at kMaxJsonDepth, numbers passed as text
// (never converted: CVE-2024-38517), invalid UTF-8, NUL bytes and unpaired
// surrogate escapes refused, each with the same message wherever it is read.
// Stateless apart from the guard, which lives in one handler for one read.
#pragma once

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "hookbridge/core/webhook_event.h"

namespace hookbridge {

// What RapidJSON itself lets through and hookbridge does not: nesting deeper
// than kMaxJsonDepth and a decoded unpaired surrogate. A SAX handler holds
// one, calls Enter() on each object or array and Leave() at its end, and
// CheckString() on each string and key; a false return is the handler's
// answer to the reader (stop: not JSON hookbridge takes).
class StrictJsonGuard {
 public:
  // Without a backslash in the body no string holds an escape, so none can
  // hold a decoded surrogate, and strings need not be scanned for one.
  explicit StrictJsonGuard(std::string_view body)
      : may_hold_escapes_(std::memchr(body.data(), '\\', body.size()) != nullptr) {}

  bool Enter() {
    if (++depth_ > kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    return true;
  }
  void Leave() { --depth_; }
  // Objects and arrays open around the current value: 0 at the top.
  int depth() const { return depth_; }

  bool CheckString(std::string_view text) {
    if (may_hold_escapes_ && HasEncodedSurrogate(text)) lone_surrogate_ = true;
    return !lone_surrogate_;
  }

  bool too_deep() const { return too_deep_; }
  bool lone_surrogate() const { return lone_surrogate_; }

 private:
  const bool may_hold_escapes_;
  int depth_ = 0;
  bool too_deep_ = false;
  bool lone_surrogate_ = false;
};

// Why the read of a body stopped or failed, for a 400 (never echoes input).
std::string StrictJsonRefusal(const StrictJsonGuard& guard, const rapidjson::ParseResult& parsed);

// Reads all of `body` with `handler`, whose guard() is its StrictJsonGuard
// made from this body: nullopt when the body is one JSON text hookbridge
// takes, else why not. Whether that text suits the reader (an object, the
// members it needs) is the handler's to say.
template <typename Handler>
std::optional<std::string> ReadStrictJson(std::string_view body, Handler& handler) {
  // RapidJSON treats NUL as the end of input; a raw NUL is never valid JSON.
  if (std::memchr(body.data(), '\0', body.size()) != nullptr) {
    return std::string("body contains a NUL byte");
  }
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseIterativeFlag;
  // A local allocator instance: a reader left to itself allocates one per parse.
  rapidjson::CrtAllocator stack_allocator;
  rapidjson::Reader reader(&stack_allocator);
  rapidjson::MemoryStream stream(body.data(), body.size());
  const rapidjson::ParseResult parsed = reader.Parse<kFlags>(stream, handler);
  const StrictJsonGuard& guard = handler.guard();
  if (!parsed.IsError() && !guard.too_deep() && !guard.lone_surrogate()) return std::nullopt;
  return StrictJsonRefusal(guard, parsed);
}

}  // namespace hookbridge
