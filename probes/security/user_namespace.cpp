// Judging this process's user namespace: its /proc/self/ns/user link against the initial
// namespace's fixed inode, and its uid_map and gid_map (reading them: user_namespace_linux.cpp).
#include "probes/security/user_namespace.hpp"

#include "probes/common/json.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes {
namespace {

// The map as parsed, or nullopt with the reason in `problem`.
std::optional<IdMap> parse_read(const platform::Result<std::string>& read, const char* path,
                                std::string& problem, std::vector<std::string>& unread) {
  if (!read) {
    problem = read.error().name;
    unread.push_back(std::string(path) + " " + problem);
    return std::nullopt;
  }
  auto map = parse_id_map(read.value());
  if (!map) {
    problem = "unparsable";
    unread.push_back(std::string(path) + " unparsable");
  }
  return map;
}

bool child_map(const std::optional<IdMap>& map) {
  return map && !is_identity_id_map(*map);
}

nlohmann::json ranges_json(const std::optional<IdMap>& map) {
  if (!map) return nullptr;
  auto out = nlohmann::json::array();
  for (const auto& range : *map)
    out.push_back({{"inside", range.inside}, {"outside", range.outside}, {"count", range.count}});
  return out;
}

std::optional<std::uint64_t> host_id(const UserNamespaceView& view, const std::optional<IdMap>& map,
                                     std::int64_t id) {
  if (id < 0) return std::nullopt;
  if (view.initial == true) return static_cast<std::uint64_t>(id);
  if (!map) return std::nullopt;
  return map_id(*map, static_cast<std::uint64_t>(id));
}

}  // namespace

platform::OsError not_read_error(const char* path) {
  return platform::OsError{0, "NOT_READ", std::string("not collected: ") + path};
}

ns::NamespaceLink not_read_user_namespace_link() {
  ns::NamespaceLink link;
  link.kind = "user";
  link.process = "self";
  link.error = not_read_error(kUserNsPath);
  return link;
}

std::optional<std::uint64_t> UserNamespaceView::host_uid(std::int64_t uid) const {
  return host_id(*this, uid_map, uid);
}

std::optional<std::uint64_t> UserNamespaceView::host_gid(std::int64_t gid) const {
  return host_id(*this, gid_map, gid);
}

std::string UserNamespaceView::describe_host_id(const char* kind, std::int64_t id) const {
  const bool uid = std::string_view(kind) == "uid";
  const auto& map = uid ? uid_map : gid_map;
  if (const auto host = uid ? host_uid(id) : host_gid(id))
    return std::string("host ") + kind + " " + std::to_string(*host);
  if (map)  // read, and no range holds the id: the kernel shows it as the overflow id
    return std::string("not mapped to a host ") + kind +
           (map->empty() ? std::string(" (") + kind + "_map is empty)" : std::string());
  return std::string("host ") + kind + " unknown (" + (uid ? kUidMapPath : kGidMapPath) + " " +
         (uid ? uid_map_problem : gid_map_problem) + ")";
}

UserNamespaceView judge_user_namespace(const UserNamespaceFacts& facts) {
  UserNamespaceView view;
  if (!facts.link.readable() && facts.link.error)
    view.unread.push_back(std::string(kUserNsPath) + " " + facts.link.error->name);
  view.uid_map = parse_read(facts.uid_map, kUidMapPath, view.uid_map_problem, view.unread);
  view.gid_map = parse_read(facts.gid_map, kGidMapPath, view.gid_map_problem, view.unread);

  // The link decides: the initial user namespace has had the fixed inode 0xEFFFFFFD since 3.8.
  if (const auto initial = facts.link.initial()) {
    view.initial = initial;
    view.basis = "ns_link";
  } else if (child_map(view.uid_map) || child_map(view.gid_map)) {
    // The initial namespace's maps are always the full identity; any other map is a child's.
    view.initial = false;
    view.basis = "id_map";
  } else {
    view.note =
        ns::unreadable_reason(facts.link) + "; " +
        (view.uid_map ? "the id maps are the identity map, which the initial namespace "
                        "has and a child namespace may have as well"
                      : "the id maps could not be read either (" + text::join(view.unread) + ")") +
        ": whether this is the kernel's initial user namespace is not known";
    return view;
  }
  if (view.initial == false && (!view.uid_map || !view.gid_map))
    view.note = "host ids not known: " + text::join(view.unread);
  return view;
}

nlohmann::json user_namespace_evidence(const UserNamespaceFacts& facts,
                                       const UserNamespaceView& view) {
  const auto or_null = [](const std::string& value) {
    return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  return {
      {"link", facts.link.json()},
      {"initial", json_or_null(view.initial)},
      {"basis", or_null(view.basis)},
      {"uid_map", ranges_json(view.uid_map)},
      {"gid_map", ranges_json(view.gid_map)},
      {"reads",
       {{kUserNsPath, facts.link.error ? facts.link.error->name : std::string("ok")},
        {kUidMapPath, facts.uid_map.error_name_or_ok()},
        {kGidMapPath, facts.gid_map.error_name_or_ok()}}},
      {"note", or_null(view.note)},
  };
}

}  // namespace capprobe::probes
