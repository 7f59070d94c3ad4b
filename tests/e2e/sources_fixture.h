// The fixture of the sources suites: the shared EndToEnd fixture, plus a
// directory of its own for the sources file and secrets files, and topics
// per source.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "bridge_fixture.h"

namespace hookbridge::e2e {

using namespace std::chrono_literals;

constexpr int kSourcePartitions = 3;

inline int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class Sources : public EndToEnd {
 protected:
  void SetUp() override {
    EndToEnd::SetUp();
    char pattern[] = "/tmp/hookbridge-sources-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Topic(const std::string& source) {
    std::string topic = topic_ + "." + source;
    EXPECT_EQ(CreateTopic(brokers_, topic, kSourcePartitions), "");
    return topic;
  }
  // Written aside and renamed in, as a ConfigMap or Secret update does.
  void Replace(const std::string& name, const std::string& text) {
    const std::string aside = dir_ + "/.aside";
    std::ofstream(aside) << text;
    ASSERT_EQ(std::rename(aside.c_str(), (dir_ + "/" + name).c_str()), 0);
  }
  void StartWithSources(const std::string& yaml) {
    Replace("sources.yaml", yaml);
    auto env = Environment();
    env["HOOKBRIDGE_SOURCES_FILE"] = dir_ + "/sources.yaml";
    StartBridge(env);
  }
  httplib::Result PostTo(const std::string& path, const httplib::Headers& headers,
                         const std::string& body,
                         const std::string& content_type = "application/json") {
    httplib::Client client("127.0.0.1", bridge_->port());
    client.set_read_timeout(10, 0);
    return client.Post(path.c_str(), headers, body, content_type.c_str());
  }
  // The records in `topic` now; a fresh topic's watermarks may not be
  // readable at once (no leader known yet): asked again until they are.
  int64_t RecordsIn(const std::string& topic) {
    int64_t count = -1;
    EXPECT_TRUE(PollUntil(30s, [&] {
      return (count = CountRecords(brokers_, topic, kSourcePartitions)) >= 0;
    })) << topic;
    return count;
  }
  static std::string Header(const ConsumedRecord& record, const std::string& name) {
    auto it = record.headers.find(name);
    return it == record.headers.end() ? "<absent>" : it->second;
  }

  std::string dir_;
};

}  // namespace hookbridge::e2e
