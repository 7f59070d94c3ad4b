#include "hookbridge/http/connection.h"

#include <cstdint>
#include <random>

#include "hookbridge/http/answer_wire.h"

namespace hookbridge {

std::string NewRequestId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  // By hand: snprintf's format parsing cost most of a new connection's id.
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t value = random();
  std::string id(16, '0');
  for (size_t i = id.size(); i-- > 0; value >>= 4) id[i] = kHex[value & 0xf];
  return id;
}

Connection::Connection(int socket, SSL* tls, HeadLimits limits)
    : transport_(socket, tls), head_parser_(limits) {}

bool Connection::MidRequest() const {
  return (phase_ == Phase::kHead || phase_ == Phase::kBody) && request_ &&
         request_->start != Clock::time_point{};
}

void Connection::BeginRequest() {
  phase_ = Phase::kHead;
  head_parser_.Reset();
  chunked_.reset();
  refusal_.reset();
  request_ = std::make_unique<HttpRequest>();
  request_->head_bytes.swap(received_);  // pipelined bytes come first
}

IoStatus Connection::Receive(char* scratch, size_t size, Clock::time_point now) {
  size_t got = 0;
  IoStatus status = transport_.Read(scratch, size, &got);
  if (status != IoStatus::kDone) return status;
  // While the head is read, bytes go straight to it: its views will point there.
  (phase_ == Phase::kHead ? request_->head_bytes : received_).append(scratch, got);
  if (request_->start == Clock::time_point{}) request_->start = now;
  last_progress_ = now;
  return status;
}

Connection::Step Connection::TakeHead(Clock::time_point now) {
  HttpRequest& request = *request_;
  if (request.head_bytes.empty()) return Step::kNeedMore;
  if (request.start == Clock::time_point{}) {  // it arrived with the one before
    request.start = now;
    last_progress_ = now;
  }
  switch (head_parser_.Feed(request.head_bytes, &request.head)) {
    case RequestHeadParser::State::kIncomplete: return Step::kNeedMore;
    case RequestHeadParser::State::kRefused:
      refusal_ = ErrorResponse(head_parser_.error(), head_parser_.message());
      request.id = NewRequestId();
      return Step::kRefused;
    case RequestHeadParser::State::kComplete: break;
  }
  const size_t head_size = head_parser_.head_size();
  received_.assign(request.head_bytes, head_size);  // the body, or the next request
  request.head_bytes.resize(head_size);             // shrinks in place: the views stay valid
  request.head_done = now;
  std::string_view given_id = request.head.Value("X-Request-Id");
  request.id = IsWellFormedRequestId(given_id) ? std::string(given_id) : NewRequestId();
  return Step::kComplete;
}

void Connection::BeginBody(size_t max_body) {
  phase_ = Phase::kBody;
  if (request_->head.framing == BodyFraming::kChunked) {
    chunked_.emplace(max_body);
  } else {
    request_->body.reserve(request_->head.content_length);
  }
}

Connection::Step Connection::TakeBody() {
  HttpRequest& request = *request_;
  if (chunked_) {
    received_.erase(0, chunked_->Feed(received_, &request.body));
    switch (chunked_->state()) {
      case ChunkedBodyDecoder::State::kIncomplete: return Step::kNeedMore;
      case ChunkedBodyDecoder::State::kRefused:
        refusal_ = ErrorResponse(chunked_->error(), chunked_->message());
        return Step::kRefused;
      case ChunkedBodyDecoder::State::kComplete: return Step::kComplete;
    }
  }
  const size_t missing = request.head.content_length - request.body.size();
  const size_t take = std::min(missing, received_.size());
  request.body.append(received_, 0, take);
  received_.erase(0, take);
  return take < missing ? Step::kNeedMore : Step::kComplete;
}

HttpResponse Connection::Refusal() const { return *refusal_; }

void Connection::QueueAnswer(bool close, std::string_view date) {
  to_send_ = WireAnswer(*request_, close, date);
  sent_ = 0;
  close_after_send_ = close;
  // The client may still be sending unless it asked for the close itself,
  // all of its request was read and nothing came after it.
  linger_after_send_ = request_->body_unread || request_->head.keep_alive || !received_.empty();
  request_.reset();
  phase_ = Phase::kWriting;
}

IoStatus Connection::Flush() {
  while (sent_ < to_send_.size()) {
    size_t written = 0;
    IoStatus status = transport_.Write(std::string_view(to_send_).substr(sent_), &written);
    if (status != IoStatus::kDone)
      return status == IoStatus::kWouldBlock ? status : IoStatus::kError;
    sent_ += written;
  }
  to_send_.clear();
  return IoStatus::kDone;
}

}  // namespace hookbridge
