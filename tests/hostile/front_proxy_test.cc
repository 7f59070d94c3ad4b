// deploy/nginx/hookbridge-front.conf, the front proxy configuration for the
// threats hookbridge cannot stop alone, must stay valid for Debian's nginx and
// in step with hookbridge's defaults. `nginx -t` checks it, included in a
// minimal nginx.conf, with a throwaway certificate.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "hookbridge/core/config.h"
#include "raw_http.h"

namespace hookbridge {
namespace {

const std::string kFrontConf =
    std::string(HOOKBRIDGE_SOURCE_DIR) + "/deploy/nginx/hookbridge-front.conf";

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Runs `command`; its exit status, and stdout and stderr in *output.
int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The value of the first `name value;` directive, or "".
std::string Directive(const std::string& conf, const std::string& name) {
  std::smatch match;
  std::regex directive("(^|\\n)[ \\t]*" + name + "[ \\t]+([^;]*);");
  return std::regex_search(conf, match, directive) ? match[2].str() : "";
}

TEST(FrontProxy, NginxAcceptsTheConfiguration) {
  ASSERT_STRNE(HOOKBRIDGE_NGINX, "")
      << "nginx is not installed (scripts/install-deps.sh installs it)";
  char dir_template[] = "/tmp/hookbridge-nginx-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  ASSERT_EQ(mkdir((dir + "/tls").c_str(), 0700), 0);
  // The configuration names its certificate relative to nginx.conf's directory.
  ASSERT_TRUE(hostile::WriteThrowawayCertificate(dir + "/tls/hookbridge-front.crt",
                                                 dir + "/tls/hookbridge-front.key"));
  WriteFile(dir + "/nginx.conf", "pid " + dir +
                                     "/nginx.pid;\n"
                                     "error_log " +
                                     dir +
                                     "/error.log;\n"
                                     "events {}\n"
                                     "http {\n"
                                     "  access_log " +
                                     dir +
                                     "/access.log;\n"
                                     "  client_body_temp_path " +
                                     dir +
                                     "/client_body;\n"
                                     "  proxy_temp_path " +
                                     dir +
                                     "/proxy;\n"
                                     "  fastcgi_temp_path " +
                                     dir +
                                     "/fastcgi;\n"
                                     "  uwsgi_temp_path " +
                                     dir +
                                     "/uwsgi;\n"
                                     "  scgi_temp_path " +
                                     dir +
                                     "/scgi;\n"
                                     "  include " +
                                     kFrontConf +
                                     ";\n"
                                     "}\n");

  std::string output;
  int status = RunCommand(
      std::string(HOOKBRIDGE_NGINX) + " -t -p " + dir + "/ -c " + dir + "/nginx.conf", &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("test is successful"), std::string::npos) << output;
  EXPECT_EQ(output.find("[warn]"), std::string::npos) << output;
  std::string ignored;
  RunCommand("rm -rf " + dir, &ignored);
}

TEST(FrontProxy, ConfigurationIsInStepWithHookbridge) {
  const std::string conf = ReadFile(kFrontConf);
  ASSERT_FALSE(conf.empty()) << kFrontConf;
  const Config defaults;
  // The body limit is hookbridge's.
  ASSERT_EQ(defaults.max_body_bytes, 1u << 20);
  EXPECT_EQ(Directive(conf, "client_max_body_size"), "1m");
  // Whole requests are buffered before they reach hookbridge.
  EXPECT_EQ(Directive(conf, "proxy_request_buffering"), "on");
  // Slow clients are cut off by nginx at least as fast as by hookbridge.
  for (const char* timeout : {"client_header_timeout", "client_body_timeout"}) {
    std::string value = Directive(conf, timeout);
    ASSERT_FALSE(value.empty()) << timeout;
    EXPECT_LE(std::atoi(value.c_str()), 5) << timeout << " " << value;
  }
  EXPECT_FALSE(Directive(conf, "limit_conn").empty());
  EXPECT_FALSE(Directive(conf, "limit_req").empty());
  EXPECT_FALSE(Directive(conf, "large_client_header_buffers").empty());
  EXPECT_EQ(Directive(conf, "ssl_protocols"), "TLSv1.2 TLSv1.3");
  // A POST is never sent to a second instance once any of it was sent.
  EXPECT_EQ(Directive(conf, "proxy_next_upstream").find("non_idempotent"), std::string::npos);
  // Idle upstream connections each hold a hookbridge worker.
  std::string keepalive = Directive(conf, "keepalive");
  ASSERT_FALSE(keepalive.empty());
  EXPECT_LE(std::atoi(keepalive.c_str()), defaults.http_threads);
  EXPECT_EQ(Directive(conf, "proxy_http_version"), "1.1");
}

}  // namespace
}  // namespace hookbridge
