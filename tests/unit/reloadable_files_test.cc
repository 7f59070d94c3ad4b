// ReloadableFiles and ReloadAndReport, the one component behind the key file
// and the sources file: checks are triggered directly here, no period waited
// for. Its two users have their own tests (key_store_test, source_store_test).
#include "hookbridge/core/reloadable_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace hookbridge {
namespace {

using ::testing::HasSubstr;
using Files = ReloadableFiles<std::string>;

// A file whose first line is the value and whose other lines name files to
// read with it (their text is appended); "broken" anywhere refuses it.
Files::Reading ReadJoined(const std::string& path) {
  Files::Reading reading;
  std::ifstream in(path);
  if (!in) {
    reading.error = path + ": cannot be read";
    return reading;
  }
  std::string value, line;
  std::getline(in, value);
  while (std::getline(in, line)) {
    reading.named_files.push_back(line);
    std::ifstream named(line);
    std::stringstream text;
    text << named.rdbuf();
    value += "+" + text.str();
  }
  if (value.find("broken") != std::string::npos) {
    reading.error = path + ": broken";
    return reading;
  }
  reading.value = std::make_shared<const std::string>(value);
  return reading;
}

class ReloadableFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hookbridge-reloadable-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  // Written aside and renamed in: a new inode, as a Secret or ConfigMap update makes.
  void Replace(const std::string& name, const std::string& text) {
    std::ofstream(Path(".tmp")) << text;
    ASSERT_EQ(std::rename(Path(".tmp").c_str(), Path(name).c_str()), 0);
  }
  std::unique_ptr<Files> Open(const std::string& name) {
    Files::Reading first = ReadJoined(Path(name));
    EXPECT_TRUE(first.value) << first.error;
    return std::make_unique<Files>(Path(name), ReadJoined, std::move(first));
  }

  // ReloadAndReport's counts, what `follow` saw, and its log lines.
  struct Reported {
    int successes = 0;
    int failures = 0;
    std::vector<std::string> followed;
  };
  ReloadReport<std::string> ReportInto(Reported& reported) {
    return {"test value reloaded", "test file rejected",
            [&reported](bool success) { ++(success ? reported.successes : reported.failures); },
            [&reported](const std::string& value) {
              reported.followed.push_back(value);
              return std::make_pair(std::string("value_bytes"), value.size());
            }};
  }

  std::string dir_;
};

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(ReloadableFilesTest, ABrokenFileIsCountedAndLoggedOnceHoweverOftenItIsChecked) {
  Replace("main", "one\n");
  auto files = Open("main");
  Reported reported;
  const ReloadReport<std::string> report = ReportInto(reported);

  ::testing::internal::CaptureStdout();
  Replace("main", "broken\n");
  for (int check = 0; check < 20; ++check) ReloadAndReport(*files, /*force=*/false, report);
  Replace("main", "two\n");
  for (int check = 0; check < 20; ++check) ReloadAndReport(*files, /*force=*/false, report);
  const std::string log = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(reported.failures, 1);
  EXPECT_EQ(reported.successes, 1);
  EXPECT_EQ(reported.followed, std::vector<std::string>{"two"});
  EXPECT_EQ(*files->current(), "two");
  EXPECT_EQ(CountOf(log, "\"test file rejected\""), 1u) << log;
  EXPECT_EQ(CountOf(log, "\"test value reloaded\""), 1u) << log;
  EXPECT_THAT(log, HasSubstr(Path("main") + ": broken"));
  EXPECT_THAT(log, HasSubstr("\"value_bytes\":3")) << "the count is a JSON number";
}

TEST_F(ReloadableFilesTest, AForcedCheckRereadsAndReportsAnUnchangedFile) {
  Replace("main", "one\n");
  auto files = Open("main");
  Reported reported;
  const ReloadReport<std::string> report = ReportInto(reported);
  ::testing::internal::CaptureStdout();
  ReloadAndReport(*files, /*force=*/false, report);
  EXPECT_EQ(reported.successes, 0);
  const auto before = files->current();
  ReloadAndReport(*files, /*force=*/true, report);
  ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(reported.successes, 1);
  EXPECT_NE(files->current(), before) << "the snapshot is swapped whole";
  EXPECT_EQ(*before, "one") << "a snapshot taken stays valid";
}

TEST_F(ReloadableFilesTest, AFileNamedByTheMainOneIsWatchedWithItAndDroppedWhenNoLongerNamed) {
  Replace("secret-a", "a1");
  Replace("secret-b", "b1");
  Replace("main", "v\n" + Path("secret-a") + "\n");
  auto files = Open("main");
  std::string error;
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kUnchanged);

  Replace("secret-a", "a2");
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kReloaded) << error;
  EXPECT_EQ(*files->current(), "v+a2");

  // Now naming the other file: a file named for the first time is read once
  // more at the next check, so that a write between its reading and the
  // identities taken is not missed.
  Replace("main", "v\n" + Path("secret-b") + "\n");
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kReloaded) << error;
  EXPECT_EQ(*files->current(), "v+b1");
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kReloaded) << error;
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kUnchanged);

  Replace("secret-a", "a3");  // no longer named: no reload
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kUnchanged);
  Replace("secret-b", "b2");
  EXPECT_EQ(files->Reload(false, &error), Files::ReloadResult::kReloaded) << error;
  EXPECT_EQ(*files->current(), "v+b2");
}

TEST_F(ReloadableFilesTest, AFileBrokenBetweenTheFirstReadingAndTheStoreIsReportedAtTheNextCheck) {
  Replace("main", "one\n");
  Files::Reading first = ReadJoined(Path("main"));
  ASSERT_TRUE(first.value);
  Replace("main", "broken\n");
  Files files(Path("main"), ReadJoined, std::move(first));
  EXPECT_EQ(*files.current(), "one") << "the first reading stays";
  std::string error;
  EXPECT_EQ(files.Reload(false, &error), Files::ReloadResult::kFailed);
  EXPECT_THAT(error, HasSubstr("broken"));
  EXPECT_EQ(files.Reload(false, &error), Files::ReloadResult::kUnchanged);
}

TEST_F(ReloadableFilesTest, AFixedSnapshotOrAnEmptyFileNameIsNeverReloaded) {
  Files fixed(std::make_shared<const std::string>("fixed"));
  Files unnamed("", ReadJoined, {std::make_shared<const std::string>("given"), {}, {}});
  std::string error;
  for (Files* files : {&fixed, &unnamed}) {
    EXPECT_FALSE(files->reloadable());
    EXPECT_EQ(files->Reload(true, &error), Files::ReloadResult::kUnchanged);
  }
  EXPECT_EQ(*fixed.current(), "fixed");
  EXPECT_EQ(*unnamed.current(), "given");
}

}  // namespace
}  // namespace hookbridge
