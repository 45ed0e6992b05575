// Parsing of /proc/self/status; tests in security_test.cpp and resources_memory_limit_test.cpp.
#include "probes/common/proc_status.hpp"

#include <map>
#include <string>

#include "platform/linux_facts.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes {
namespace {

using Fields = std::map<std::string, std::string>;

const std::string* field(const Fields& fields, const char* key) {
  const auto found = fields.find(key);
  return found == fields.end() ? nullptr : &found->second;
}

std::optional<IdSet> parse_ids(const Fields& fields, const char* key) {
  const auto* value = field(fields, key);
  if (!value) return std::nullopt;
  const auto parts = text::split_whitespace(*value);
  if (parts.size() != 4) return std::nullopt;
  std::int64_t ids[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const auto id = text::parse_int(parts[i]);
    if (!id || *id < 0) return std::nullopt;
    ids[i] = *id;
  }
  return IdSet{ids[0], ids[1], ids[2], ids[3]};
}

std::optional<std::vector<std::int64_t>> parse_groups(const Fields& fields) {
  const auto* value = field(fields, "Groups");
  if (!value) return std::nullopt;
  std::vector<std::int64_t> groups;  // "Groups:\t \n" (no groups) is an empty list
  for (const auto& part : text::split_whitespace(*value)) {
    const auto id = text::parse_int(part);
    if (!id || *id < 0) return std::nullopt;
    groups.push_back(*id);
  }
  return groups;
}

std::optional<std::uint64_t> parse_cap(const Fields& fields, const char* key) {
  const auto* value = field(fields, key);
  return value ? text::parse_hex(*value) : std::nullopt;
}

std::optional<int> parse_small(const Fields& fields, const char* key) {
  const auto* value = field(fields, key);
  if (!value) return std::nullopt;
  const auto number = text::parse_int(*value);
  if (!number || *number < 0 || *number > 1'000'000) return std::nullopt;
  return static_cast<int>(*number);
}

std::optional<std::uint64_t> kib_value(const std::string& value) {
  const auto fields = text::split_whitespace(value);
  if (fields.empty()) return std::nullopt;
  const auto number = text::parse_uint(fields[0]);
  if (!number) return std::nullopt;
  const bool kib = fields.size() > 1 && fields[1] == "kB";
  return kib ? *number * 1024 : *number;
}

}  // namespace

std::optional<std::uint64_t> kib_field(std::string_view text, const std::string& key) {
  const auto fields = text::key_values(text, ':');
  const auto* value = field(fields, key.c_str());
  return value ? kib_value(*value) : std::nullopt;
}

ProcStatus parse_proc_status(std::string_view text) {
  const auto fields = text::key_values(text, ':');
  ProcStatus status;
  status.uid = parse_ids(fields, "Uid");
  status.gid = parse_ids(fields, "Gid");
  status.groups = parse_groups(fields);
  status.cap_inheritable = parse_cap(fields, "CapInh");
  status.cap_permitted = parse_cap(fields, "CapPrm");
  status.cap_effective = parse_cap(fields, "CapEff");
  status.cap_bounding = parse_cap(fields, "CapBnd");
  status.cap_ambient = parse_cap(fields, "CapAmb");
  if (const auto flag = parse_small(fields, "NoNewPrivs"); flag && *flag <= 1)
    status.no_new_privs = *flag == 1;
  if (const auto mode = parse_small(fields, "Seccomp"); mode && *mode <= 2) status.seccomp = *mode;
  status.seccomp_filters = parse_small(fields, "Seccomp_filters");
  if (const auto* size = field(fields, "VmSize")) status.vm_size_bytes = kib_value(*size);
  if (const auto* mems = field(fields, "Mems_allowed_list"))
    status.mems_allowed = text::parse_cpu_list(*mems);
  return status;
}

platform::Result<ProcStatus> read_proc_status(const platform::Platform& os) {
  const auto text = platform::linux_facts(os).read_file(kProcStatusPath, 64 * 1024);
  if (!text) return text.error();
  return parse_proc_status(text.value());
}

}  // namespace capprobe::probes
