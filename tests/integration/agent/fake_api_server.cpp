// The fake API server's answers.
#include "fake_api_server.hpp"

#include <fstream>
#include <map>
#include <mutex>
#include <regex>

#include <nlohmann/json.hpp>

namespace capprobe::it {
namespace {

// A Status object as the API server writes it for a failed request.
std::string status_object(unsigned code, const std::string& reason, const std::string& message,
                          const nlohmann::json& details = nullptr) {
  nlohmann::json status{
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  if (!details.is_null()) status["details"] = details;
  return status.dump();
}

}  // namespace

struct FakeApiServer::State {
  mutable std::mutex mutex;
  std::string readable_namespace;
  std::string token;
  std::map<std::pair<std::string, std::string>, std::string> pods;
  std::string rotate_file, rotate_to;
  std::chrono::milliseconds delay{0};
  std::vector<ApiRequest> requests;

  ServerAnswer answer(const ServerRequest& request) {
    std::lock_guard lock(mutex);
    ApiRequest seen{request.method, request.target, request.authorization, 0};
    const auto done = [&](unsigned status, std::string body) {
      seen.answered = status;
      requests.push_back(seen);
      return ServerAnswer{status, std::move(body), delay};
    };
    if (!rotate_to.empty() && request.authorization != "Bearer " + rotate_to) {
      std::ofstream(rotate_file, std::ios::trunc) << rotate_to << "\n";
      token = rotate_to;
      rotate_to.clear();
    }
    if (request.authorization != "Bearer " + token)
      return done(401, status_object(401, "Unauthorized", "Unauthorized"));
    // The version an authenticated client may read (system:public-info-viewer), as
    // api.service_account's one request reads it.
    if (request.method == "GET" && request.target == "/version")
      return done(200,
                  R"({"major":"1","minor":"31","gitVersion":"v1.31.4","platform":"linux/amd64"})");
    static const std::regex pod_path(R"(^/api/v1/namespaces/([a-z0-9-]+)/pods/([a-z0-9.-]+)$)");
    std::smatch match;
    if (request.method != "GET" || !std::regex_match(request.target, match, pod_path))
      return done(
          404, status_object(404, "NotFound", "the server could not find the requested resource"));
    const std::string space = match[1], name = match[2];
    if (space != readable_namespace)
      return done(
          403, status_object(403, "Forbidden",
                             "pods \"" + name + "\" is forbidden: User \"system:serviceaccount:" +
                                 readable_namespace +
                                 ":capprobe-agent\" cannot get resource \"pods\" in API "
                                 "group \"\" in the namespace \"" +
                                 space + "\"",
                             {{"name", name}, {"kind", "pods"}}));
    const auto pod = pods.find({space, name});
    if (pod == pods.end())
      return done(404, status_object(404, "NotFound", "pods \"" + name + "\" not found",
                                     {{"name", name}, {"kind", "pods"}}));
    return done(200, pod->second);
  }
};

FakeApiServer::FakeApiServer(const TlsFiles& tls, std::string readable_namespace, std::string token,
                             const std::string& address)
    : state_(std::make_shared<State>()) {
  state_->readable_namespace = std::move(readable_namespace);
  state_->token = std::move(token);
  server_ = std::make_unique<LoopbackServer>(
      [state = state_](const ServerRequest& request) { return state->answer(request); }, 0, tls,
      address);
}

void FakeApiServer::add_pod(const std::string& name_space, const std::string& name,
                            std::string json) {
  std::lock_guard lock(state_->mutex);
  state_->pods[{name_space, name}] = std::move(json);
}

void FakeApiServer::accept_token(std::string token) {
  std::lock_guard lock(state_->mutex);
  state_->token = std::move(token);
}

void FakeApiServer::rotate_during_next_request(std::string token_file, std::string fresh) {
  std::lock_guard lock(state_->mutex);
  state_->rotate_file = std::move(token_file);
  state_->rotate_to = std::move(fresh);
}

void FakeApiServer::delay_answers(std::chrono::milliseconds delay) {
  std::lock_guard lock(state_->mutex);
  state_->delay = delay;
}

std::vector<ApiRequest> FakeApiServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

}  // namespace capprobe::it
