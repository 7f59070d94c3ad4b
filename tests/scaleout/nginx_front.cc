#include "nginx_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "../support/loopback.h"

namespace hookbridge::scaleout {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kShippedDir = std::string(HOOKBRIDGE_SOURCE_DIR) + "/deploy/nginx";

std::string ReadWhole(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The `upstream hookbridge { ... }` block of the shipped front configuration,
// exactly as written (comments skipped when matching braces); "" if absent.
std::string ShippedUpstreamBlock() {
  const std::string front = ReadWhole(kShippedDir + "/hookbridge-front.conf");
  const std::regex opening("(^|\\n)upstream hookbridge \\{");
  std::smatch match;
  if (!std::regex_search(front, match, opening)) return "";
  const size_t start = static_cast<size_t>(match.position(0)) + match[1].length();
  int depth = 0;
  for (size_t at = start; at < front.size(); ++at) {
    if (front[at] == '#') {
      at = front.find('\n', at);
      if (at == std::string::npos) break;
    } else if (front[at] == '{') {
      ++depth;
    } else if (front[at] == '}' && --depth == 0) {
      return front.substr(start, at + 1 - start);
    }
  }
  return "";
}

// The parameters of the shipped example `server` lines (max_fails=...
// fail_timeout=...), which the test's own server lines carry too.
std::string ShippedServerParameters() {
  const std::string upstreams = ReadWhole(kShippedDir + "/hookbridge-upstreams.conf");
  const std::regex server("(^|\\n)[ \\t]*server[ \\t]+[^ \\t;]+[ \\t]*([^;]*);");
  std::smatch match;
  return std::regex_search(upstreams, match, server) ? match[2].str() : "";
}

// A loopback port that nothing listens on now. Another process may take it
// before nginx binds it: Launch() then fails and the caller picks again.
int PickFreePort() {
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) return -1;
  sockaddr_in address = test_support::LoopbackAddress(0);
  socklen_t length = sizeof address;
  int port = -1;
  if (bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(sock);
  return port;
}

bool Accepts(int port) {
  int sock = test_support::ConnectLoopback(port);
  if (sock < 0) return false;
  close(sock);
  return true;
}

std::string Configuration(const std::string& dir, int port, const std::string& upstream_block,
                          const std::vector<std::string>& webhook_paths) {
  std::ostringstream conf;
  conf << "# Written by the scale-out test (tests/scaleout/nginx_front.cc).\n"
       << "daemon off;\n"
       << "worker_processes 1;\n"
       << "pid " << dir << "/nginx.pid;\n"
       << "error_log " << dir << "/error.log notice;\n";
  if (geteuid() == 0) {
    // Run as root (CI containers), nginx would switch its workers to
    // `nobody`, who cannot enter this private temp dir: keep our own user.
    const passwd* user = getpwuid(geteuid());
    const group* group = getgrgid(getegid());
    if (user != nullptr && group != nullptr) {
      conf << "user " << user->pw_name << " " << group->gr_name << ";\n";
    }
  }
  conf << "events {\n"
       << "    worker_connections 1024;\n"
       << "}\n"
       << "http {\n"
       // $request_id is also the X-Request-Id hookbridge logs (hookbridge-proxy.conf).
       << "    log_format scaleout '$request_id $status \"$upstream_addr\" "
          "\"$upstream_status\" \"$upstream_bytes_sent\"';\n"
       << "    access_log " << dir << "/access.log scaleout;\n"
       << "    client_body_temp_path " << dir << "/client_body;\n"
       << "    proxy_temp_path " << dir << "/proxy;\n"
       << "    fastcgi_temp_path " << dir << "/fastcgi;\n"
       << "    uwsgi_temp_path " << dir << "/uwsgi;\n"
       << "    scgi_temp_path " << dir << "/scgi;\n"
       << "\n"
       << "    # The shipped upstream block; its `include hookbridge-upstreams.conf`\n"
       << "    # finds the test's instances next to this file.\n"
       << upstream_block << "\n"
       << "\n"
       << "    server {\n"
       << "        listen 127.0.0.1:" << port << ";\n";
  for (const std::string& path : webhook_paths) {
    conf << "        location = " << path << " {\n"
         << "            include " << kShippedDir << "/hookbridge-proxy.conf;\n"
         << "        }\n";
  }
  conf << "        location / {\n"
       << "            return 404;\n"
       << "        }\n"
       << "    }\n"
       << "}\n";
  return conf.str();
}

}  // namespace

NginxFront::NginxFront(const std::vector<int>& instance_ports,
                       const std::vector<std::string>& extra_webhook_paths)
    : instance_ports_(instance_ports), webhook_paths_{"/webhooks/getprofile"} {
  webhook_paths_.insert(webhook_paths_.end(), extra_webhook_paths.begin(),
                        extra_webhook_paths.end());
  char dir_template[] = "/tmp/hookbridge-scaleout-nginx-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    problem_ = "mkdtemp failed";
    return;
  }
  dir_ = dir_template;
  if (std::string(HOOKBRIDGE_NGINX).empty()) {
    problem_ = "nginx is not installed (scripts/install-deps.sh installs it)";
    return;
  }
  server_parameters_ = ShippedServerParameters();
  std::ofstream upstreams(dir_ + "/hookbridge-upstreams.conf");
  for (int instance : instance_ports_) {
    upstreams << "server 127.0.0.1:" << instance << " " << server_parameters_ << ";\n";
  }
  upstreams.close();
  // The port is picked before nginx binds it; if someone else took it in
  // between, nginx exits at once: try another.
  for (int attempt = 0; attempt < 5 && !started(); ++attempt) {
    const int port = PickFreePort();
    if (port > 0 && Launch(port) && WaitUntilListening(port, std::chrono::seconds(15))) {
      port_ = port;
      problem_.clear();
    }
  }
}

NginxFront::~NginxFront() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool NginxFront::Launch(int port) {
  const std::string upstream_block = ShippedUpstreamBlock();
  if (upstream_block.empty()) {
    problem_ = "no `upstream hookbridge {...}` block in " + kShippedDir + "/hookbridge-front.conf";
    return false;
  }
  std::ofstream(dir_ + "/nginx.conf")
      << scaleout::Configuration(dir_, port, upstream_block, webhook_paths_);

  std::vector<std::string> arg_strings = {HOOKBRIDGE_NGINX,     "-p", dir_ + "/",         "-c",
                                          dir_ + "/nginx.conf", "-e", dir_ + "/error.log"};
  std::vector<char*> argv;
  for (auto& arg : arg_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string output_path = dir_ + "/nginx.out";
  int output = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  pid_ = fork();
  if (pid_ == 0) {  // only async-signal-safe calls from here on
    // A process group of its own: if the master has to be killed, its
    // workers go with it instead of holding the port.
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(output, STDOUT_FILENO);
    dup2(output, STDERR_FILENO);
    // None of the test's sockets (Kafka, HTTP) may live on in nginx.
    if (close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 65536; ++fd) close(fd);
    }
    execv(HOOKBRIDGE_NGINX, argv.data());
    _exit(127);
  }
  if (pid_ > 0) setpgid(pid_, pid_);  // as the child does: whichever runs first
  if (output >= 0) close(output);
  if (pid_ < 0) {
    problem_ = "fork failed";
    return false;
  }
  return true;
}

bool NginxFront::WaitUntilListening(int port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      problem_ = "nginx exited at start-up (status " + std::to_string(status) +
                 "): " + ReadWhole(dir_ + "/nginx.out") + ErrorLog();
      return false;
    }
    if (Accepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  problem_ = "nginx does not listen on port " + std::to_string(port) + ": " + ErrorLog();
  Stop();
  return false;
}

int NginxFront::Stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGQUIT);
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (done < 0 && errno != EINTR) break;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid_, SIGKILL);  // its own process group: the master and its workers
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return -1;
}

PassiveHealthCheck NginxFront::health_check() const {
  PassiveHealthCheck check;
  std::smatch match;
  if (std::regex_search(server_parameters_, match, std::regex("max_fails=(\\d+)"))) {
    check.max_fails = std::stoi(match[1]);
  }
  if (std::regex_search(server_parameters_, match,
                        std::regex("fail_timeout=(\\d+)(ms|s|m)?( |$)"))) {
    const long value = std::stol(match[1]);
    check.fail_timeout = match[2] == "ms"  ? std::chrono::milliseconds(value)
                         : match[2] == "m" ? std::chrono::minutes(value)
                                           : std::chrono::seconds(value);
  }
  return check;
}

std::string NginxFront::AccessLog() const { return ReadWhole(dir_ + "/access.log"); }
std::string NginxFront::ErrorLog() const { return ReadWhole(dir_ + "/error.log"); }
std::string NginxFront::Configuration() const { return ReadWhole(dir_ + "/nginx.conf"); }

}  // namespace hookbridge::scaleout
