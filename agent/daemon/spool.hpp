// The on-disk spool of reports not yet delivered: one file per report, written durably, named
// so that name order is the order they were spooled in. Bounded in reports and bytes; at the
// bound the oldest are dropped and counted. It survives restarts: open() picks up what an
// earlier process left. Not thread-safe: the agent touches it from its event loop only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace capprobe::agent::daemon {

struct SpoolLimits {
  std::size_t max_reports = 500;
  std::uint64_t max_bytes = 64ULL << 20;
};

struct SpoolEntry {
  std::string name;       // file name inside the spool directory
  std::string report_id;  // from the name
  std::uint64_t bytes = 0;
};

class Spool {
 public:
  // Creates `dir` (0700) when missing, removes temp files a crash left behind, and takes the
  // reports already there; if they exceed `limits` the oldest are dropped (and counted).
  // Returns the spool or why it cannot be used.
  static std::variant<std::unique_ptr<Spool>, std::string> open(const std::string& dir,
                                                                SpoolLimits limits);

  // Stores `body` as the newest entry, then drops the oldest entries beyond the bound. A body
  // larger than max_bytes on its own is refused (and counted as dropped). Returns "" or why
  // it was not stored.
  std::string put(std::string_view report_id, std::string_view body);

  std::optional<SpoolEntry> oldest() const;
  // The entry's content; nullopt when it cannot be read (the caller discards it).
  std::optional<std::string> read(const SpoolEntry& entry) const;
  // Removes a delivered (or rejected) entry. Already gone is fine.
  void remove(const SpoolEntry& entry);
  // Removes an entry that cannot be delivered (unreadable) and counts it as dropped.
  void discard(const SpoolEntry& entry);

  std::size_t depth() const { return entries_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t dropped() const { return dropped_; }  // since this process opened the spool
  const std::string& dir() const { return dir_; }

 private:
  Spool(std::string dir, SpoolLimits limits) : dir_(std::move(dir)), limits_(limits) {}
  void drop_oldest();
  void enforce_bound(const std::string& keep);
  // A spooled file's path: the directory and the name, with the OS's separator.
  std::filesystem::path path_of(const std::string& name) const;

  std::string dir_;
  SpoolLimits limits_;
  std::map<std::string, std::uint64_t> entries_;  // name -> bytes; name order = age order
  std::uint64_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t next_sequence_ = 1;
};

// "00000000000000000042-<report_id>.json": the sequence number zero-padded so that plain name
// order is spooling order. A report_id with characters unsafe in a file name is replaced by
// "report" (the id inside the body is what the collector reads).
std::string spool_file_name(std::uint64_t sequence, std::string_view report_id);

// The sequence and report id of a spool file name; nullopt for any other name.
struct SpoolName {
  std::uint64_t sequence = 0;
  std::string report_id;
};
std::optional<SpoolName> parse_spool_file_name(std::string_view name);

}  // namespace capprobe::agent::daemon
