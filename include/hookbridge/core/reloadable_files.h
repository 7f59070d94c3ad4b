// A snapshot read from a file (and the files it names), replaced whole while
// requests are being served: the API key file and the sources file are both
// one of these (key_store.h, source_store.h).
//
// Reload() re-reads the files when one of them changed since it was last read
// (its identity: file_identity.h; a Kubernetes Secret or ConfigMap swapped
// through a symlink is a change), or always when forced (SIGHUP). A reading
// that fails leaves the snapshot in force, and is reported once, not on every
// check, until a file changes again. ReloadAndReport() adds what every reload
// does besides: count success and failure, log, and let the owner follow the
// new snapshot. Who checks, and how often, is the application's business.
//
// Thread-safe; readers take a snapshot that stays valid while they use it.
// Reload() is called from one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookbridge/core/file_identity.h"
#include "hookbridge/core/log.h"

namespace hookbridge {

// Every watched file with its identity, the main file first.
using FileIdentities = std::vector<std::pair<std::string, FileIdentity>>;

// The identities of `file` and of `named` now.
FileIdentities IdentitiesNow(const std::string& file, const std::vector<std::string>& named);

// `before` (taken before a reading that named `named`) for the files now
// watched. A file named for the first time was read after `before` was taken:
// it gets an unknown identity, so the next check reads it again and a write
// in between is not missed.
FileIdentities IdentitiesToWatch(const FileIdentities& before,
                                 const std::vector<std::string>& named);

template <typename T>
class ReloadableFiles {
 public:
  // What one reading of the files gave.
  struct Reading {
    std::shared_ptr<const T> value;        // null: refused, and `error` says why
    std::string error;                     // names the file (and the line or field), no secret
    std::vector<std::string> named_files;  // read besides the main file; watched with it
  };
  using Read = std::function<Reading(const std::string& file)>;
  enum class ReloadResult { kUnchanged, kReloaded, kFailed };

  // A snapshot that never changes.
  explicit ReloadableFiles(std::shared_ptr<const T> fixed) : current_(std::move(fixed)) {}

  // `first` is read(file), good (an empty `file`: never reloaded). The files
  // are read once more here to take their identities, so that one swapped in
  // between is not taken for the one in force. If they broke in between,
  // `first` stays and the next check reads them again, and reports it.
  ReloadableFiles(std::string file, Read read, Reading first)
      : file_(std::move(file)),
        read_(std::move(read)),
        current_(std::move(first.value)),
        named_files_(std::move(first.named_files)) {
    std::string error;
    if (Reload(true, &error) == ReloadResult::kFailed) loaded_.clear();
  }

  std::shared_ptr<const T> current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }
  bool reloadable() const { return !file_.empty(); }

  // Re-reads the files if one changed since they were last read (or always,
  // with force). On kFailed, *error says why and the snapshot stays.
  ReloadResult Reload(bool force, std::string* error) {
    if (file_.empty()) return ReloadResult::kUnchanged;
    std::vector<std::string> watched;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      watched = named_files_;
    }
    // Taken before reading: a file changed while being read is read again
    // at the next check.
    FileIdentities before = IdentitiesNow(file_, watched);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!force && before == loaded_) return ReloadResult::kUnchanged;
    }
    Reading reading = read_(file_);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!reading.value) {
      loaded_ = std::move(before);  // a broken file is reported once, not on every check
      *error = std::move(reading.error);
      return ReloadResult::kFailed;
    }
    if (reading.named_files != watched) before = IdentitiesToWatch(before, reading.named_files);
    loaded_ = std::move(before);
    named_files_ = std::move(reading.named_files);
    current_ = std::move(reading.value);
    return ReloadResult::kReloaded;
  }

 private:
  const std::string file_;
  const Read read_;
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
  std::vector<std::string> named_files_;  // by the reading in force
  FileIdentities loaded_;                 // every watched file as it was when last read
};

// What a reload says and does besides swapping the snapshot.
template <typename T>
struct ReloadReport {
  std::string_view reloaded_message;  // logged at info on success
  std::string_view rejected_message;  // logged at error, with the reason, on failure
  std::function<void(bool success)> count;
  // Runs once a new snapshot is in force; gives the success line's one field
  // (e.g. {"keys", 2}, a count), never a secret.
  std::function<std::pair<std::string, size_t>(const T&)> follow;
};

// Reload(force), then count and log the outcome; nothing when unchanged.
template <typename T>
void ReloadAndReport(ReloadableFiles<T>& files, bool force, const ReloadReport<T>& report) {
  std::string error;
  switch (files.Reload(force, &error)) {
    case ReloadableFiles<T>::ReloadResult::kUnchanged: return;
    case ReloadableFiles<T>::ReloadResult::kReloaded: {
      report.count(true);
      const auto [name, value] = report.follow(*files.current());
      Log(LogLevel::kInfo, report.reloaded_message, {{name, value}});
      return;
    }
    case ReloadableFiles<T>::ReloadResult::kFailed:
      report.count(false);
      Log(LogLevel::kError, report.rejected_message, {{"reason", error}});
      return;
  }
}

}  // namespace hookbridge
