// End to end, for operators: the API key file reloaded when a symlink is
// swapped (a broken file rejected, the keys in force kept), and on SIGHUP
// even when the file looks unchanged. On the shared broker
// (HOOKBRIDGE_E2E_BROKERS); the fixture is in operations_fixture.h.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::hookbridge::test_support::Exposition;
using ::testing::HasSubstr;
using ::testing::Not;

// How often the log says the key file was reloaded.
size_t ReloadedLogLines(const std::string& log) {
  return LogLines(log, "API keys reloaded").size();
}

// --- (d) key reload ---------------------------------------------------------

TEST_F(Operations, KeyFileSwappedThroughASymlinkIsReloadedAndABrokenOneRejected) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string key_one = "file-key-one-0123456789";
  const std::string key_two = "file-key-two-0123456789";
  const std::string key_three = "file-key-three-0123456789";
  WriteFile(dir / "keys-v1", "# first\n" + key_one + "\n");
  ASSERT_EQ(symlink("keys-v1", (dir / "api-keys").c_str()), 0);
  auto swap_to = [&](const std::string& target) {
    std::string temporary = dir / "api-keys.new";
    ASSERT_EQ(symlink(target.c_str(), temporary.c_str()), 0);
    ASSERT_EQ(std::rename(temporary.c_str(), (dir / "api-keys").c_str()), 0);
  };
  auto status_with = [&](const std::string& key) {
    auto response = Post(kExampleEvent, key);
    return response ? response->status : -1;
  };

  auto env = Environment();
  env.erase("GETPROFILE_API_KEY");
  env["GETPROFILE_API_KEY_FILE"] = dir / "api-keys";
  StartBridge(env);
  EXPECT_EQ(status_with(key_one), 200);
  EXPECT_EQ(status_with(key_two), 401);

  // Rotation: the symlink now points at a file with the new key.
  WriteFile(dir / "keys-v2", key_two + "\n");
  swap_to("keys-v2");
  EXPECT_TRUE(PollUntil(
      5s, [&] { return status_with(key_two) == 200; }, 100ms));
  EXPECT_EQ(status_with(key_one), 401);
  // The keys are swapped in first; metrics and the log line follow.
  EXPECT_TRUE(PollUntil(
      5s, [&] { return ReloadedLogLines(bridge_->output()) >= 1; }, 50ms))
      << bridge_->output();
  EXPECT_EQ(ReloadedLogLines(bridge_->output()), 1u) << bridge_->output();

  // A broken file (a key with a space): the keys in force stay, and the log says why.
  WriteFile(dir / "keys-v3", key_three + "\nhalf a-key\n");
  swap_to("keys-v3");
  const std::string rejected_message = "API key file rejected; the previous keys stay in force";
  EXPECT_TRUE(PollUntil(
      5s, [&] { return !LogLines(bridge_->output(), rejected_message).empty(); }, 100ms))
      << bridge_->output();
  auto rejected = LogLines(bridge_->output(), rejected_message);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0]["level"], "error");
  EXPECT_THAT(rejected[0]["reason"], HasSubstr("line 2"));
  EXPECT_THAT(rejected[0]["reason"], HasSubstr(dir / "api-keys"));
  EXPECT_EQ(status_with(key_two), 200);
  EXPECT_EQ(status_with(key_three), 401);
  EXPECT_EQ(status_with(key_one), 401);

  Exposition metrics = Scrape();
  EXPECT_EQ(metrics.Value("hookbridge_api_key_reloads_total{result=\"success\"}"), 1)
      << last_metrics_text_;
  EXPECT_EQ(metrics.Value("hookbridge_api_key_reloads_total{result=\"failure\"}"), 1)
      << last_metrics_text_;
  EXPECT_EQ(metrics.Value("hookbridge_api_keys"), 1);

  // Fixed: a Secret with two keys.
  WriteFile(dir / "keys-v4", key_one + "\n" + key_three + "\n");
  swap_to("keys-v4");
  EXPECT_TRUE(PollUntil(
      5s, [&] { return status_with(key_three) == 200; }, 100ms));
  EXPECT_EQ(status_with(key_one), 200);
  EXPECT_EQ(status_with(key_two), 401);
  EXPECT_TRUE(PollUntil(
      5s, [&] { return Scrape().Value("hookbridge_api_keys") == 2; }, 50ms))
      << last_metrics_text_;
  // The broken file was reported once, not on every check that came after
  // it (tests/unit/reloadable_files_test.cc counts many checks directly).
  EXPECT_EQ(LogLines(bridge_->output(), rejected_message).size(), 1u) << bridge_->output();
  EXPECT_EQ(Scrape().Value("hookbridge_api_key_reloads_total{result=\"failure\"}"), 1)
      << last_metrics_text_;

  for (const std::string& key : {key_one, key_two, key_three}) {
    EXPECT_THAT(bridge_->output(), Not(HasSubstr(key)));
    EXPECT_THAT(last_metrics_text_, Not(HasSubstr(key)));
  }
}

TEST_F(Operations, SighupReloadsTheKeyFileEvenWhenItLooksUnchanged) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string key_one = "hup-key-one-0123456789";
  const std::string key_two = "hup-key-two-0123456789";  // same length
  const std::string path = dir / "api-keys";
  WriteFile(path, key_one + "\n");
  auto env = Environment();
  env.erase("GETPROFILE_API_KEY");
  env["GETPROFILE_API_KEY_FILE"] = path;
  StartBridge(env);
  auto status_with = [&](const std::string& key) {
    auto response = Post(kExampleEvent, key);
    return response ? response->status : -1;
  };
  EXPECT_EQ(status_with(key_one), 200);
  const std::string success = "hookbridge_api_key_reloads_total{result=\"success\"}";
  EXPECT_EQ(Scrape().Value(success), 0);

  // SIGHUP on an unchanged file re-reads it all the same.
  ASSERT_TRUE(bridge_->Signal(SIGHUP));
  EXPECT_TRUE(PollUntil(
      5s, [&] { return Scrape().Value(success) == 1; }, 100ms))
      << last_metrics_text_;
  EXPECT_TRUE(PollUntil(
      5s, [&] { return ReloadedLogLines(bridge_->output()) >= 1; }, 50ms))
      << bridge_->output();
  EXPECT_EQ(ReloadedLogLines(bridge_->output()), 1u);

  // The file rewritten in place with its old size and modification time, so
  // that it looks unchanged to the polling: SIGHUP makes it count.
  struct stat before {};
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  WriteFile(path, key_two + "\n");
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  ASSERT_TRUE(bridge_->Signal(SIGHUP));
  EXPECT_TRUE(PollUntil(
      5s, [&] { return status_with(key_two) == 200; }, 100ms));
  EXPECT_EQ(status_with(key_one), 401);

  // SIGHUP does not stop the process.
  auto health = Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 20s), 0);
}

}  // namespace
}  // namespace hookbridge::e2e
