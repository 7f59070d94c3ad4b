#include "hookbridge/http/connection_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <limits>
#include <string>

#include "hookbridge/core/log.h"
#include "hookbridge/http/access_log.h"
#include "hookbridge/http/answer_wire.h"
#include "hookbridge/http/epoll_timeout.h"
#include "hookbridge/rules/rules.h"

namespace hookbridge {
namespace {

// How often a loop counts its idle connections for the others' /metrics.
constexpr std::chrono::seconds kIdleCensusPeriod{1};

// A duration as the 408's text gives it: "15 s", "4.5 s" (settings are in ms).
std::string SecondsText(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  std::string text = std::to_string(ms / 1000);
  if (const long long rest = ms % 1000; rest != 0) {
    std::string fraction = std::to_string(1000 + rest).substr(1);  // three digits
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + " s";
}

// Which deadlines a request had: the stall one only if it can come first.
std::string RequestTimeoutText(const HttpServerOptions& options) {
  std::string text =
      "the request did not arrive in time (" + SecondsText(options.request_timeout) + " in all";
  if (options.read_timeout < options.request_timeout)
    text += ", " + SecondsText(options.read_timeout) + " without progress";
  return text + ")";
}

}  // namespace

ConnectionLoop::ConnectionLoop(int listen_socket, const HttpServerOptions& options,
                               const Routes& routes, Metrics& metrics, InstanceLimits& limits,
                               const LoopEventSource& events,
                               const std::atomic<bool>& closing_connections)
    : options_(options),
      routes_(routes),
      metrics_(metrics),
      limits_(limits),
      access_log_(metrics),
      events_(events),
      closing_connections_(closing_connections),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      mailbox_(std::make_shared<OutcomeMailbox>()) {
  if (listen_socket >= 0) listening_.emplace(epoll_, listen_socket);
  Watch(EPOLL_CTL_ADD, mailbox_->wake_fd(), EPOLLIN, this);
  if (events_.fd >= 0) Watch(EPOLL_CTL_ADD, events_.fd, EPOLLIN, &events_);  // level-triggered
}

bool ConnectionLoop::Watch(int operation, int socket, uint32_t events, void* source) {
  epoll_event event{};
  event.events = events;
  // nullptr: the listening socket; this: the mailbox; &events_: the extra source.
  event.data.ptr = source;
  return epoll_ctl(epoll_, operation, socket, &event) == 0;
}

// A connection joins the epoll set the first time one of its I/O steps would
// block, and stays: edge-triggered, both ways, once; each phase tries its
// I/O and waits for the next edge only when the socket says it would block.
// Adding it reports what is ready already, so no edge is lost in between.
bool ConnectionLoop::AwaitSocket(Connection& connection) {
  if (connection.watched) return true;
  if (!Watch(EPOLL_CTL_ADD, connection.transport().socket(),
             EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &connection)) {
    Close(connection);  // never driven otherwise
    return false;
  }
  connection.watched = true;
  return true;
}

ConnectionLoop::~ConnectionLoop() {
  // Connections handed over to a loop that never ran (Run() refuses them
  // once it has finished): never served.
  for (size_t i = 0; i < adopted_.size(); ++i) limits_.CloseConnection();
  listening_.reset();  // before its epoll set goes
  ::close(epoll_);
}

void ConnectionLoop::Stop() {
  stop_requested_ = true;
  mailbox_->Wake();
}

std::unique_ptr<Connection> ConnectionLoop::Adopt(std::unique_ptr<Connection> connection) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(adopted_mutex_);
    if (adoption_closed_) return connection;  // nobody would serve it here
    load_.fetch_add(1, std::memory_order_relaxed);
    first = adopted_.empty();
    adopted_.push_back(std::move(connection));
  }
  if (first) mailbox_->Wake();  // one wake-up for however many arrive before the loop takes them
  return nullptr;
}

void ConnectionLoop::TakeAdopted() {
  std::vector<std::unique_ptr<Connection>> adopted;
  {
    std::lock_guard<std::mutex> lock(adopted_mutex_);
    adopted.swap(adopted_);
  }
  for (std::unique_ptr<Connection>& owned : adopted) {
    Connection& connection = *owned;
    connections_.emplace(&connection, std::move(owned));  // in load_ since Adopt()
    // Read at once, as a connection just accepted (Admit()): the request
    // may have come with the handshake, already decrypted, or be on the
    // socket already: read now, even when stopping. The socket joins the
    // epoll set when a read would block (AwaitSocket()).
    StartRequest(connection);
    ReadNextRequest(connection);
  }
}

void ConnectionLoop::Run() {
  mailbox_->BindToThisThread();
  std::array<epoll_event, 256> events;
  while (!TryFinish()) {
    int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                           NextTimeoutMs(options_.clock()));
    for (int i = 0; i < ready; ++i) {
      void* source = events[i].data.ptr;
      if (source == nullptr) {
        if (listening_) {
          listening_->AcceptBatch(options_.clock(), [this](int socket) { Admit(socket); });
        }
      } else if (source == this) {
        mailbox_->ClearWake();
        TakeOutcomes();
        TakeAdopted();
      } else if (source == &events_) {
        events_.serve();  // may post outcomes: take them without another turn
        TakeOutcomes();
      } else if (connections_.count(static_cast<Connection*>(source)) != 0) {
        // A connection closed earlier in this batch is gone from the map. (One
        // opened since may reuse its address and take a stale event: harmless,
        // as every step only tries its I/O until the socket would block.)
        Drive(*static_cast<Connection*>(source));
      }
    }
    if (stop_requested_ && !stopping_) BeginStop();
    const Clock::time_point now = options_.clock();
    if (listening_) listening_->ResumeIfDue(now);
    idle_census_due_ |= ready > 0 || (!timers_.empty() && timers_.begin()->first <= now);
    while (!timers_.empty() && timers_.begin()->first <= now) Expire(*timers_.begin()->second);
    while (!next_requests_.empty()) {
      Connection* connection = next_requests_.back();
      next_requests_.pop_back();
      if (connections_.count(connection) != 0 && connection->phase() == Connection::Phase::kHead) {
        ReadNextRequest(*connection);
      }
    }
    access_log_.Flush();
    CountIdleConnections(now);
  }
  finished_ = true;
  for (ConnectionLoop* sibling : siblings_)
    sibling->mailbox_->Wake();  // the events loop waits for it
}

bool ConnectionLoop::TryFinish() {
  if (!stopping_ || !connections_.empty()) return false;
  if (events_.fd >= 0) {
    for (const ConnectionLoop* sibling : siblings_) {
      if (!sibling->finished_) return false;
    }
  }
  // Another loop may still hand over a connection it accepted in its last
  // batch: one handed over before this look is served first (its Adopt()
  // woke the mailbox), one after it is refused and stays with that loop.
  std::lock_guard<std::mutex> lock(adopted_mutex_);
  if (!adopted_.empty()) return false;
  adoption_closed_ = true;
  return true;
}

// A holder keeps its connection unless another loop has at least two fewer.
// (At one fewer, the hand-over's extra wake-up would cost more than the
// imbalance; at two, a burst of connections that wakes one loop, as a client
// opening 64 at once does, still spreads.) Without a holder (a handshake
// thread, which must wake a loop anyway), the first loop with the fewest.
ConnectionLoop& ConnectionLoop::LeastLoaded(const std::vector<ConnectionLoop*>& loops,
                                            ConnectionLoop* holder) {
  ConnectionLoop* least = holder;
  // Another loop takes the connection below this count.
  size_t bar = std::numeric_limits<size_t>::max();
  if (holder != nullptr) bar = holder->load() == 0 ? 0 : holder->load() - 1;
  for (ConnectionLoop* loop : loops) {
    if (const size_t load = loop->load(); loop != holder && load < bar) {
      least = loop;
      bar = load;
    }
  }
  return *least;  // `loops` is never empty without a holder
}

// For the other loops' /metrics: at most once a second, and only when
// something happened since, so that an idle loop sleeps.
void ConnectionLoop::CountIdleConnections(Clock::time_point now) {
  if (!idle_census_due_ || now < next_idle_census_ || siblings_.empty()) return;
  counted_idle_.store(IdleConnections(), std::memory_order_relaxed);
  idle_census_due_ = false;
  next_idle_census_ = now + kIdleCensusPeriod;
}

int ConnectionLoop::NextTimeoutMs(Clock::time_point now) const {
  std::optional<Clock::time_point> next_timer;
  if (!timers_.empty()) next_timer = timers_.begin()->first;
  std::optional<Clock::time_point> census;
  if (idle_census_due_ && !siblings_.empty()) census = next_idle_census_;
  std::optional<Clock::time_point> accept_pause;
  if (listening_) accept_pause = listening_->paused_until();
  return EpollTimeoutMs(now, {next_timer, census, accept_pause});
}

void ConnectionLoop::Drive(Connection& connection) {
  switch (connection.phase()) {
    case Connection::Phase::kHead:
    case Connection::Phase::kBody: return ReadRequest(connection);
    case Connection::Phase::kHandling: return;  // waiting for Kafka: the answer comes first
    case Connection::Phase::kWriting: return Flush(connection);
    case Connection::Phase::kLingering:
      if (connection.transport().Discard() != IoStatus::kWouldBlock) Close(connection);
      return;
  }
}

// Waits for the next request on the connection (its bytes may be here
// already).
void ConnectionLoop::StartRequest(Connection& connection) {
  connection.BeginRequest();
  SetDeadline(connection, options_.clock() + options_.keep_alive_timeout);
}

// What has arrived is served, even once stopping: a request sent before the
// stop, on a connection accepted before it, gets its answer. A stop waits for
// no request that has not begun to arrive: then the connection closes.
void ConnectionLoop::ReadNextRequest(Connection& connection) {
  ReadRequest(connection);
  if (stopping_ && connections_.count(&connection) != 0 &&
      connection.phase() == Connection::Phase::kHead && !connection.MidRequest()) {
    Close(connection);
  }
}

// Reads until the request is complete or refused, or the socket has no more.
void ConnectionLoop::ReadRequest(Connection& connection) {
  using Phase = Connection::Phase;
  while (connection.phase() == Phase::kHead || connection.phase() == Phase::kBody) {
    const Clock::time_point now = options_.clock();
    const Connection::Step step =
        connection.phase() == Phase::kHead ? connection.TakeHead(now) : connection.TakeBody();
    if (step == Connection::Step::kRefused) {
      return Answer(connection, connection.Refusal(),
                    true);  // where it ends is unknown: nothing more is read
    }
    if (step == Connection::Step::kComplete) {
      if (connection.phase() == Phase::kHead) {
        if (!OnHead(connection)) return;  // answered (or closed): Run() reads what follows
        continue;                         // its body may be here already
      }
      return Dispatch(connection);
    }
    if (connection.MidRequest()) {
      // It may stall for read_timeout, within request_timeout in all (the
      // sooner of the two; a request_timeout of 5 s or less comes first).
      SetDeadline(connection, std::min(connection.request().start + options_.request_timeout,
                                       connection.last_progress() + options_.read_timeout));
    }
    switch (connection.Receive(scratch_.data(), scratch_.size(), now)) {
      case IoStatus::kDone: break;
      case IoStatus::kWouldBlock: AwaitSocket(connection); return;
      case IoStatus::kClosed:
        // A client that ends its side mid-request still reads an answer.
        if (connection.MidRequest()) {
          return Answer(
              connection,
              ErrorResponse(ErrorCode::kBadRequest, "request incomplete: the client closed"), true);
        }
        return Close(connection);
      case IoStatus::kError: return Close(connection);
    }
  }
}

// A complete head: answered here (false: the connection may be gone), or a
// webhook whose body comes next (true).
bool ConnectionLoop::OnHead(Connection& connection) {
  HttpRequest& request = connection.request();
  Routes::LoopState state;
  state.overloaded = !limits_.WebhookPlaceFree();
  if (request.head.path == kMetricsPath) {
    state.idle_connections = IdleConnections();
    for (const ConnectionLoop* sibling : siblings_) {
      state.idle_connections += sibling->counted_idle_connections();
    }
  }
  // Only a webhook accepted on its head takes a place in flight (never a
  // scrape, say, that would hold one for a moment). If another loop took the
  // last place since the look above, the head is judged again as overloaded.
  bool answered = routes_.AnswerOnHead(request, state);
  if (!answered && !limits_.TryStartWebhook()) {
    state.overloaded = true;
    answered = routes_.AnswerOnHead(request, state);
  }
  if (answered) {
    access_log_.Record(request, options_.clock());
    Send(connection);
    return false;
  }
  connection.webhook_in_flight = true;
  connection.BeginBody(routes_.max_body_bytes());
  if (request.head.expects_continue) {
    size_t written = 0;  // 25 bytes into an empty send buffer: all, or the connection is broken
    connection.transport().Write(kContinueAnswer, &written);
    if (written != kContinueAnswer.size()) {
      Close(connection);
      return false;
    }
  }
  return true;
}

// The webhook is whole: published now, answered when its outcome comes
// through the mailbox, or 503 at its acknowledgement deadline.
void ConnectionLoop::Dispatch(Connection& connection) {
  connection.set_phase(Connection::Phase::kHandling);
  HttpRequest& request = connection.request();
  const OutcomeMailbox::Ticket ticket = ++last_ticket_;
  waiting_.emplace(ticket, &connection);
  connection.ticket = ticket;
  SetDeadline(connection, request.head_done + routes_.ack_timeout());
  try {
    routes_.HandleWebhook(request, [mailbox = mailbox_, ticket](WebhookResult outcome) {
      mailbox->Post(ticket, std::move(outcome));
    });
  } catch (const std::exception& error) {
    Log(LogLevel::kError, "unexpected exception while handling a webhook",
        {{"request_id", request.id}, {"what", error.what()}});
    StopWaiting(connection);  // an outcome posted all the same is dropped
    Answer(connection, ErrorResponse(ErrorCode::kInternalError, "internal error"), false);
  }
  TakeOutcomes();  // a refusal is posted at once, on this thread, and wakes nothing
}

void ConnectionLoop::TakeOutcomes() {
  for (auto& [ticket, outcome] : mailbox_->Take()) {
    auto waiting = waiting_.find(ticket);
    if (waiting == waiting_.end()) {  // answered at its deadline, or the client is gone
      access_log_.RecordLate(outcome);
      continue;
    }
    Connection& connection = *waiting->second;
    StopWaiting(connection);
    AnswerWebhook(connection, std::move(outcome));
  }
}

void ConnectionLoop::StopWaiting(Connection& connection) {
  waiting_.erase(connection.ticket);
  connection.ticket = 0;
}

void ConnectionLoop::AnswerWebhook(Connection& connection, WebhookResult outcome) {
  HttpRequest& request = connection.request();
  request.webhook = std::move(outcome);
  request.answer = std::move(request.webhook.response);
  access_log_.Record(request, options_.clock());
  Send(connection);
}

void ConnectionLoop::Answer(Connection& connection, HttpResponse answer, bool body_unread) {
  HttpRequest& request = connection.request();
  if (request.id.empty()) request.id = NewRequestId();  // answered before its head was whole
  request.answer = std::move(answer);
  request.body_unread = body_unread;
  access_log_.Record(request, options_.clock());
  Send(connection);
}

void ConnectionLoop::Send(Connection& connection) {
  const HttpRequest& request = connection.request();
  // Decided when the answer is written: once a drain has begun, every answer
  // says that the connection closes.
  const bool close = !request.head.keep_alive || request.body_unread || closing_connections_ ||
                     stop_requested_ || ++connection.answered >= options_.keep_alive_max_requests;
  const std::time_t second = std::time(nullptr);
  if (second != date_second_) {
    date_second_ = second;
    date_ = HttpDate();
  }
  connection.QueueAnswer(close, date_);
  if (connection.webhook_in_flight) {
    connection.webhook_in_flight = false;
    limits_.EndWebhook();
  }
  SetDeadline(connection, options_.clock() + options_.write_timeout);
  Flush(connection);
}

void ConnectionLoop::Flush(Connection& connection) {
  switch (connection.Flush()) {
    case IoStatus::kDone: break;
    case IoStatus::kWouldBlock: AwaitSocket(connection); return;  // epoll says when there is room
    default: return Close(connection);
  }
  if (!connection.close_after_send()) {
    // The next request is read from Run(), never from here: pipelined
    // requests would otherwise nest one call deeper each.
    StartRequest(connection);
    next_requests_.push_back(&connection);
    return;
  }
  // A client may still be sending (an unread body, or pipelined requests):
  // closing now would reset the connection before it read the answer.
  if (connection.linger_after_send()) return Linger(connection);
  // It asked for the close and sent nothing more: as nginx, close at once
  // (a client opening a connection per webhook saves a wake-up and two
  // system calls). Over TLS, close_notify first.
  if (connection.transport().is_tls()) connection.transport().EndSending();
  Close(connection);
}

// Closing a socket with unread input makes the kernel send a reset instead
// of an orderly close, and most clients then never read the answer already
// sent. So, as nginx's lingering close: end our side, discard what the client
// still sends until it closes, for at most options_.linger.
void ConnectionLoop::Linger(Connection& connection) {
  connection.transport().EndSending();
  connection.set_phase(Connection::Phase::kLingering);
  SetDeadline(connection, options_.clock() + options_.linger);
  if (connection.transport().Discard() != IoStatus::kWouldBlock) return Close(connection);
  AwaitSocket(connection);
}

void ConnectionLoop::Close(Connection& connection) {
  if (connection.ticket != 0) StopWaiting(connection);
  if (connection.webhook_in_flight) {
    limits_.EndWebhook();
  }
  if (connection.timer) timers_.erase(*connection.timer);
  connections_.erase(&connection);  // closes the socket, which leaves the epoll set
  limits_.CloseConnection();
  load_.fetch_sub(1, std::memory_order_relaxed);
}

void ConnectionLoop::SetDeadline(Connection& connection, Clock::time_point deadline) {
  if (connection.timer) {
    if ((*connection.timer)->first == deadline) return;
    timers_.erase(*connection.timer);
  }
  connection.timer = timers_.emplace(deadline, &connection);
}

void ConnectionLoop::Expire(Connection& connection) {
  timers_.erase(*connection.timer);
  connection.timer.reset();
  if (connection.ticket != 0) {  // Kafka has not answered in time
    StopWaiting(connection);
    return AnswerWebhook(connection,
                         WebhookHandler::AckDeadlinePassed(connection.request().webhook.event_id));
  }
  if (!connection.MidRequest()) return Close(connection);  // idle, writing or lingering
  Answer(connection, ErrorResponse(ErrorCode::kRequestTimeout, RequestTimeoutText(options_)), true);
}

// Stops accepting; idle connections close now, once what has arrived on them
// is read (a connection accepted in the last batch may have its request
// waiting). Requests already begun are read, handled and answered (with
// Connection: close) within their own deadlines, and the loop ends when the
// last connection is closed.
void ConnectionLoop::BeginStop() {
  stopping_ = true;
  // The server stops the listening socket itself (http_server.cc): new
  // connections are refused from then on.
  listening_.reset();
  std::vector<Connection*> idle;
  for (const auto& [connection, owned] : connections_) {
    using Phase = Connection::Phase;
    // A lingering one has its answer to read: it closes at its own deadline.
    const bool busy = connection->phase() == Phase::kHandling ||
                      connection->phase() == Phase::kWriting ||
                      connection->phase() == Phase::kLingering || connection->MidRequest();
    if (!busy) idle.push_back(connection);
  }
  // Each read touches only its own connection: the others stay valid.
  for (Connection* connection : idle) ReadNextRequest(*connection);
}

size_t ConnectionLoop::IdleConnections() const {
  size_t idle = 0;
  for (const auto& [connection, owned] : connections_) {
    idle += connection->phase() == Connection::Phase::kHead && !connection->MidRequest();
  }
  return idle;
}

}  // namespace hookbridge
