#include "hookbridge/http/request_head.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"

namespace hookbridge {
namespace {

// The elements of a comma-separated list across every line of a field (RFC
// 9110 5.6.1), empty elements dropped.
std::vector<std::string_view> ListElements(const std::vector<std::string_view>& values) {
  std::vector<std::string_view> elements;
  for (std::string_view value : values) {
    for (std::string_view element : Split(value, ',')) {
      element = TrimOws(element);
      if (!element.empty()) elements.push_back(element);
    }
  }
  return elements;
}

bool ListHas(const std::vector<std::string_view>& values, std::string_view wanted) {
  auto elements = ListElements(values);
  return std::any_of(elements.begin(), elements.end(),
                     [&](std::string_view element) { return EqualsIgnoreCase(element, wanted); });
}

// RFC 3986 3.2.2 and 3.2.3: host [":" port] with a reg-name, an IPv4 address
// or an IP literal in brackets; empty is allowed (RFC 9112 3.2).
bool IsValidHost(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && std::strchr("-._~%!$&'()*+,;=:[]", c) != nullptr);
  });
}

// The path of an absolute-form target ("http://host/path?query"); false if
// the target is not one this server takes.
bool AbsoluteFormPath(std::string_view target, std::string_view* path) {
  size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) return false;
  std::string_view rest = target.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      !IsValidHost(authority)) {
    return false;
  }
  if (authority_end == std::string_view::npos || rest[authority_end] == '?') {
    *path = "/";  // RFC 9112 3.2.1: an empty path is "/"
  } else {
    std::string_view tail = rest.substr(authority_end);
    *path = tail.substr(0, tail.find('?'));
  }
  return true;
}

bool IsDecimal(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool IsValidFieldValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7F;
  });
}

bool IsWellFormedRequestId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

std::vector<std::string_view> HttpRequestHead::Values(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const HeaderField& field : fields) {
    if (EqualsIgnoreCase(field.name, name)) values.push_back(field.value);
  }
  return values;
}

std::string_view HttpRequestHead::Value(std::string_view name) const {
  for (const HeaderField& field : fields) {
    if (EqualsIgnoreCase(field.name, name)) return field.value;
  }
  return {};
}

bool HttpRequestHead::Has(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const HeaderField& field) { return EqualsIgnoreCase(field.name, name); });
}

RequestHeadParser::State RequestHeadParser::Refuse(ErrorCode error, const char* message) {
  error_ = error;
  message_ = message;
  return State::kRefused;
}

RequestHeadParser::State RequestHeadParser::Feed(std::string_view received, HttpRequestHead* head) {
  while (scanned_ < received.size()) {
    const size_t line_start = scanned_;
    // A line trickled in a byte at a time is searched once, not once a byte.
    const size_t newline = received.find('\n', std::max(line_start, searched_));
    if (newline == std::string_view::npos) {
      searched_ = received.size();
      break;
    }
    // The limits first, as if this line had arrived a byte at a time: the
    // outcome must not depend on how the bytes were sliced.
    if (request_line_start_ == kNotYet &&
        newline - line_start > limits_.max_request_line_bytes + 1) {
      return Refuse(ErrorCode::kUriTooLong, "request target too long");
    }
    if (newline + 1 > limits_.max_head_bytes) {
      return Refuse(ErrorCode::kHeadersTooLarge, "request head too large");
    }
    // RFC 9112 2.2: a bare LF is not taken as a line end, nor a bare CR
    // anywhere: a proxy might read either differently.
    if (newline == line_start || received[newline - 1] != '\r') {
      return Refuse(ErrorCode::kBadRequest, "line not ended by CR LF");
    }
    std::string_view line = received.substr(line_start, newline - 1 - line_start);
    scanned_ = newline + 1;
    if (line.find('\r') != std::string_view::npos) {
      return Refuse(ErrorCode::kBadRequest, "bare CR in the request head");
    }
    if (request_line_start_ == kNotYet) {
      // RFC 9112 2.2: empty lines before the request line are ignored.
      if (!line.empty()) request_line_start_ = line_start;
      continue;
    }
    if (line.empty()) {
      head_size_ = scanned_;
      return Finish(received.substr(0, scanned_), head);
    }
    // RFC 9112 5.2: obsolete line folding is refused, 5.1: no white space
    // between the field name and the colon.
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Refuse(ErrorCode::kBadRequest, "malformed header field");
    }
    if (!IsValidFieldValue(line.substr(colon + 1))) {
      return Refuse(ErrorCode::kBadRequest, "control character in a header field");
    }
  }
  // What is still incomplete: the request line (its CR may be here, not its
  // LF), or the head as a whole.
  const size_t pending = received.size() - scanned_;
  if (request_line_start_ == kNotYet && pending > limits_.max_request_line_bytes + 1) {
    return Refuse(ErrorCode::kUriTooLong, "request target too long");
  }
  // Empty lines before the request line count too: endless ones are refused.
  if (received.size() > limits_.max_head_bytes) {
    return Refuse(ErrorCode::kHeadersTooLarge, "request head too large");
  }
  return State::kIncomplete;
}

RequestHeadParser::State RequestHeadParser::Finish(std::string_view received,
                                                   HttpRequestHead* head) {
  *head = HttpRequestHead{};
  std::string_view rest = received.substr(request_line_start_);
  const size_t line_end = rest.find("\r\n");
  std::string_view request_line = rest.substr(0, line_end);
  rest.remove_prefix(line_end + 2);

  // RFC 9112 3: method SP request-target SP HTTP-version, single spaces.
  const size_t first_space = request_line.find(' ');
  const size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return Refuse(ErrorCode::kBadRequest, "malformed request line");
  }
  head->method = request_line.substr(0, first_space);
  head->target = request_line.substr(first_space + 1, last_space - first_space - 1);
  std::string_view version = request_line.substr(last_space + 1);
  if (!IsToken(head->method) || head->target.empty() ||
      std::any_of(head->target.begin(), head->target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F;
      })) {
    return Refuse(ErrorCode::kBadRequest, "malformed request line");
  }
  // RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT. A later 1.x is
  // served as 1.1 (RFC 9110 2.5); another major version is not served.
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Refuse(ErrorCode::kBadRequest, "malformed HTTP version");
  }
  if (version[5] != '1') {
    return Refuse(ErrorCode::kVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served");
  }
  head->minor_version = std::min(version[7] - '0', 1);

  // RFC 9112 3.2: the four forms of request-target.
  if (head->target.front() == '/') {
    head->path = head->target.substr(0, head->target.find('?'));
  } else if (head->target == "*") {
    if (head->method != "OPTIONS") return Refuse(ErrorCode::kBadRequest, "'*' is for OPTIONS only");
    head->path = "*";
  } else if (head->method == "CONNECT") {
    head->path = {};  // authority form: not a resource of this server
  } else if (!AbsoluteFormPath(head->target, &head->path)) {
    return Refuse(ErrorCode::kBadRequest, "malformed request target");
  }

  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    head->fields.push_back({line.substr(0, colon), TrimOws(line.substr(colon + 1))});
  }

  // RFC 9112 3.2: HTTP/1.1 needs exactly one Host, with a valid value. An
  // absolute-form target names the host itself (3.2.2); Host is still checked.
  std::vector<std::string_view> host = head->Values("Host");
  if (host.size() > 1 || (head->minor_version == 1 && host.empty())) {
    return Refuse(ErrorCode::kBadRequest, "exactly one Host header is required");
  }
  if (!host.empty() && !IsValidHost(host.front())) {
    return Refuse(ErrorCode::kBadRequest, "malformed Host header");
  }

  // RFC 9112 6: the body's framing.
  std::vector<std::string_view> transfer_encoding = head->Values("Transfer-Encoding");
  std::vector<std::string_view> content_length = head->Values("Content-Length");
  if (!transfer_encoding.empty()) {
    // 6.1: chunked must be the final coding, applied once; Content-Length
    // beside it, or Transfer-Encoding in HTTP/1.0, makes the framing faulty.
    if (!content_length.empty() || head->minor_version == 0) {
      return Refuse(ErrorCode::kBadRequest,
                    "Transfer-Encoding must be 'chunked' alone, without Content-Length");
    }
    std::vector<std::string_view> codings = ListElements(transfer_encoding);
    if (codings.empty() || !EqualsIgnoreCase(codings.back(), "chunked") ||
        std::count_if(codings.begin(), codings.end(),
                      [](std::string_view c) { return EqualsIgnoreCase(c, "chunked"); }) != 1) {
      return Refuse(ErrorCode::kBadRequest,
                    "Transfer-Encoding must be 'chunked' alone, without Content-Length");
    }
    if (codings.size() > 1) {
      return Refuse(ErrorCode::kNotImplemented, "only the chunked transfer coding is supported");
    }
    head->framing = BodyFraming::kChunked;
  } else if (!content_length.empty()) {
    // RFC 9110 8.6: one decimal value; a list, even of equal values, is refused.
    if (content_length.size() != 1 || !IsDecimal(content_length.front())) {
      return Refuse(ErrorCode::kBadRequest, "malformed Content-Length");
    }
    head->framing = BodyFraming::kContentLength;
    head->content_length = std::stoull(std::string(content_length.front()));
  }

  // RFC 9112 9.3: persistence.
  std::vector<std::string_view> connection = head->Values("Connection");
  head->keep_alive =
      head->minor_version == 1 ? !ListHas(connection, "close") : ListHas(connection, "keep-alive");
  // RFC 9110 10.1.1: only 100-continue is an expectation to act on.
  head->expects_continue =
      head->minor_version == 1 && ListHas(head->Values("Expect"), "100-continue");
  return State::kComplete;
}

}  // namespace hookbridge
