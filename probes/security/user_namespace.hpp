// The user namespace this process runs in and how its ids map outside it. Capabilities held in
// a user namespace other than the kernel's initial one act only on what that namespace owns, and
// its uid 0 is some other uid on the host (user_namespaces(7)): `unshare --user
// --map-root-user`, or a Kubernetes pod with hostUsers: false. Shared by security.capabilities
// (a privileged container is one in the initial namespace) and security.identity (the host ids
// beside the ones inside), as lsm.hpp is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "probes/common/id_map.hpp"
#include "probes/host/namespaces.hpp"

namespace capprobe::probes {

inline constexpr const char* kUserNsPath = "/proc/self/ns/user";
inline constexpr const char* kUidMapPath = "/proc/self/uid_map";
inline constexpr const char* kGidMapPath = "/proc/self/gid_map";

// What a fact never read holds: the error NOT_READ.
platform::OsError not_read_error(const char* path);
ns::NamespaceLink not_read_user_namespace_link();

// Each read as it came back. A default-constructed value has read nothing, which judges as
// unknown, never as the initial namespace.
struct UserNamespaceFacts {
  ns::NamespaceLink link = not_read_user_namespace_link();
  platform::Result<std::string> uid_map = not_read_error(kUidMapPath);
  platform::Result<std::string> gid_map = not_read_error(kGidMapPath);
};

// The three reads, through LinuxFacts (user_namespace_linux.cpp: only the Linux collectors call
// it).
UserNamespaceFacts read_user_namespace_facts(const platform::Platform& os);

struct UserNamespaceView {
  // The kernel's initial user namespace: from the link's fixed inode 0xEFFFFFFD when it was
  // read, else false when a map is one the initial namespace never has; nullopt = not known.
  std::optional<bool> initial;
  std::string basis;             // what decided `initial`: "ns_link", "id_map"; "" when unknown
  std::optional<IdMap> uid_map;  // nullopt when unreadable or malformed
  std::optional<IdMap> gid_map;
  std::string uid_map_problem;  // why uid_map is nullopt: the errno name or "unparsable"
  std::string gid_map_problem;
  std::vector<std::string> unread;  // "/proc/self/ns/user EACCES", one per failed read
  std::string note;                 // why `initial` or a map is not known; "" when all is known

  bool child() const { return initial == false; }
  // The id outside this namespace of an id inside it: the id itself in the initial namespace,
  // else through the map. Outside means the parent namespace, which is the host's unless user
  // namespaces nest (a process cannot see past its parent). nullopt when the map is not known
  // or does not map the id.
  std::optional<std::uint64_t> host_uid(std::int64_t uid) const;
  std::optional<std::uint64_t> host_gid(std::int64_t gid) const;
  // "host uid 65534"; "host uid unknown (/proc/self/uid_map EACCES)"; "not mapped to a host uid
  // (uid_map is empty)". `kind` is "uid" or "gid".
  std::string describe_host_id(const char* kind, std::int64_t id) const;
};

UserNamespaceView judge_user_namespace(const UserNamespaceFacts& facts);

// The evidence value `user_namespace`: {link, initial, basis, uid_map, gid_map (each
// [{inside, outside, count}] or null), reads: {path: "ok" or errno}, note}.
nlohmann::json user_namespace_evidence(const UserNamespaceFacts& facts,
                                       const UserNamespaceView& view);

}  // namespace capprobe::probes
