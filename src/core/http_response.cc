#include "hookbridge/core/http_response.h"

#include <rapidjson/allocators.h>
#include <rapidjson/writer.h>

#include <initializer_list>

namespace hookbridge {
namespace {

struct ErrorInfo {
  int status;
  const char* name;
  const char* rejection_reason;
};

ErrorInfo InfoOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return {400, "bad_request", "framing"};
    case ErrorCode::kInvalidJson: return {400, "invalid_json", "json"};
    case ErrorCode::kUnauthorized: return {401, "unauthorized", "auth"};
    case ErrorCode::kInvalidKey: return {401, "unauthorized", "auth"};
    case ErrorCode::kSignatureMissing: return {401, "unauthorized", "signature_missing"};
    case ErrorCode::kSignatureInvalid: return {401, "unauthorized", "signature_invalid"};
    case ErrorCode::kStaleTimestamp: return {401, "unauthorized", "timestamp_out_of_tolerance"};
    case ErrorCode::kForbidden: return {403, "forbidden", "verify_token"};
    case ErrorCode::kNotFound: return {404, "not_found", "not_found"};
    case ErrorCode::kMethodNotAllowed: return {405, "method_not_allowed", "method"};
    case ErrorCode::kRequestTimeout: return {408, "request_timeout", "framing"};
    case ErrorCode::kLengthRequired: return {411, "length_required", "framing"};
    case ErrorCode::kPayloadTooLarge: return {413, "payload_too_large", "size"};
    case ErrorCode::kUriTooLong: return {414, "uri_too_long", "framing"};
    case ErrorCode::kUnsupportedMediaType: return {415, "unsupported_media_type", "content_type"};
    case ErrorCode::kInvalidEvent: return {422, "invalid_event", "schema"};
    case ErrorCode::kHeadersTooLarge: return {431, "header_fields_too_large", "framing"};
    case ErrorCode::kInternalError: return {500, "internal_error", "internal"};
    case ErrorCode::kNotImplemented: return {501, "not_implemented", "framing"};
    case ErrorCode::kUnavailable: return {503, "unavailable", "unavailable"};
    case ErrorCode::kOverloaded: return {503, "overloaded", "overload"};
    case ErrorCode::kVersionNotSupported: return {505, "http_version_not_supported", "framing"};
  }
  return {500, "internal_error", "internal"};
}

// RapidJSON's output stream concept over a std::string, so the Writer writes
// the answer body in place instead of into a buffer that is then copied.
class StringOutput {
 public:
  using Ch = char;
  explicit StringOutput(std::string& out) : out_(out) {}
  void Put(char c) { out_.push_back(c); }
  void Flush() {}

 private:
  std::string& out_;
};

using JsonMember = std::pair<const char*, std::string_view>;

// String members as a JSON object; RapidJSON does the escaping.
std::string JsonObject(std::initializer_list<JsonMember> members) {
  std::string out;
  size_t expected = 16;
  for (const auto& member : members) expected += 8 + member.second.size();
  out.reserve(expected);  // enough unless escapes are needed
  StringOutput stream(out);
  // The Writer's nesting stack lives in this buffer: one object needs a few
  // bytes, and a Writer left to itself would make two heap allocations.
  alignas(16) char stack_buffer[128];
  rapidjson::MemoryPoolAllocator<> stack_allocator(stack_buffer, sizeof stack_buffer);
  constexpr size_t kNestingLevels = 1;
  rapidjson::Writer<StringOutput, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::MemoryPoolAllocator<>>
      writer(stream, &stack_allocator, kNestingLevels);
  writer.StartObject();
  for (const auto& [key, value] : members) {
    writer.Key(key);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  writer.EndObject();
  return out;
}

}  // namespace

HttpResponse ErrorResponse(ErrorCode code, std::string_view message) {
  ErrorInfo info = InfoOf(code);
  HttpResponse response;
  response.status = info.status;
  response.body = JsonObject({{"error", info.name}, {"message", message}});
  response.error = code;
  switch (code) {
    case ErrorCode::kUnauthorized:
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      break;
    case ErrorCode::kInvalidKey:
      response.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      break;
    case ErrorCode::kMethodNotAllowed: response.headers.emplace_back("Allow", "POST"); break;
    case ErrorCode::kUnavailable:
    case ErrorCode::kOverloaded:
      response.headers.emplace_back("Retry-After", kRetryAfterSeconds);
      break;
    default: break;
  }
  return response;
}

HttpResponse MethodNotAllowedResponse(std::string_view allow) {
  HttpResponse response = ErrorResponse(ErrorCode::kMethodNotAllowed, "use " + std::string(allow));
  for (auto& [name, value] : response.headers) {
    if (name == "Allow") value = allow;
  }
  return response;
}

const char* RejectionReason(ErrorCode code) { return InfoOf(code).rejection_reason; }

const std::vector<ErrorCode>& AllErrorCodes() {
  static const std::vector<ErrorCode> codes = [] {
    std::vector<ErrorCode> all;
    for (int code = 0; code <= static_cast<int>(ErrorCode::kVersionNotSupported); ++code) {
      all.push_back(static_cast<ErrorCode>(code));
    }
    return all;
  }();
  return codes;
}

int ErrorStatus(ErrorCode code) { return InfoOf(code).status; }

HttpResponse AcceptedResponse(std::string_view event_id) {
  HttpResponse response;
  response.status = 200;
  response.body = JsonObject({{"status", "accepted"}, {"id", event_id}});
  return response;
}

HttpResponse DuplicateResponse(std::string_view event_id) {
  HttpResponse response = AcceptedResponse(event_id);
  response.body.pop_back();  // the closing brace: one member more, not a string
  response.body += R"(,"duplicate":true})";
  return response;
}

HttpResponse DeadLetteredResponse(ErrorCode refusal, std::string_view message) {
  HttpResponse response;
  response.status = 200;
  response.body = JsonObject(
      {{"status", "dead_lettered"}, {"reason", RejectionReason(refusal)}, {"message", message}});
  return response;
}

HttpResponse HandshakeResponse(std::initializer_list<JsonMember> members) {
  HttpResponse response;
  response.status = 200;
  response.body = JsonObject(members);
  return response;
}

HttpResponse AliveResponse() {
  HttpResponse response;
  response.body = R"({"status":"alive"})";
  return response;
}

HttpResponse MetricsResponse(std::string exposition) {
  HttpResponse response;
  response.body = std::move(exposition);
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace hookbridge
