// nginx in front of hookbridge instances, for the scale-out test: Debian's
// nginx as a child process, with its prefix, configuration, pid file, logs and
// temp dirs in a temp dir of its own. It serves plain HTTP on a free loopback
// port and runs the SHIPPED load balancer behaviour: the `upstream hookbridge`
// block of deploy/nginx/hookbridge-front.conf (keep-alive pool) with the
// server parameters of deploy/nginx/hookbridge-upstreams.conf (passive health
// checks), and deploy/nginx/hookbridge-proxy.conf included as is in the
// webhook location. Only the listen line and the server addresses are the
// test's; the front configuration's TLS and per-client limits are left out
// (the test has one client address, which they would throttle).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace hookbridge::scaleout {

// The passive health check of the upstream's server lines: after `max_fails`
// failed attempts within `fail_timeout`, nginx leaves an instance out for
// `fail_timeout`. nginx's defaults when a parameter is absent: 1 and 10 s;
// max_fails 0 turns the check off.
struct PassiveHealthCheck {
  int max_fails = 1;
  std::chrono::milliseconds fail_timeout{10000};
};

class NginxFront {
 public:
  // Writes the configuration for instances on 127.0.0.1:`instance_ports` and
  // starts nginx. started() tells whether it listens; problem() why not.
  // /webhooks/getprofile is proxied, and each of `extra_webhook_paths` (other
  // sources' paths) the same way: a location of its own that includes
  // hookbridge-proxy.conf, as an operator adds one per source.
  explicit NginxFront(const std::vector<int>& instance_ports,
                      const std::vector<std::string>& extra_webhook_paths = {});
  ~NginxFront();  // stops nginx if it still runs, removes the temp dir
  NginxFront(const NginxFront&) = delete;
  NginxFront& operator=(const NginxFront&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  const std::string& problem() const { return problem_; }
  // The parameters of the shipped `server` lines, which the instances' lines
  // carry too: "max_fails=3 fail_timeout=10s".
  const std::string& server_parameters() const { return server_parameters_; }
  PassiveHealthCheck health_check() const;

  // Graceful stop (SIGQUIT: finishes the requests in progress); its exit
  // status, or -1 if it had to be killed.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // One line per request, in the format of the configuration's log_format:
  //   <request_id> <status> "<upstream_addr>" "<upstream_status>" "<upstream_bytes_sent>"
  // (the last three with one entry per attempt, separated by ", ").
  std::string AccessLog() const;
  std::string ErrorLog() const;
  std::string Configuration() const;

 private:
  bool Launch(int port);
  bool WaitUntilListening(int port, std::chrono::milliseconds timeout);

  std::string dir_;
  std::vector<int> instance_ports_;
  std::vector<std::string> webhook_paths_;
  std::string server_parameters_;
  pid_t pid_ = -1;
  int port_ = -1;
  std::string problem_;
};

}  // namespace hookbridge::scaleout
