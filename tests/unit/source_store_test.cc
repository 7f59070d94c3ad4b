// SourceStore: the sources file and its secrets files are re-read when any of
// them changes; a broken file keeps the sources in force.
#include "hookbridge/sources/source_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace hookbridge {
namespace {

class SourceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hookbridge-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Replace("github.secrets", "old-secret\n");
    Replace("sources.yaml", Sources("github.events"));
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Sources(const std::string& topic) const {
    return "sources:\n  - {name: github, path: /gh, auth: github, secrets_file: " + dir_ +
           "/github.secrets, topic: " + topic + "}\n";
  }
  // Written aside and renamed in: a new inode, as a ConfigMap or Secret update makes.
  void Replace(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/.tmp") << text;
    ASSERT_EQ(std::rename((dir_ + "/.tmp").c_str(), (dir_ + "/" + name).c_str()), 0);
  }
  std::unique_ptr<SourceStore> Open() {
    SourcesFileResult loaded = LoadSourcesFile(dir_ + "/sources.yaml", SourcesDefaults{});
    EXPECT_TRUE(loaded.sources) << loaded.error;
    return std::make_unique<SourceStore>(dir_ + "/sources.yaml", SourcesDefaults{},
                                         std::move(loaded));
  }

  std::string dir_;
};

TEST_F(SourceStoreTest, UnchangedFilesAreNotReread) {
  auto store = Open();
  std::string error;
  EXPECT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kUnchanged);
}

TEST_F(SourceStoreTest, AChangedSourcesFileIsReread) {
  auto store = Open();
  Replace("sources.yaml", Sources("github.v2"));
  std::string error;
  EXPECT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kReloaded) << error;
  EXPECT_EQ(store->current()->sources[0]->topic, "github.v2");
}

TEST_F(SourceStoreTest, AChangedSecretsFileIsRereadForRotation) {
  auto store = Open();
  std::shared_ptr<const SourceSet> before = store->current();
  Replace("github.secrets", "old-secret\nnew-secret\n");
  std::string error;
  ASSERT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kReloaded) << error;
  EXPECT_EQ(store->current()->sources[0]->signature.secrets,
            (std::vector<std::string>{"old-secret", "new-secret"}));
  // A snapshot taken before stays whole for whoever holds it.
  EXPECT_EQ(before->sources[0]->signature.secrets, std::vector<std::string>{"old-secret"});
  Replace("github.secrets", "new-secret\n");
  ASSERT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kReloaded) << error;
  EXPECT_EQ(store->current()->sources[0]->signature.secrets,
            std::vector<std::string>{"new-secret"});
}

TEST_F(SourceStoreTest, ABrokenFileKeepsTheSourcesInForceAndIsReportedOnce) {
  auto store = Open();
  Replace("sources.yaml", Sources("github.events") + "    typo: 1\n");
  Replace("sources.yaml", "sources:\n  - {name: github, path: /gh, auth: github, secrets_file: " +
                              dir_ + "/github.secrets, topik: x}\n");
  std::string error;
  EXPECT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kFailed);
  EXPECT_EQ(error,
            "sources file " + dir_ + "/sources.yaml: source \"github\": topik: unknown field");
  EXPECT_EQ(store->current()->sources[0]->topic, "github.events");
  EXPECT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kUnchanged);
  Replace("github.secrets", "\n");  // an empty secrets file is broken too
  Replace("sources.yaml", Sources("github.events"));
  EXPECT_EQ(store->Reload(false, &error), SourceStore::ReloadResult::kFailed);
  EXPECT_EQ(store->current()->sources[0]->signature.secrets,
            std::vector<std::string>{"old-secret"});
}

TEST_F(SourceStoreTest, AFixedSetNeverReloads) {
  SourceStore store(BuiltInSources(Config()));
  std::string error;
  EXPECT_FALSE(store.reloadable());
  EXPECT_EQ(store.Reload(true, &error), SourceStore::ReloadResult::kUnchanged);
  EXPECT_EQ(store.current()->ByPath("/webhooks/getprofile")->name, "getprofile");
}

}  // namespace
}  // namespace hookbridge
