// deploy/nginx/hookbridge-front.conf, the front proxy configuration for the
// threats hookbridge cannot stop alone, with the files it includes
// (hookbridge-proxy.conf, hookbridge-upstreams.conf), must stay valid for
// Debian's nginx and in step with hookbridge's defaults. `nginx -t` checks it,
// included in a minimal nginx.conf, with a throwaway certificate.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "../support/temp_dir.h"
#include "../support/throwaway_certificate.h"
#include "hookbridge/core/config.h"
#include "hookbridge/http/http_server.h"
#include "raw_http.h"

namespace hookbridge {
namespace {

const std::string kNginxDir = std::string(HOOKBRIDGE_SOURCE_DIR) + "/deploy/nginx";
const std::string kFrontConf = kNginxDir + "/hookbridge-front.conf";
// Included by the front configuration, relative to nginx.conf's directory.
const char* const kIncludedConfs[] = {"hookbridge-proxy.conf", "hookbridge-upstreams.conf"};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The front configuration with the files it includes: the directives that
// apply to a webhook, wherever they are written.
std::string ShippedConfiguration() {
  std::string conf = ReadFile(kFrontConf);
  for (const char* name : kIncludedConfs) conf += ReadFile(kNginxDir + "/" + name);
  return conf;
}

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
  const test_support::TempDir prefix("hookbridge-nginx");
  ASSERT_TRUE(prefix.ok());
  const std::string& dir = prefix.path();
  // The configuration names its certificate relative to nginx.conf's directory.
  const test_support::TlsFiles tls("hookbridge-front.crt", "hookbridge-front.key");
  ASSERT_TRUE(tls.ok());
  ASSERT_EQ(symlink(tls.dir().c_str(), (prefix / "tls").c_str()), 0);
  // So are the files it includes, as shipped.
  for (const char* name : kIncludedConfs) {
    const std::string text = ReadFile(kNginxDir + "/" + name);
    ASSERT_FALSE(text.empty()) << kNginxDir << "/" << name;
    WriteFile(dir + "/" + name, text);
  }
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
}

TEST(FrontProxy, ConfigurationIsInStepWithHookbridge) {
  const std::string front = ReadFile(kFrontConf);
  ASSERT_FALSE(front.empty()) << kFrontConf;
  // The instances and the proxying come from the shipped files: the
  // scale-out test (tests/scaleout) runs hookbridge-proxy.conf as it is.
  EXPECT_EQ(Directive(front, "include"), "hookbridge-upstreams.conf");
  const size_t location = front.find("location = /webhooks/getprofile");
  ASSERT_NE(location, std::string::npos);
  EXPECT_NE(front.find("include hookbridge-proxy.conf;", location), std::string::npos)
      << "the webhook location must include hookbridge-proxy.conf";
  const std::string conf = ShippedConfiguration();
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
  const std::string next_upstream = Directive(conf, "proxy_next_upstream");
  EXPECT_FALSE(next_upstream.empty());
  EXPECT_EQ(next_upstream.find("non_idempotent"), std::string::npos) << next_upstream;
  // Upstream keep-alive, and nginx closes an idle upstream connection before
  // hookbridge would: never a POST on a connection hookbridge is closing.
  EXPECT_GT(std::atoi(Directive(conf, "keepalive").c_str()), 0);
  const std::string upstream_idle = Directive(conf, "keepalive_timeout");  // the upstream's, first
  EXPECT_LT(std::atoi(upstream_idle.c_str()),
            HttpServerOptions(Config{}).keep_alive_timeout.count())
      << upstream_idle;
  EXPECT_EQ(Directive(conf, "proxy_http_version"), "1.1");
  // Passive health checks on the shipped example instances.
  const std::string upstreams = ReadFile(kNginxDir + "/hookbridge-upstreams.conf");
  EXPECT_NE(Directive(upstreams, "server").find("max_fails="), std::string::npos) << upstreams;
}

}  // namespace
}  // namespace hookbridge
