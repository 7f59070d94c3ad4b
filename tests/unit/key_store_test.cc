// KeyStore: keys re-read from GETPROFILE_API_KEY_FILE when it changes (in
// place, by rename, or through a Kubernetes-style symlink swap), on demand,
// and a broken file that keeps the keys in force.
#include "hookbridge/core/key_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"

namespace hookbridge {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Result = KeyStore::ReloadResult;

constexpr const char* kOldKey = "hbk_old_Qm4vT8zL2pR6";
constexpr const char* kNewKey = "hbk_new_Xc7nB1yH5dK0w";
constexpr const char* kNewerKey = "hbk_newer_Jr3sG9fA2eU4";

using test_support::TempDir;

// Rewrites `path` in place: same inode.
void WriteInPlace(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  ASSERT_TRUE(file.good()) << path;
}

// Writes a new file next to `path` and renames it over `path`: a new inode.
void ReplaceByRename(const std::string& path, const std::string& contents) {
  std::string temporary = path + ".tmp";
  WriteInPlace(temporary, contents);
  ASSERT_EQ(std::rename(temporary.c_str(), path.c_str()), 0) << path;
}

ApiKeys MustLoad(const std::string& path) {
  std::string error;
  std::optional<ApiKeys> keys = ApiKeys::FromFile(path, &error);
  EXPECT_TRUE(keys.has_value()) << error;
  return keys.value_or(ApiKeys());
}

bool Accepts(const KeyStore& store, const std::string& key) {
  return store.current()->Contains(key);
}

TEST(KeyStoreTest, WithoutAFileNothingIsReloaded) {
  std::string error;
  KeyStore store(*ApiKeys::FromCommaList(kOldKey, &error), "");
  EXPECT_FALSE(store.reloadable());
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
  EXPECT_EQ(store.Reload(true, &error), Result::kUnchanged);
  EXPECT_TRUE(Accepts(store, kOldKey));
}

TEST(KeyStoreTest, AFileSwappedBeforeTheStoreExistsIsTheOneInForce) {
  // The keys given were read from the file, which was then replaced before
  // the store took note of it: the store must serve the file's keys, not
  // note the new file as already read.
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  ApiKeys read_at_startup = MustLoad(path);
  ReplaceByRename(path, std::string(kNewKey) + "\n");
  KeyStore store(std::move(read_at_startup), path);
  EXPECT_TRUE(Accepts(store, kNewKey));
  EXPECT_FALSE(Accepts(store, kOldKey));
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
}

TEST(KeyStoreTest, ABrokenFileAtStoreCreationKeepsTheKeysGiven) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  ApiKeys read_at_startup = MustLoad(path);
  WriteInPlace(path, "not a key!\n");
  KeyStore store(std::move(read_at_startup), path);
  EXPECT_TRUE(Accepts(store, kOldKey));
}

TEST(KeyStoreTest, UnchangedFileIsUnchangedAndKeepsTheSameSnapshot) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  KeyStore store(MustLoad(path), path);
  EXPECT_TRUE(store.reloadable());
  auto before = store.current();
  std::string error;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
  EXPECT_EQ(store.current(), before);
}

TEST(KeyStoreTest, FileChangedInPlaceIsReloaded) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  KeyStore store(MustLoad(path), path);
  WriteInPlace(path, std::string("# rotated\n") + kNewKey + "\n");
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(Accepts(store, kNewKey));
  EXPECT_FALSE(Accepts(store, kOldKey));
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
}

TEST(KeyStoreTest, FileReplacedByRenameIsReloadedEvenWithTheSameSize) {
  TempDir dir;
  std::string path = dir / "keys";
  std::string old_contents = std::string(kOldKey) + "\n";
  std::string new_contents = std::string(kOldKey).replace(4, 3, "new") + "\n";  // same length
  ASSERT_EQ(old_contents.size(), new_contents.size());
  WriteInPlace(path, old_contents);
  KeyStore store(MustLoad(path), path);
  ReplaceByRename(path, new_contents);
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(Accepts(store, new_contents.substr(0, new_contents.size() - 1)));
  EXPECT_FALSE(Accepts(store, kOldKey));
}

TEST(KeyStoreTest, ForcedReloadRereadsAnUnchangedFile) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n" + kNewKey + "\n");
  KeyStore store(MustLoad(path), path);
  auto before = store.current();
  std::string error;
  EXPECT_EQ(store.Reload(true, &error), Result::kReloaded) << error;
  EXPECT_NE(store.current(), before);
  EXPECT_EQ(store.current()->size(), 2u);
  EXPECT_TRUE(Accepts(store, kOldKey));
  EXPECT_TRUE(Accepts(store, kNewKey));
}

TEST(KeyStoreTest, BrokenFileKeepsTheKeysAndIsReportedOnce) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  KeyStore store(MustLoad(path), path);

  // A key with a space in it: not a valid bearer token.
  WriteInPlace(path, std::string(kNewKey) + "\nhalf a-key " + kNewerKey + "\n");
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kFailed);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("line 2"));
  EXPECT_THAT(error, Not(HasSubstr(kNewKey)));
  EXPECT_THAT(error, Not(HasSubstr(kNewerKey)));
  EXPECT_THAT(error, Not(HasSubstr(kOldKey)));
  EXPECT_TRUE(Accepts(store, kOldKey));
  EXPECT_FALSE(Accepts(store, kNewKey));

  // Reported once: the next checks see the same broken file as unchanged.
  error.clear();
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
  EXPECT_TRUE(Accepts(store, kOldKey));
  // A forced reload (SIGHUP) tries again, and fails again.
  EXPECT_EQ(store.Reload(true, &error), Result::kFailed);
  EXPECT_TRUE(Accepts(store, kOldKey));

  // Once fixed, the file is taken.
  WriteInPlace(path, std::string(kNewKey) + "\n");
  EXPECT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(Accepts(store, kNewKey));
  EXPECT_FALSE(Accepts(store, kOldKey));
}

TEST(KeyStoreTest, FileWithoutKeysKeepsTheKeys) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  KeyStore store(MustLoad(path), path);
  WriteInPlace(path, "# all keys removed\n\n");
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kFailed);
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(Accepts(store, kOldKey));
}

TEST(KeyStoreTest, DeletedFileKeepsTheKeysUntilItComesBack) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  KeyStore store(MustLoad(path), path);
  ASSERT_EQ(std::remove(path.c_str()), 0);
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kFailed);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
  EXPECT_TRUE(Accepts(store, kOldKey));
  WriteInPlace(path, std::string(kNewKey) + "\n");
  EXPECT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(Accepts(store, kNewKey));
}

// How the kubelet updates a mounted Secret: the files live in a timestamped
// directory, `..data` points at it, and each key file is a symlink through
// `..data`. An update writes a new directory, points a new symlink at it and
// renames that over `..data` (atomic), then removes the old directory.
class KubernetesSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteVersion("..2024_01_01_v1", std::string(kOldKey) + "\n");
    ASSERT_EQ(symlink("..2024_01_01_v1", (dir_ / "..data").c_str()), 0);
    ASSERT_EQ(symlink("..data/api-keys", path_.c_str()), 0);
  }

  void WriteVersion(const std::string& version, const std::string& contents) {
    ASSERT_TRUE(std::filesystem::create_directory(dir_ / version));
    WriteInPlace(dir_ / version + "/api-keys", contents);
  }

  // Atomic swap of ..data to `version`, then the old version is removed.
  void SwapTo(const std::string& version, const std::string& old_version) {
    ASSERT_EQ(symlink(version.c_str(), (dir_ / "..data_tmp").c_str()), 0);
    ASSERT_EQ(std::rename((dir_ / "..data_tmp").c_str(), (dir_ / "..data").c_str()), 0);
    std::filesystem::remove_all(dir_ / old_version);
  }

  TempDir dir_;
  std::string path_ = dir_ / "api-keys";
};

TEST_F(KubernetesSecretTest, SymlinkSwapIsReloaded) {
  KeyStore store(MustLoad(path_), path_);
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);

  // Same length and content shape: only the identity of the target changes.
  std::string contents = std::string(kOldKey).replace(4, 3, "new") + "\n";
  WriteVersion("..2024_01_02_v2", contents);
  SwapTo("..2024_01_02_v2", "..2024_01_01_v1");
  EXPECT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(Accepts(store, contents.substr(0, contents.size() - 1)));
  EXPECT_FALSE(Accepts(store, kOldKey));
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);

  // A second rotation, to two keys.
  WriteVersion("..2024_01_03_v3", std::string(kNewKey) + "\n" + kNewerKey + "\n");
  SwapTo("..2024_01_03_v3", "..2024_01_02_v2");
  EXPECT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(Accepts(store, kNewKey));
  EXPECT_TRUE(Accepts(store, kNewerKey));
  EXPECT_EQ(store.current()->size(), 2u);
}

TEST_F(KubernetesSecretTest, SwapToABrokenSecretKeepsTheKeys) {
  KeyStore store(MustLoad(path_), path_);
  WriteVersion("..2024_01_02_v2", "not a key\n");
  SwapTo("..2024_01_02_v2", "..2024_01_01_v1");
  std::string error;
  EXPECT_EQ(store.Reload(false, &error), Result::kFailed);
  EXPECT_THAT(error, HasSubstr("line 1"));
  EXPECT_TRUE(Accepts(store, kOldKey));
  EXPECT_EQ(store.Reload(false, &error), Result::kUnchanged);
}

TEST(KeyStoreTest, SnapshotsStayValidAcrossReloads) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n");
  KeyStore store(MustLoad(path), path);
  std::shared_ptr<const ApiKeys> snapshot = store.current();
  WriteInPlace(path, std::string(kNewKey) + "\n\n");
  std::string error;
  ASSERT_EQ(store.Reload(false, &error), Result::kReloaded) << error;
  EXPECT_TRUE(snapshot->Contains(kOldKey));  // a request in progress keeps what it checked against
  EXPECT_FALSE(snapshot->Contains(kNewKey));
  EXPECT_TRUE(Accepts(store, kNewKey));
}

TEST(KeyStoreTest, ReadersDuringReloadsAlwaysSeeOneCompleteKeySet) {
  TempDir dir;
  std::string path = dir / "keys";
  WriteInPlace(path, std::string(kOldKey) + "\n" + kNewKey + "\n");
  KeyStore store(MustLoad(path), path);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        auto keys = store.current();
        // Both files hold kNewKey: it must always be accepted.
        if (!keys->Contains(kNewKey) || keys->size() != 2) ++bad;
      }
    });
  }
  std::string error;
  for (int i = 0; i < 200; ++i) {
    ReplaceByRename(path, std::string(i % 2 ? kOldKey : kNewerKey) + "\n" + kNewKey + "\n");
    EXPECT_EQ(store.Reload(true, &error), Result::kReloaded) << error;
  }
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace hookbridge
