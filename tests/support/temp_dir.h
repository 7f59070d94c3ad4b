// A scratch directory for one test: made fresh under /tmp, removed with
// everything in it when the object goes, even when an assertion ends the
// test early.
#pragma once

#include <string>

namespace hookbridge::test_support {

class TempDir {
 public:
  // /tmp/NAME-XXXXXX; ok() is false if it could not be made (assert it first).
  explicit TempDir(const std::string& name = "hookbridge");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // The path of `name` inside it.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace hookbridge::test_support
