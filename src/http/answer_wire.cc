#include "hookbridge/http/answer_wire.h"

#include <ctime>

namespace hookbridge {
namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

// Everything up to the end of the headers but the request-specific ones.
void AppendHead(std::string& out, const HttpResponse& answer, std::string_view date) {
  out += "HTTP/1.1 ";
  out += std::to_string(answer.status);
  out += ' ';
  out += ReasonPhrase(answer.status);
  out += "\r\nContent-Type: ";
  out += answer.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(answer.body.size());
  out += "\r\nDate: ";
  out += date;
  out += "\r\n";
  for (const auto& [name, value] : answer.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

}  // namespace

std::string WireAnswer(const HttpRequest& request, bool close, std::string_view date) {
  const HttpResponse& answer = request.answer;
  const bool head_only = request.head.method == "HEAD";
  std::string out;
  out.reserve(192 + request.id.size() + (head_only ? 0 : answer.body.size()));
  AppendHead(out, answer, date);
  out += "X-Request-Id: ";
  out += request.id;
  out += "\r\n";
  if (close) {
    out += "Connection: close\r\n";
  } else if (request.head.minor_version == 0) {
    out += "Connection: keep-alive\r\n";  // HTTP/1.0 closes unless told otherwise
  }
  out += "\r\n";
  if (!head_only) out += answer.body;
  return out;
}

std::string WireAnswerWithoutRequest(const HttpResponse& answer, std::string_view date) {
  std::string out;
  AppendHead(out, answer, date);
  out += "Connection: close\r\n\r\n";
  out += answer.body;
  return out;
}

std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

}  // namespace hookbridge
