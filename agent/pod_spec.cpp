// Pod spec JSON -> PodRequests. Every type mismatch is reported with its JSON path, because the
// file is the user's input and "invalid pod spec" alone would not tell them what to fix.
#include "agent/pod_spec.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "agent/quantity.hpp"

namespace capprobe::agent {
namespace {

using nlohmann::json;

// Thrown inside this file only; parse_pod_spec turns it into PodSpecParse::error.
struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string type_of(const json& value) {
  return value.is_number() ? "a number" : std::string("a ") + value.type_name();
}

// A present, non-null member, or nullptr.
const json* member(const json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  const auto found = object->find(key);
  if (found == object->end() || found->is_null()) return nullptr;
  return &*found;
}

const json* object_at(const json* object, std::string_view key, const std::string& path) {
  const auto* value = member(object, key);
  if (value != nullptr && !value->is_object())
    throw SpecError(join_path(path, key) + ": expected an object, got " + type_of(*value));
  return value;
}

const json* array_at(const json* object, std::string_view key, const std::string& path) {
  const auto* value = member(object, key);
  if (value != nullptr && !value->is_array())
    throw SpecError(join_path(path, key) + ": expected a list, got " + type_of(*value));
  return value;
}

std::optional<bool> bool_at(const json* object, std::string_view key, const std::string& path) {
  const auto* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean())
    throw SpecError(join_path(path, key) + ": expected true or false, got " + type_of(*value));
  return value->get<bool>();
}

std::int64_t as_integer(const json& value, const std::string& path) {
  if (!value.is_number_integer())
    throw SpecError(path + ": expected an integer, got " + type_of(value));
  return value.get<std::int64_t>();
}

std::optional<std::int64_t> int_at(const json* object, std::string_view key,
                                   const std::string& path) {
  const auto* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  return as_integer(*value, join_path(path, key));
}

std::optional<std::string> string_at(const json* object, std::string_view key,
                                     const std::string& path) {
  const auto* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string())
    throw SpecError(join_path(path, key) + ": expected a string, got " + type_of(*value));
  return value->get<std::string>();
}

std::vector<std::string> strings_at(const json* object, std::string_view key,
                                    const std::string& path) {
  std::vector<std::string> out;
  const auto* list = array_at(object, key, path);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    if (!item.is_string())
      throw SpecError(join_path(path, key) + "[" + std::to_string(i) +
                      "]: expected a string, got " + type_of(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// A quantity is a string ("500m") in API objects, but hand-written manifests often hold a
// bare number (cpu: 2), which the API server accepts too.
std::optional<Quantity> quantity_at(const json* object, std::string_view key,
                                    const std::string& path) {
  const auto* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  std::string text;
  if (value->is_string())
    text = value->get<std::string>();
  else if (value->is_number())
    text = value->dump();
  else
    throw SpecError(join_path(path, key) + ": expected a quantity, got " + type_of(*value));
  auto parsed = parse_quantity(text);
  if (!parsed.quantity) throw SpecError(join_path(path, key) + ": " + parsed.error);
  if (parsed.quantity->negative)
    throw SpecError(join_path(path, key) + ": '" + text + "' is negative");
  return parsed.quantity;
}

// Where the pod spec sits in the document, and the metadata that names the pod.
struct Located {
  const json* spec = nullptr;
  std::string spec_path;
  const json* pod_metadata = nullptr;  // the pod's own (a Pod, or a template's)
  std::string pod_metadata_path;
  const json* owner_metadata = nullptr;  // the workload's, for the namespace
  const json* status = nullptr;          // a Pod's status, when it was read back from the API
};

Located locate(const json& document) {
  if (!document.is_object())
    throw SpecError("the document is " + type_of(document) + ", not a Kubernetes object");
  const auto kind = string_at(&document, "kind", "").value_or("");
  if (kind == "List" || document.contains("items"))
    throw SpecError("the document is a list; give one Pod or workload");
  Located found;
  const auto* top_spec = object_at(&document, "spec", "");
  const bool unkinded_pod = kind.empty() && member(top_spec, "containers") != nullptr;
  if (kind == "Pod" || unkinded_pod) {
    found.spec = object_at(&document, "spec", "");
    found.spec_path = "spec";
    found.pod_metadata = object_at(&document, "metadata", "");
    found.pod_metadata_path = "metadata";
    found.status = object_at(&document, "status", "");
  } else if (kind == "PodTemplate") {
    const auto* pod_template = object_at(&document, "template", "");
    found.spec = object_at(pod_template, "spec", "template");
    found.spec_path = "template.spec";
    found.pod_metadata = object_at(pod_template, "metadata", "template");
    found.pod_metadata_path = "template.metadata";
    found.owner_metadata = object_at(&document, "metadata", "");
  } else if (kind == "CronJob") {
    const auto* spec = object_at(&document, "spec", "");
    const auto* job = object_at(spec, "jobTemplate", "spec");
    const auto* job_spec = object_at(job, "spec", "spec.jobTemplate");
    const auto* pod_template = object_at(job_spec, "template", "spec.jobTemplate.spec");
    found.spec = object_at(pod_template, "spec", "spec.jobTemplate.spec.template");
    found.spec_path = "spec.jobTemplate.spec.template.spec";
    found.pod_metadata = object_at(pod_template, "metadata", "spec.jobTemplate.spec.template");
    found.pod_metadata_path = "spec.jobTemplate.spec.template.metadata";
    found.owner_metadata = object_at(&document, "metadata", "");
  } else if (member(top_spec, "template") != nullptr) {
    // Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job.
    const auto* pod_template = object_at(top_spec, "template", "spec");
    found.spec = object_at(pod_template, "spec", "spec.template");
    found.spec_path = "spec.template.spec";
    found.pod_metadata = object_at(pod_template, "metadata", "spec.template");
    found.pod_metadata_path = "spec.template.metadata";
    found.owner_metadata = object_at(&document, "metadata", "");
  } else if (kind.empty() && member(&document, "containers") != nullptr) {
    found.spec = &document;
  }
  if (found.spec == nullptr)
    throw SpecError(
        "no pod spec found" + (kind.empty() ? std::string() : " in a " + kind) +
        ": expected a Pod, a workload with spec.template (Deployment, DaemonSet, StatefulSet, "
        "Job...), a PodTemplate, or a bare pod spec with containers");
  return found;
}

// One of the pod's containers, or an init container.
struct Container {
  const json* object = nullptr;
  std::string path;  // "spec.containers[1]"
  std::string name;
  bool runs_beside = false;  // a container, or a native sidecar (restartPolicy Always)
};

std::vector<Container> containers_of(const Located& found) {
  const auto* containers = array_at(found.spec, "containers", found.spec_path);
  if (containers == nullptr || containers->empty())
    throw SpecError(join_path(found.spec_path, "containers") + " is missing or empty");
  std::vector<Container> all;
  for (const char* list_key : {"containers", "initContainers"}) {
    const auto* list = array_at(found.spec, list_key, found.spec_path);
    if (list == nullptr) continue;
    for (std::size_t i = 0; i < list->size(); ++i) {
      Container container;
      container.object = &(*list)[i];
      container.path = join_path(found.spec_path, list_key) + "[" + std::to_string(i) + "]";
      if (!container.object->is_object()) throw SpecError(container.path + ": expected an object");
      container.name = string_at(container.object, "name", container.path).value_or("");
      // A plain init container has finished before the others start; a native sidecar has not.
      container.runs_beside =
          list_key == std::string_view("containers") ||
          string_at(container.object, "restartPolicy", container.path) == "Always";
      all.push_back(std::move(container));
    }
  }
  return all;
}

std::string names_of(const std::vector<const Container*>& containers) {
  std::string names;
  for (const auto* container : containers) names += (names.empty() ? "" : ", ") + container->name;
  return names;
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// The candidate whose status.containerStatuses[].containerID ("containerd://<id>",
// "cri-o://<id>", "docker://<id>") appears in `self` (this process's cgroup and mount paths),
// when exactly one does. `had_ids`: the status gave a candidate's ID to look for at all.
const Container* by_container_id(const Located& found,
                                 const std::vector<const Container*>& candidates,
                                 std::string_view self, bool& had_ids) {
  const Container* match = nullptr;
  for (const char* key : {"containerStatuses", "initContainerStatuses"}) {
    const auto* list = array_at(found.status, key, "status");
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      const auto path = join_path("status", key) + "[" + std::to_string(i) + "]";
      const auto* item = &(*list)[i];
      if (!item->is_object()) throw SpecError(path + ": expected an object");
      const auto name = string_at(item, "name", path).value_or("");
      const auto id_text = string_at(item, "containerID", path).value_or("");
      const auto scheme = id_text.find("://");
      const auto id = scheme == std::string::npos ? "" : id_text.substr(scheme + 3);
      // Runtimes give 64 hex digits; anything much shorter could match by accident.
      if (id.size() < 32 || !is_hex(id)) continue;
      const auto candidate =
          std::find_if(candidates.begin(), candidates.end(),
                       [&](const Container* container) { return container->name == name; });
      if (candidate == candidates.end()) continue;
      had_ids = true;
      if (self.find(id) == std::string_view::npos) continue;
      if (match != nullptr && match != *candidate) return nullptr;  // two: no answer
      match = *candidate;
    }
  }
  return match;
}

// The container this process runs in, or nullptr with `why` said: named by the user (any
// container or init container), else the only candidate, else the one whose containerID is in
// `self`, else unknown.
const Container* choose_container(const Located& found, const std::vector<Container>& all,
                                  std::string_view wanted, std::string_view self, std::string& note,
                                  std::string& why) {
  std::vector<const Container*> candidates, everyone;
  for (const auto& container : all) {
    everyone.push_back(&container);
    if (container.runs_beside) candidates.push_back(&container);
  }
  if (!wanted.empty()) {
    for (const auto* container : everyone) {
      if (container->name != wanted) continue;
      note = "container " + container->name + ", as named";
      return container;
    }
    throw SpecError("the pod spec has no container named '" + std::string(wanted) +
                    "' (--container or CAPPROBE_CONTAINER); name one of: " + names_of(everyone));
  }
  if (candidates.size() == 1) {
    note = "container " + candidates.front()->name + ", the pod's only one";
    return candidates.front();
  }
  bool had_ids = false;
  if (const auto* matched = by_container_id(found, candidates, self, had_ids)) {
    note = "container " + matched->name + ", by its containerID in this process's cgroup or mounts";
    return matched;
  }
  why = "the pod has " + std::to_string(candidates.size()) + " containers (" +
        names_of(candidates) + ") and neither --container nor CAPPROBE_CONTAINER names one";
  if (had_ids) why += ", nor does the pod's status tell which by containerID";
  note = "container unknown: " + why;
  return nullptr;
}

std::string capability_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.rfind("CAP_", 0) == 0) name.erase(0, 4);
  return name;
}

// Zero is "no limit" to Kubernetes, and a request of zero asks for nothing: both as if absent.
std::optional<Quantity> non_zero(std::optional<Quantity> quantity) {
  if (quantity && quantity->is_zero()) return std::nullopt;
  return quantity;
}

void read_resources(probes::PodRequests& requests, const Container& container) {
  const auto resources_path = join_path(container.path, "resources");
  const auto* resources = object_at(container.object, "resources", container.path);
  const auto* limits = object_at(resources, "limits", resources_path);
  const auto* asked = object_at(resources, "requests", resources_path);
  const auto limits_path = join_path(resources_path, "limits");
  const auto requests_path = join_path(resources_path, "requests");
  if (const auto cpu = non_zero(quantity_at(limits, "cpu", limits_path)))
    requests.cpu_limit_cpus = cpu->to_double();
  const auto cpu_request = quantity_at(asked, "cpu", requests_path);
  if (const auto cpu = non_zero(cpu_request))
    requests.cpu_request_cpus = cpu->to_double();
  else if (!cpu_request)
    requests.cpu_request_cpus = requests.cpu_limit_cpus;  // the API server's defaulting
  if (const auto memory = non_zero(quantity_at(limits, "memory", limits_path))) {
    const auto bytes = memory->to_units_ceil();
    if (!bytes) throw SpecError(join_path(limits_path, "memory") + ": the value is too large");
    requests.memory_limit_bytes = *bytes;
  }
}

// supplementalGroups and fsGroup: the pod's, for every container alike.
void read_pod_groups(probes::PodRequests& requests, const Located& found) {
  const auto pod_path = join_path(found.spec_path, "securityContext");
  const auto* pod = object_at(found.spec, "securityContext", found.spec_path);
  std::vector<std::int64_t> groups;
  if (const auto* list = array_at(pod, "supplementalGroups", pod_path))
    for (std::size_t i = 0; i < list->size(); ++i)
      groups.push_back(as_integer(
          (*list)[i], join_path(pod_path, "supplementalGroups") + "[" + std::to_string(i) + "]"));
  // The kubelet adds fsGroup to the supplementary groups of every container.
  if (const auto fs_group = int_at(pod, "fsGroup", pod_path))
    if (std::find(groups.begin(), groups.end(), *fs_group) == groups.end())
      groups.push_back(*fs_group);
  requests.supplemental_groups = groups;
}

// The container's securityContext over the pod's. `container` may be null (not known): then
// only the pod's part is read, which checks it all the same.
void read_security(probes::PodRequests& requests, const Located& found,
                   const Container* container) {
  const auto pod_path = join_path(found.spec_path, "securityContext");
  const auto container_path =
      container ? join_path(container->path, "securityContext") : std::string();
  const auto* pod = object_at(found.spec, "securityContext", found.spec_path);
  const auto* own =
      container ? object_at(container->object, "securityContext", container->path) : nullptr;

  requests.read_only_root = bool_at(own, "readOnlyRootFilesystem", container_path).value_or(false);
  requests.privileged = bool_at(own, "privileged", container_path).value_or(false);
  // The container's securityContext overrides the pod's, field by field.
  const auto pod_user = int_at(pod, "runAsUser", pod_path);
  const auto pod_group = int_at(pod, "runAsGroup", pod_path);
  requests.run_as_user = int_at(own, "runAsUser", container_path);
  if (!requests.run_as_user) requests.run_as_user = pod_user;
  requests.run_as_group = int_at(own, "runAsGroup", container_path);
  if (!requests.run_as_group) requests.run_as_group = pod_group;

  const auto* own_windows = object_at(own, "windowsOptions", container_path);
  const auto* pod_windows = object_at(pod, "windowsOptions", pod_path);
  requests.run_as_user_name =
      string_at(own_windows, "runAsUserName", join_path(container_path, "windowsOptions"));
  if (!requests.run_as_user_name)
    requests.run_as_user_name =
        string_at(pod_windows, "runAsUserName", join_path(pod_path, "windowsOptions"));

  const auto capabilities_path = join_path(container_path, "capabilities");
  const auto* capabilities = object_at(own, "capabilities", container_path);
  std::vector<std::string> add, drop;
  for (auto& name : strings_at(capabilities, "add", capabilities_path))
    add.push_back(capability_name(std::move(name)));
  for (auto& name : strings_at(capabilities, "drop", capabilities_path))
    drop.push_back(capability_name(std::move(name)));
  requests.capabilities_add = add;
  requests.capabilities_drop = drop;

  requests.allow_privilege_escalation = bool_at(own, "allowPrivilegeEscalation", container_path);
  // seccompProfile, appArmorProfile and seLinuxOptions: the container's whole object over the
  // pod's, as the kubelet applies them.
  const auto profile = [&](std::string_view key) -> std::pair<const json*, std::string> {
    if (const auto* mine = object_at(own, key, container_path))
      return {mine, join_path(container_path, key)};
    return {object_at(pod, key, pod_path), join_path(pod_path, key)};
  };
  if (const auto [seccomp, path] = profile("seccompProfile"); seccomp != nullptr)
    requests.seccomp_profile = string_at(seccomp, "type", path);
  if (const auto [apparmor, path] = profile("appArmorProfile"); apparmor != nullptr) {
    requests.apparmor_profile = string_at(apparmor, "type", path);
    requests.apparmor_localhost = string_at(apparmor, "localhostProfile", path);
  }
  if (const auto [selinux, path] = profile("seLinuxOptions"); selinux != nullptr)
    requests.selinux_type = string_at(selinux, "type", path);
}

// The AppArmor annotation older clusters use ("container.apparmor.security.beta.kubernetes.io/
// <container>": "runtime/default", "localhost/<profile>", "unconfined"), when no
// appArmorProfile field says otherwise.
void read_apparmor_annotation(probes::PodRequests& requests, const Located& found,
                              const Container& container) {
  if (requests.apparmor_profile) return;
  const auto annotations_path = join_path(found.pod_metadata_path, "annotations");
  const auto* annotations = object_at(found.pod_metadata, "annotations", found.pod_metadata_path);
  if (container.name.empty() || annotations == nullptr) return;
  const auto value =
      string_at(annotations, "container.apparmor.security.beta.kubernetes.io/" + container.name,
                annotations_path);
  if (!value) return;
  if (*value == "runtime/default") {
    requests.apparmor_profile = "RuntimeDefault";
  } else if (*value == "unconfined") {
    requests.apparmor_profile = "Unconfined";
  } else if (value->rfind("localhost/", 0) == 0) {
    requests.apparmor_profile = "Localhost";
    requests.apparmor_localhost = value->substr(10);
  }
}

struct Mount {
  std::string volume;
  std::string mount_path;
  bool read_only = false;
  std::string sub_path;  // subPath or subPathExpr, "" for none
  bool expression = false;
};

// A volume's request once for each mount of it (its path and readOnly, and what `also` adds),
// or once without a mount path when the container does not mount it.
template <typename Request, typename Also>
void add_per_mount(std::vector<Request>& out, Request base, const std::vector<Mount>& mounts,
                   Also also) {
  bool mounted = false;
  for (const auto& mount : mounts) {
    if (mount.volume != base.volume) continue;
    auto entry = base;
    entry.mount_path = mount.mount_path;
    entry.read_only = mount.read_only;
    also(entry, mount);
    out.push_back(std::move(entry));
    mounted = true;
  }
  if (!mounted) out.push_back(std::move(base));
}

std::vector<Mount> mounts_of(const Container& container) {
  std::vector<Mount> out;
  const auto mounts_path = join_path(container.path, "volumeMounts");
  const auto* mounts = array_at(container.object, "volumeMounts", container.path);
  for (std::size_t m = 0; mounts != nullptr && m < mounts->size(); ++m) {
    const auto mount_path = mounts_path + "[" + std::to_string(m) + "]";
    const auto& mount = (*mounts)[m];
    if (!mount.is_object()) throw SpecError(mount_path + ": expected an object");
    Mount entry;
    entry.volume = string_at(&mount, "name", mount_path).value_or("");
    entry.mount_path = string_at(&mount, "mountPath", mount_path).value_or("");
    entry.read_only = bool_at(&mount, "readOnly", mount_path).value_or(false);
    if (auto sub = string_at(&mount, "subPath", mount_path); sub && !sub->empty()) {
      entry.sub_path = *sub;
    } else if (auto expr = string_at(&mount, "subPathExpr", mount_path); expr && !expr->empty()) {
      entry.sub_path = *expr;
      entry.expression = true;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// hostPath volumes, joined with the container's mounts of them (`container` null: not known, so
// none). A volume mounted twice gives two entries; a volume the container does not mount gives
// one with an empty mount_path.
void read_host_paths(probes::PodRequests& requests, const Located& found,
                     const Container* container) {
  std::vector<probes::HostPathRequest> host_paths;
  const auto volumes_path = join_path(found.spec_path, "volumes");
  const auto* volumes = array_at(found.spec, "volumes", found.spec_path);
  const auto mounts = container ? mounts_of(*container) : std::vector<Mount>{};
  for (std::size_t v = 0; volumes != nullptr && v < volumes->size(); ++v) {
    const auto volume_path = volumes_path + "[" + std::to_string(v) + "]";
    const auto& volume = (*volumes)[v];
    if (!volume.is_object()) throw SpecError(volume_path + ": expected an object");
    const auto* host_path = object_at(&volume, "hostPath", volume_path);
    if (host_path == nullptr) continue;
    probes::HostPathRequest base;
    base.volume = string_at(&volume, "name", volume_path).value_or("");
    const auto node_path = string_at(host_path, "path", join_path(volume_path, "hostPath"));
    if (!node_path) throw SpecError(join_path(volume_path, "hostPath") + ".path is missing");
    base.host_path = *node_path;
    add_per_mount(host_paths, std::move(base), mounts, [](auto&, const Mount&) {});
  }
  requests.host_paths = std::move(host_paths);
}

// The container's volumeMounts, those through a subPath, and the pod's emptyDir volumes joined
// with them (`container` null: not known, so the emptyDirs without a mount path).
void read_volumes(probes::PodRequests& requests, const Located& found, const Container* container) {
  const auto mounts = container ? mounts_of(*container) : std::vector<Mount>{};
  std::vector<probes::VolumeMountRequest> all;
  std::vector<probes::SubPathRequest> sub_paths;
  for (const auto& mount : mounts) {
    all.push_back({mount.volume, mount.mount_path, mount.sub_path, mount.read_only});
    if (!mount.sub_path.empty())
      sub_paths.push_back(
          {mount.volume, mount.mount_path, mount.sub_path, mount.expression, mount.read_only});
  }
  std::vector<probes::EmptyDirRequest> empty_dirs;
  const auto volumes_path = join_path(found.spec_path, "volumes");
  const auto* volumes = array_at(found.spec, "volumes", found.spec_path);
  for (std::size_t v = 0; volumes != nullptr && v < volumes->size(); ++v) {
    const auto volume_path = volumes_path + "[" + std::to_string(v) + "]";
    const auto& volume = (*volumes)[v];
    if (!volume.is_object()) throw SpecError(volume_path + ": expected an object");
    const auto* empty_dir = object_at(&volume, "emptyDir", volume_path);
    if (empty_dir == nullptr) continue;
    const auto empty_dir_path = join_path(volume_path, "emptyDir");
    probes::EmptyDirRequest base;
    base.volume = string_at(&volume, "name", volume_path).value_or("");
    base.medium = string_at(empty_dir, "medium", empty_dir_path).value_or("");
    if (const auto limit = non_zero(quantity_at(empty_dir, "sizeLimit", empty_dir_path))) {
      const auto bytes = limit->to_units_ceil();
      if (!bytes) throw SpecError(join_path(empty_dir_path, "sizeLimit") + ": too large");
      base.size_limit_bytes = *bytes;
    }
    add_per_mount(empty_dirs, std::move(base), mounts,
                  [](probes::EmptyDirRequest& entry, const Mount& mount) {
                    entry.sub_path = !mount.sub_path.empty();
                  });
  }
  requests.empty_dirs = std::move(empty_dirs);
  if (!container) return;
  requests.volume_mounts = std::move(all);
  requests.sub_paths = std::move(sub_paths);
}

// spec.dnsPolicy and spec.dnsConfig.
void read_dns(probes::PodRequests& requests, const Located& found) {
  requests.dns_policy = string_at(found.spec, "dnsPolicy", found.spec_path);
  const auto config_path = join_path(found.spec_path, "dnsConfig");
  const auto* config = object_at(found.spec, "dnsConfig", found.spec_path);
  if (config == nullptr) return;
  probes::DnsConfigRequest dns;
  dns.nameservers = strings_at(config, "nameservers", config_path);
  dns.searches = strings_at(config, "searches", config_path);
  const auto* options = array_at(config, "options", config_path);
  for (std::size_t i = 0; options != nullptr && i < options->size(); ++i) {
    const auto option_path = join_path(config_path, "options") + "[" + std::to_string(i) + "]";
    const auto& option = (*options)[i];
    if (!option.is_object()) throw SpecError(option_path + ": expected an object");
    dns.options.push_back({string_at(&option, "name", option_path).value_or(""),
                           string_at(&option, "value", option_path)});
  }
  requests.dns_config = std::move(dns);
}

// The container's ports that ask for a hostPort.
void read_host_ports(probes::PodRequests& requests, const Container& container) {
  std::vector<probes::HostPortRequest> ports;
  const auto ports_path = join_path(container.path, "ports");
  const auto* list = array_at(container.object, "ports", container.path);
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    const auto port_path = ports_path + "[" + std::to_string(i) + "]";
    const auto& port = (*list)[i];
    if (!port.is_object()) throw SpecError(port_path + ": expected an object");
    const auto host_port = int_at(&port, "hostPort", port_path).value_or(0);
    if (host_port == 0) continue;
    const auto container_port = int_at(&port, "containerPort", port_path).value_or(0);
    if (host_port < 1 || host_port > 65535 || container_port < 1 || container_port > 65535)
      throw SpecError(port_path + ": a port must be 1-65535");
    ports.push_back({static_cast<int>(container_port), static_cast<int>(host_port),
                     string_at(&port, "protocol", port_path).value_or("TCP"),
                     string_at(&port, "hostIP", port_path).value_or("")});
  }
  requests.host_ports = std::move(ports);
}

// Every read-only mountPath of these containers, once each.
std::vector<std::string> read_only_mounts(const std::vector<const Container*>& containers) {
  std::vector<std::string> paths;
  for (const auto* container : containers)
    for (const auto& mount : mounts_of(*container))
      if (mount.read_only && !mount.mount_path.empty() &&
          std::find(paths.begin(), paths.end(), mount.mount_path) == paths.end())
        paths.push_back(mount.mount_path);
  return paths;
}

// --- spec.os.name and the fields the API server refuses for it ---

using probes::PodRequests;

// kubernetes pkg/apis/core/validation/validation.go (ValidatePodSpec, when spec.os is set:
// validateWindows, "cannot be set for a windows pod", and validateLinux, "windows options cannot
// be set for a linux pod"), as of commit 000f26050b9be6fb3d79fae95e06b47fc96128cd; the API
// reference says the same of each field ("cannot be set when spec.os.name is windows"). Fields
// younger than the spec.os field (appArmorProfile, supplementalGroupsPolicy,
// seLinuxChangePolicy) an older API server does not refuse but drops as unknown: no Windows
// container gets them either way. Sources: tests/fixtures/win-NOTES.md, "Pod spec".
constexpr OsRefusedField kOsRefusedFields[] = {
    // A windows pod: the pod's fields (internal type: its SecurityContext holds hostPID...).
    {"windows", SpecPlace::pod, "hostPID", RefusedWhen::is_true, "host.pid",
     [](PodRequests& r) { r.host_pid.reset(); }},
    {"windows", SpecPlace::pod, "hostIPC", RefusedWhen::is_true, "host.ipc",
     [](PodRequests& r) { r.host_ipc.reset(); }},
    {"windows", SpecPlace::pod, "hostUsers", RefusedWhen::set, "", [](PodRequests&) {}},
    {"windows", SpecPlace::pod, "shareProcessNamespace", RefusedWhen::set, "", [](PodRequests&) {}},
    {"windows", SpecPlace::pod_security_context, "appArmorProfile", RefusedWhen::set,
     "security.confinement",
     [](PodRequests& r) {
       r.apparmor_profile.reset();
       r.apparmor_localhost.reset();
     }},
    {"windows", SpecPlace::pod_security_context, "seLinuxOptions", RefusedWhen::set,
     "security.confinement", [](PodRequests& r) { r.selinux_type.reset(); }},
    {"windows", SpecPlace::pod_security_context, "seccompProfile", RefusedWhen::set,
     "security.confinement", [](PodRequests& r) { r.seccomp_profile.reset(); }},
    {"windows", SpecPlace::pod_security_context, "fsGroup", RefusedWhen::set, "security.identity",
     [](PodRequests& r) { r.supplemental_groups.reset(); }},
    {"windows", SpecPlace::pod_security_context, "fsGroupChangePolicy", RefusedWhen::set, "",
     [](PodRequests&) {}},
    {"windows", SpecPlace::pod_security_context, "sysctls", RefusedWhen::non_empty, "",
     [](PodRequests&) {}},
    {"windows", SpecPlace::pod_security_context, "runAsUser", RefusedWhen::set, "security.identity",
     [](PodRequests& r) { r.run_as_user.reset(); }},
    {"windows", SpecPlace::pod_security_context, "runAsGroup", RefusedWhen::set,
     "security.identity", [](PodRequests& r) { r.run_as_group.reset(); }},
    {"windows", SpecPlace::pod_security_context, "supplementalGroups", RefusedWhen::set,
     "security.identity", [](PodRequests& r) { r.supplemental_groups.reset(); }},
    {"windows", SpecPlace::pod_security_context, "supplementalGroupsPolicy", RefusedWhen::set, "",
     [](PodRequests&) {}},
    {"windows", SpecPlace::pod_security_context, "seLinuxChangePolicy", RefusedWhen::set, "",
     [](PodRequests&) {}},
    // A windows pod: every container's securityContext.
    {"windows", SpecPlace::container_security_context, "appArmorProfile", RefusedWhen::set,
     "security.confinement",
     [](PodRequests& r) {
       r.apparmor_profile.reset();
       r.apparmor_localhost.reset();
     }},
    {"windows", SpecPlace::container_security_context, "seLinuxOptions", RefusedWhen::set,
     "security.confinement", [](PodRequests& r) { r.selinux_type.reset(); }},
    {"windows", SpecPlace::container_security_context, "seccompProfile", RefusedWhen::set,
     "security.confinement", [](PodRequests& r) { r.seccomp_profile.reset(); }},
    {"windows", SpecPlace::container_security_context, "capabilities", RefusedWhen::set,
     "security.capabilities",
     [](PodRequests& r) {
       r.capabilities_add.reset();
       r.capabilities_drop.reset();
     }},
    {"windows", SpecPlace::container_security_context, "readOnlyRootFilesystem", RefusedWhen::set,
     "fs.readonly_root", [](PodRequests& r) { r.read_only_root.reset(); }},
    {"windows", SpecPlace::container_security_context, "privileged", RefusedWhen::set,
     "security.capabilities", [](PodRequests& r) { r.privileged.reset(); }},
    {"windows", SpecPlace::container_security_context, "allowPrivilegeEscalation", RefusedWhen::set,
     "security.confinement", [](PodRequests& r) { r.allow_privilege_escalation.reset(); }},
    {"windows", SpecPlace::container_security_context, "procMount", RefusedWhen::set, "",
     [](PodRequests&) {}},
    {"windows", SpecPlace::container_security_context, "runAsUser", RefusedWhen::set,
     "security.identity", [](PodRequests& r) { r.run_as_user.reset(); }},
    {"windows", SpecPlace::container_security_context, "runAsGroup", RefusedWhen::set,
     "security.identity", [](PodRequests& r) { r.run_as_group.reset(); }},
    // A linux pod: windowsOptions anywhere (runAsUserName is the one a probe's request reads).
    {"linux", SpecPlace::pod_security_context, "windowsOptions", RefusedWhen::set,
     "security.identity",
     [](PodRequests& r) {
       r.run_as_user_name.reset();
       r.host_process.reset();
     }},
    {"linux", SpecPlace::container_security_context, "windowsOptions", RefusedWhen::set,
     "security.identity",
     [](PodRequests& r) {
       r.run_as_user_name.reset();
       r.host_process.reset();
     }},
};

// Every container the API server's checks visit (podshelper.VisitContainersWithPath): the
// containers, the init containers and the ephemeral containers.
std::vector<Container> visited_containers(const Located& found, std::vector<Container> all) {
  const auto* list = array_at(found.spec, "ephemeralContainers", found.spec_path);
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    Container container;
    container.object = &(*list)[i];
    container.path =
        join_path(found.spec_path, "ephemeralContainers") + "[" + std::to_string(i) + "]";
    if (!container.object->is_object()) throw SpecError(container.path + ": expected an object");
    container.name = string_at(container.object, "name", container.path).value_or("");
    all.push_back(std::move(container));
  }
  return all;
}

bool refused_here(const json* object, const OsRefusedField& field) {
  const auto* value = member(object, field.key);
  if (value == nullptr) return false;
  switch (field.when) {
    case RefusedWhen::set:
      return true;
    case RefusedWhen::is_true:
      return value->is_boolean() && value->get<bool>();
    case RefusedWhen::non_empty:
      return !value->is_array() || !value->empty();
  }
  return false;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

// Every field of the table this spec sets for its spec.os.name, wherever it sits: what it feeds
// is forgotten (whichever container sets it: a spec the API server refuses started no pod) and
// listed in requests.refused, and one warning names them all.
void apply_os_refusals(PodRequests& requests, const Located& found,
                       const std::vector<Container>& containers,
                       std::vector<std::string>& warnings) {
  if (!requests.os_name) return;
  const auto pod_context_path = join_path(found.spec_path, "securityContext");
  const auto* pod_context = object_at(found.spec, "securityContext", found.spec_path);
  std::vector<std::string> paths;
  const auto check = [&](const OsRefusedField& field, const json* object, const std::string& at) {
    if (!refused_here(object, field)) return;
    field.forget(requests);
    const auto path = join_path(at, field.key);
    requests.refused.push_back({path, std::string(field.capability)});
    paths.push_back(path);
  };
  for (const auto& field : kOsRefusedFields) {
    if (field.os != *requests.os_name) continue;
    switch (field.place) {
      case SpecPlace::pod:
        check(field, found.spec, found.spec_path);
        break;
      case SpecPlace::pod_security_context:
        check(field, pod_context, pod_context_path);
        break;
      case SpecPlace::container_security_context:
        for (const auto& container : containers)
          check(field, object_at(container.object, "securityContext", container.path),
                join_path(container.path, "securityContext"));
        break;
    }
  }
  if (paths.empty()) return;
  warnings.push_back("spec.os.name is " + *requests.os_name + " and the API server refuses a " +
                     *requests.os_name + " pod that sets " + joined(paths) +
                     ", so what they ask is unknown here");
}

// windowsOptions.hostProcess: each container's over the pod's, which validation requires to
// come out the same for every container (validateWindowsHostProcessPod): the pod's answer.
std::optional<bool> read_host_process(const Located& found,
                                      const std::vector<Container>& containers,
                                      std::vector<std::string>& warnings) {
  const auto pod_path = join_path(join_path(found.spec_path, "securityContext"), "windowsOptions");
  const auto* pod_context = object_at(found.spec, "securityContext", found.spec_path);
  const auto* pod_windows =
      object_at(pod_context, "windowsOptions", join_path(found.spec_path, "securityContext"));
  const auto pod_value = bool_at(pod_windows, "hostProcess", pod_path);
  std::vector<std::string> hosts, others;
  bool contradicts_pod = false;
  for (const auto& container : containers) {
    const auto context_path = join_path(container.path, "securityContext");
    const auto* context = object_at(container.object, "securityContext", container.path);
    const auto* windows = object_at(context, "windowsOptions", context_path);
    const auto own = bool_at(windows, "hostProcess", join_path(context_path, "windowsOptions"));
    if (own && pod_value && *own != *pod_value) contradicts_pod = true;
    (own.value_or(pod_value.value_or(false)) ? hosts : others).push_back(container.name);
  }
  const auto unknown_because = [&](const std::string& what) {
    warnings.push_back(what +
                       ", which the API server refuses, so whether this container is "
                       "HostProcess is unknown");
    return std::nullopt;
  };
  if (contradicts_pod)
    return unknown_because("a container's windowsOptions.hostProcess contradicts the pod's (" +
                           pod_path + ".hostProcess)");
  if (!hosts.empty() && !others.empty())
    return unknown_because("windowsOptions.hostProcess makes " + joined(hosts) +
                           " HostProcess but not " + joined(others));
  return !hosts.empty();
}

// spec.os.name, hostProcess, and the rules that hang on them.
void read_os(PodRequests& requests, const Located& found, const std::vector<Container>& all,
             std::string_view machine_os, std::vector<std::string>& warnings) {
  const auto os_path = join_path(found.spec_path, "os");
  const auto* os = object_at(found.spec, "os", found.spec_path);
  requests.os_name = string_at(os, "name", os_path);
  if (requests.os_name && requests.os_name->empty()) requests.os_name.reset();
  if (os != nullptr && !requests.os_name)
    warnings.push_back(os_path + " has no name, which the API server refuses");
  const bool known_os = requests.os_name == "linux" || requests.os_name == "windows";
  if (requests.os_name && !known_os)
    warnings.push_back(os_path + ".name '" + *requests.os_name +
                       "' is neither linux nor windows, which the API server refuses");

  const auto containers = visited_containers(found, all);
  requests.host_process = read_host_process(found, containers, warnings);
  if (requests.host_process == true && requests.host_network != true)
    warnings.push_back(
        "the pod is HostProcess (windowsOptions.hostProcess) without hostNetwork: true, which "
        "the API server refuses");
  if (known_os) apply_os_refusals(requests, found, containers, warnings);
  if (known_os && !machine_os.empty() && machine_os != *requests.os_name)
    warnings.push_back("the pod spec is for a " + *requests.os_name + " pod (" + os_path +
                       ".name) but this machine runs " + std::string(machine_os));
}

probes::PodRequests read_requests(const json& document, std::string_view wanted,
                                  std::string_view self, std::string_view machine_os,
                                  PodSpecParse& parse) {
  const auto found = locate(document);
  const auto all = containers_of(found);
  std::string why;
  const auto* chosen = choose_container(found, all, wanted, self, parse.container_note, why);

  probes::PodRequests requests;
  requests.from_pod_spec = true;
  // The pod's own fields hold whichever container this is.
  requests.host_network = bool_at(found.spec, "hostNetwork", found.spec_path).value_or(false);
  requests.host_pid = bool_at(found.spec, "hostPID", found.spec_path).value_or(false);
  requests.host_ipc = bool_at(found.spec, "hostIPC", found.spec_path).value_or(false);
  requests.runtime_class = string_at(found.spec, "runtimeClassName", found.spec_path);
  read_pod_groups(requests, found);
  read_host_paths(requests, found, chosen);
  read_volumes(requests, found, chosen);
  read_dns(requests, found);
  requests.automount_service_account_token =
      bool_at(found.spec, "automountServiceAccountToken", found.spec_path);
  requests.pod_name = string_at(found.pod_metadata, "name", found.pod_metadata_path);
  requests.pod_namespace = string_at(found.pod_metadata, "namespace", found.pod_metadata_path);
  if (!requests.pod_namespace)
    requests.pod_namespace = string_at(found.owner_metadata, "namespace", "metadata");

  if (chosen == nullptr) {
    // Nothing of any container applies, but the no-write list is for safety: every container's.
    std::vector<const Container*> everyone;
    for (const auto& container : all) everyone.push_back(&container);
    requests.read_only_mounts = read_only_mounts(everyone);
    probes::PodRequests unused;
    read_security(unused, found, nullptr);  // still report a mistake in the pod's part
    requests.container_unknown = why;
  } else {
    read_resources(requests, *chosen);
    read_security(requests, found, chosen);
    read_apparmor_annotation(requests, found, *chosen);
    requests.read_only_mounts = read_only_mounts({chosen});
    read_host_ports(requests, *chosen);
    bool mounts_token_dir = false;
    for (const auto& mount : mounts_of(*chosen))
      mounts_token_dir |= mount.mount_path == "/var/run/secrets/kubernetes.io/serviceaccount";
    requests.mounts_service_account = mounts_token_dir;
    requests.container_name = chosen->name;
    if (requests.container_name->empty()) requests.container_name.reset();
  }
  // Last: the OS's rules may leave what was read above unknown.
  read_os(requests, found, all, machine_os, parse.warnings);
  return requests;
}

}  // namespace

std::span<const OsRefusedField> os_refused_fields() {
  return kOsRefusedFields;
}

PodSpecParse parse_pod_spec(std::string_view json_text, std::string_view container,
                            std::string_view self, std::string_view machine_os) {
  json document;
  try {
    document = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& failure) {
    // A syntax error (parse_error), or a number beyond a double (out_of_range 406: "1e4000").
    // nlohmann's message starts with "[json.exception.parse_error.101] "; keep the rest.
    std::string what = failure.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos)
      what.erase(0, bracket + 2);
    return {std::nullopt,
            "not valid JSON (" + what + "); convert YAML with 'kubectl ... -o json'",
            "",
            {}};
  }
  try {
    PodSpecParse parse;
    parse.requests = read_requests(document, container, self, machine_os, parse);
    return parse;
  } catch (const SpecError& failure) {
    return {std::nullopt, failure.what(), "", {}};
  } catch (const json::exception& failure) {
    return {std::nullopt, std::string("unexpected pod spec content: ") + failure.what(), "", {}};
  }
}

}  // namespace capprobe::agent
