// Sources in operation, on the real broker: a bad sources file stops start-up
// naming the source and field; a broken file at run time keeps the sources in
// force, a good one (or SIGHUP) brings new ones; the body limit and 404 hold
// on every source's path.
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <string>

#include "../support/webhook_signer.h"
#include "sources_fixture.h"

namespace hookbridge::e2e {
namespace {

constexpr const char* kSecret = "gh-secret-never-logged-6d2e";

std::string GitHubSource(const std::string& dir, const std::string& name, const std::string& path,
                         const std::string& topic) {
  return "  - {name: " + name + ", path: " + path + ", auth: github, secrets_file: " + dir +
         "/github.secret, topic: " + topic + "}\n";
}

httplib::Headers Signed(const std::string& id, const std::string& body) {
  return {{"X-GitHub-Event", "push"},
          {"X-GitHub-Delivery", id},
          {"X-Hub-Signature-256", test_support::GitHubSignature(kSecret, body)}};
}

TEST_F(Sources, ABadFileStopsStartUpNamingTheSourceAndTheField) {
  Replace("github.secret", std::string(kSecret) + "\n");
  Replace("sources.yaml", "sources:\n  - {name: github, path: /gh, auth: github, secrets_file: " +
                              dir_ + "/github.secret, topic: t, key: [repository/id]}\n");
  auto env = Environment();
  env["HOOKBRIDGE_SOURCES_FILE"] = dir_ + "/sources.yaml";
  HookbridgeProcess bridge(env, {}, /*wait_until_listening=*/false);
  EXPECT_EQ(bridge.WaitForExit(60s), 2) << bridge.output();
  EXPECT_NE(bridge.output().find("hookbridge: sources file " + dir_ +
                                 "/sources.yaml: source \"github\": key: "
                                 "\"repository/id\" is not a JSON Pointer"),
            std::string::npos)
      << bridge.output();
}

TEST_F(Sources, ABrokenFileAtRunTimeKeepsTheSourcesAndAGoodOneOrSighupBringsNewOnes) {
  Replace("github.secret", std::string(kSecret) + "\n");
  const std::string topic = Topic("github");
  StartWithSources("sources:\n" + GitHubSource(dir_, "github", "/gh", topic));
  const std::string body = R"({"n":1})";
  auto first = PostTo("/gh", Signed("d-1", body), body);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;

  Replace("sources.yaml", "sources:\n  - {name: github, path: /gh, auth: github, secrets_file: " +
                              dir_ + "/github.secret, topik: " + topic + "}\n");
  ASSERT_TRUE(PollUntil(30s, [&] {
    return CountOf(bridge_->output(), "sources file rejected") >= 1;
  })) << bridge_->output();
  EXPECT_NE(bridge_->output().find(R"(source \"github\": topik: unknown field)"), std::string::npos)
      << bridge_->output();
  auto still = PostTo("/gh", Signed("d-2", body), body);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200) << "the sources in force stay: " << still->body;

  Replace("sources.yaml", "sources:\n" + GitHubSource(dir_, "github", "/gh", topic) +
                              GitHubSource(dir_, "github2", "/gh2", topic));
  ASSERT_TRUE(PollUntil(30s, [&] {
    return CountOf(bridge_->output(), "\"sources reloaded\"") >= 1;
  })) << bridge_->output();
  auto added = PostTo("/gh2", Signed("d-3", body), body);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->status, 200) << added->body;

  // SIGHUP re-reads even files that look unchanged.
  ASSERT_TRUE(bridge_->Signal(SIGHUP));
  EXPECT_TRUE(PollUntil(30s, [&] {
    return CountOf(bridge_->output(), "\"sources reloaded\"") >= 2;
  })) << bridge_->output();
  EXPECT_EQ(bridge_->output().find(kSecret), std::string::npos) << "a secret reached the log";
  EXPECT_EQ(ConsumeFromBeginning(brokers_, topic, 3, 30s).size(), 3u);
}

TEST_F(Sources, TheBodyLimitAndTheRoutesHoldOnEverySource) {
  Replace("github.secret", std::string(kSecret) + "\n");
  const std::string topic = Topic("github");
  StartWithSources("sources:\n" + GitHubSource(dir_, "github", "/gh", topic));
  const std::string big = R"({"pad":")" + std::string(kMaxBody, 'x') + R"("})";
  auto too_big = PostTo("/gh", Signed("d-big", big), big);
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413) << too_big->body;

  // Chunked, so that no Content-Length announces it: refused while read.
  std::string chunked =
      "POST /gh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "X-GitHub-Event: push\r\nX-GitHub-Delivery: d-chunked\r\n"
      "X-Hub-Signature-256: " +
      test_support::GitHubSignature(kSecret, big) +
      "\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  for (size_t at = 0; at < big.size(); at += 1000) {
    const std::string piece = big.substr(at, 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    chunked += std::string(size) + "\r\n" + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  EXPECT_EQ(RawExchange(bridge_->port(), chunked).rfind("HTTP/1.1 413", 0), 0u);

  // The built-in path is no source here: only the file's paths are served.
  auto gone = Post(kExampleEvent);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  auto get = Get("/gh");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(RecordsIn(topic), 0);
}

}  // namespace
}  // namespace hookbridge::e2e
