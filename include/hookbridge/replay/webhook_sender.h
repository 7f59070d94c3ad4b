// Sends one dead letter's body to a hookbridge webhook endpoint and says what
// became of it: delivered (2xx), dead-lettered again (a 200 whose body says
// so: hookbridge still refuses the event, and stored it as a new dead letter),
// refused (any other answer but a 5xx), or worth retrying (a 5xx, or no answer
// at all). One connection, kept alive between records. Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace httplib {
class Client;
}

namespace hookbridge::replay {

enum class SendOutcome { kDelivered, kDeadLetteredAgain, kRefused, kRetry };

struct SendResult {
  SendOutcome outcome = SendOutcome::kRetry;
  int status = 0;           // 0: no answer
  std::string description;  // "422 invalid_event: ..." or the connection error; never the key
  std::chrono::seconds retry_after{0};  // the answer's Retry-After, when it had one
};

class WebhookSender {
 public:
  // `url` as checked by ParseReplayOptions.
  WebhookSender(const std::string& url, std::string api_key);
  ~WebhookSender();

  // POSTs `body` as application/json with the bearer key and `headers`
  // (the record's trace context).
  SendResult Send(const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers);

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string path_;
  std::string api_key_;
};

}  // namespace hookbridge::replay
