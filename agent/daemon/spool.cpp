// Spool bookkeeping: names, bounds, drop counting; the durable write is durable_file's.
#include "agent/daemon/spool.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/log.hpp"
#include "platform/process/durable_file.hpp"
#include "platform/utf8_path.hpp"

namespace capprobe::agent::daemon {
namespace {

constexpr std::string_view kTempPrefix = ".tmp-";
constexpr std::string_view kSuffix = ".json";
constexpr std::size_t kSequenceDigits = 20;

bool safe_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

}  // namespace

std::string spool_file_name(std::uint64_t sequence, std::string_view report_id) {
  char digits[kSequenceDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(sequence));
  return std::string(digits) + "-" + (safe_id(report_id) ? std::string(report_id) : "report") +
         std::string(kSuffix);
}

std::optional<SpoolName> parse_spool_file_name(std::string_view name) {
  if (name.size() <= kSequenceDigits + 1 + kSuffix.size() || name[kSequenceDigits] != '-' ||
      name.substr(name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  SpoolName parsed;
  for (std::size_t i = 0; i < kSequenceDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    parsed.sequence = parsed.sequence * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  const auto id =
      name.substr(kSequenceDigits + 1, name.size() - kSequenceDigits - 1 - kSuffix.size());
  if (!safe_id(id)) return std::nullopt;
  parsed.report_id = std::string(id);
  return parsed;
}

std::variant<std::unique_ptr<Spool>, std::string> Spool::open(const std::string& dir,
                                                              SpoolLimits limits) {
  namespace fs = std::filesystem;
  if (auto problem = platform::make_private_dirs(dir); !problem.empty()) return problem;
  std::unique_ptr<Spool> spool(new Spool(dir, limits));
  const auto log = logger("spool");
  std::error_code code;
  for (fs::directory_iterator it(platform::utf8_path(dir), code), end; !code && it != end;
       it.increment(code)) {
    const auto name = platform::utf8_string(it->path().filename());
    if (name.rfind(kTempPrefix, 0) == 0) {
      // A write that a crash interrupted before its rename: never acknowledged as spooled.
      std::error_code ignored;
      fs::remove(it->path(), ignored);
      log->info("removed an unfinished spool write file={}", name);
      continue;
    }
    const auto parsed = parse_spool_file_name(name);
    if (!parsed) {
      log->warn("ignoring a file that is not a spooled report dir={} file={}", dir, name);
      continue;
    }
    std::error_code size_error;
    const auto size = it->file_size(size_error);
    if (size_error) continue;
    spool->entries_[name] = size;
    spool->bytes_ += size;
    spool->next_sequence_ = std::max(spool->next_sequence_, parsed->sequence + 1);
  }
  if (code) return "reading " + dir + ": " + code.message();
  spool->enforce_bound("");
  if (!spool->entries_.empty())
    log->info("spool holds reports from an earlier run dir={} reports={} bytes={}", dir,
              spool->entries_.size(), spool->bytes_);
  return spool;
}

std::string Spool::put(std::string_view report_id, std::string_view body) {
  if (body.size() > limits_.max_bytes) {
    ++dropped_;
    return "the report (" + std::to_string(body.size()) + " bytes) is larger than the spool (" +
           std::to_string(limits_.max_bytes) + " bytes)";
  }
  std::string name;
  std::string problem;
  // A name taken by a file we do not know (another process on the same dir) moves us on.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto sequence = next_sequence_++;
    name = spool_file_name(sequence, report_id);
    problem = platform::write_durably(dir_, std::string(kTempPrefix) + name, name, body);
    if (problem.empty()) break;
    if (!std::filesystem::exists(path_of(name))) return problem;
  }
  if (!problem.empty()) return problem;
  entries_[name] = body.size();
  bytes_ += body.size();
  enforce_bound(name);
  return "";
}

std::filesystem::path Spool::path_of(const std::string& name) const {
  return platform::utf8_path(dir_) / platform::utf8_path(name);
}

void Spool::enforce_bound(const std::string& keep) {
  while (!entries_.empty() &&
         (entries_.size() > limits_.max_reports || bytes_ > limits_.max_bytes) &&
         entries_.begin()->first != keep)
    drop_oldest();
}

void Spool::drop_oldest() {
  const auto oldest = entries_.begin();
  logger("spool")->warn("spool full: dropping the oldest report file={} reports={} bytes={}",
                        oldest->first, entries_.size(), bytes_);
  SpoolEntry entry{oldest->first, "", oldest->second};
  discard(entry);
}

std::optional<SpoolEntry> Spool::oldest() const {
  if (entries_.empty()) return std::nullopt;
  const auto& [name, size] = *entries_.begin();
  const auto parsed = parse_spool_file_name(name);
  return SpoolEntry{name, parsed ? parsed->report_id : "", size};
}

std::optional<std::string> Spool::read(const SpoolEntry& entry) const {
  std::ifstream in(path_of(entry.name), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return content.str();
}

void Spool::remove(const SpoolEntry& entry) {
  std::error_code ignored;
  std::filesystem::remove(path_of(entry.name), ignored);
  if (const auto found = entries_.find(entry.name); found != entries_.end()) {
    bytes_ -= found->second;
    entries_.erase(found);
  }
}

void Spool::discard(const SpoolEntry& entry) {
  if (entries_.count(entry.name)) ++dropped_;
  remove(entry);
}

}  // namespace capprobe::agent::daemon
