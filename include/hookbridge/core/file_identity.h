// Whether a file changed since it was last read, without reading it: its
// device, inode, size and modification time, taken through symlinks (a
// Kubernetes Secret or ConfigMap is swapped by retargeting a symlink, which
// makes a new inode). A missing file has the identity of no file. Plain data.
#pragma once

#include <sys/types.h>

#include <string>

namespace hookbridge {

struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = -1;
  long long mtime_ns = -1;
  bool operator==(const FileIdentity& other) const;
  bool operator!=(const FileIdentity& other) const { return !(*this == other); }
};

FileIdentity IdentityOf(const std::string& path);

}  // namespace hookbridge
