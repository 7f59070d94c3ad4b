#include "hookbridge/replay/webhook_sender.h"

#include <httplib.h>
#include <rapidjson/document.h>

#include <charconv>

namespace hookbridge::replay {
namespace {

constexpr time_t kConnectTimeoutSeconds = 5;
// Above hookbridge's acknowledgement deadline (at most 60 s), so that its own
// answer, 200 or 503, always arrives first.
constexpr time_t kReadTimeoutSeconds = 65;

// "422 invalid_event: <message>" or "200 dead_lettered: <message>" from
// hookbridge's answer body; the status alone for another body. hookbridge's
// messages never echo the key.
std::string Describe(const httplib::Response& response, const rapidjson::Document& body) {
  std::string text = std::to_string(response.status);
  if (body.HasParseError() || !body.IsObject()) return text;
  for (const char* member : {"error", "status"}) {
    if (body.HasMember(member) && body[member].IsString()) {
      text += std::string(" ") + body[member].GetString();
      break;
    }
  }
  if (body.HasMember("message") && body["message"].IsString()) {
    text += std::string(": ") + body["message"].GetString();
  }
  return text;
}

std::chrono::seconds RetryAfter(const httplib::Response& response) {
  std::string value = response.get_header_value("Retry-After");
  long long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return {};
  return std::chrono::seconds(std::min(seconds, 300LL));
}

}  // namespace

WebhookSender::WebhookSender(const std::string& url, std::string api_key)
    : api_key_(std::move(api_key)) {
  size_t path_at = url.find('/', url.find("://") + 3);
  path_ = url.substr(path_at);
  client_ = std::make_unique<httplib::Client>(url.substr(0, path_at));
  client_->set_connection_timeout(kConnectTimeoutSeconds, 0);
  client_->set_read_timeout(kReadTimeoutSeconds, 0);
  client_->set_write_timeout(kReadTimeoutSeconds, 0);
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);
}

WebhookSender::~WebhookSender() = default;

SendResult WebhookSender::Send(const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Headers request_headers = {{"Authorization", "Bearer " + api_key_}};
  for (const auto& [name, value] : headers) request_headers.emplace(name, value);
  httplib::Result answer = client_->Post(path_, request_headers, body, "application/json");
  SendResult result;
  if (!answer) {
    result.description = "no answer: " + httplib::to_string(answer.error());
    return result;
  }
  rapidjson::Document answer_body;
  answer_body.Parse(answer->body.c_str());
  result.status = answer->status;
  result.description = Describe(*answer, answer_body);
  result.retry_after = RetryAfter(*answer);
  if (answer->status >= 200 && answer->status < 300) {
    const bool dead_lettered = answer_body.IsObject() && answer_body.HasMember("status") &&
                               answer_body["status"].IsString() &&
                               std::string(answer_body["status"].GetString()) == "dead_lettered";
    result.outcome = dead_lettered ? SendOutcome::kDeadLetteredAgain : SendOutcome::kDelivered;
  } else if (answer->status >= 500) {
    result.outcome = SendOutcome::kRetry;
  } else {
    result.outcome = SendOutcome::kRefused;
  }
  return result;
}

}  // namespace hookbridge::replay
