// Routing and handlers of the collector API. Every error answer is JSON {"error": "..."}.
#include "collector/api.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "collector/clock.hpp"
#include "collector/display_name.hpp"
#include "collector/html.hpp"
#include "collector/matrix.hpp"
#include "collector/store.hpp"
#include "collector/validate.hpp"

namespace capprobe::collector {
namespace {

constexpr int kDefaultHistory = 100;
constexpr int kMaxHistory = 1000;

// What a GET that needed the unreachable database is told to wait: the replica follower polls
// every 500 ms and a reader reconnects on the next request, so a few seconds is enough.
constexpr int kStoreRetryAfterSeconds = 5;
// What a report that could not be stored, or found the queue full, is told to wait: agents keep
// it in their spools and back off by themselves, and a batch reconnects first.
constexpr const char* kReportRetryAfter = "1";

bool is_api(const std::vector<std::string>& s) {
  return s.size() >= 2 && s[0] == "api" && s[1] == "v1";
}

Response text_response(http::status status, std::string content_type, std::string body) {
  Response response{status, 11};
  // The pages are self-contained: the browser is told to load nothing else and run no script,
  // which also holds every report value that might slip through escaping to plain text.
  if (content_type.rfind("text/html", 0) == 0)
    response.set("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
                 "form-action 'none'; frame-ancestors 'none'");
  response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

Rejected rejected_for(RejectReason reason) {
  switch (reason) {
    case RejectReason::invalid_json:
      return Rejected::invalid_json;
    case RejectReason::wrong_schema:
      return Rejected::wrong_schema;
    case RejectReason::invalid_report:
      return Rejected::invalid_report;
  }
  return Rejected::invalid_report;
}

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json subject_json(const agent::Subject& subject) {
  return {{"node", subject.node},
          {"pod", optional_json(subject.pod)},
          {"container", optional_json(subject.container)},
          {"runtime_class", optional_json(subject.runtime_class)},
          {"os", subject.os},
          {"arch", subject.arch},
          {"os_version", subject.os_version},
          {"kernel", subject.kernel},
          {"environment", subject.environment}};
}

bool flag_value(const Target& target, const char* key, bool fallback) {
  const auto it = target.query.find(key);
  if (it == target.query.end()) return fallback;
  return !(it->second == "0" || it->second == "false" || it->second == "no");
}

std::optional<std::string> query(const Target& target, const char* key) {
  const auto it = target.query.find(key);
  if (it == target.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// A node named by a request is held to the rule names in reports are (validate.cpp): a name no
// report can carry is the client's mistake, answered 400 with the reason rather than 404, and is
// never echoed into a page or a log. nullopt: the name is fine.
std::optional<std::string> node_name_problem(const std::string& name) {
  if (const auto problem = display_problem(name)) return "node " + *problem;
  return std::nullopt;
}

}  // namespace

Api::Api(ApiConfig config, Fleet& fleet, Ingest& ingest, StoreReader& reader, Metrics& metrics,
         std::shared_ptr<spdlog::logger> log)
    : config_(std::move(config)),
      fleet_(fleet),
      ingest_(ingest),
      reader_(reader),
      metrics_(metrics),
      log_(std::move(log)),
      matrix_cache_(fleet, config_.stale_after) {
  // Counted and rendered now, before the server listens, so that the first GET of the matrix
  // finds only the changes since.
  matrix_cache_.json(unix_now_ms(), true);
}

Response Api::json_response(http::status status, const nlohmann::json& body) {
  // Replace, not throw, on invalid UTF-8: stored strings were validated, but a 404 may echo a
  // request path.
  return text_response(status, "application/json",
                       body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Api::error_response(http::status status, const std::string& message) {
  return json_response(status, {{"error", message}});
}

Route Api::route_of(http::verb method, std::string_view target_text) {
  const auto target = parse_target(target_text);
  if (!target) return Route::other;
  const auto& s = target->segments;
  if (is_api(s)) {
    if (s.size() == 3 && s[2] == "reports")
      return method == http::verb::post ? Route::post_report : Route::reports;
    if (s.size() == 4 && s[2] == "reports") return Route::report;
    if (s.size() == 3 && s[2] == "matrix") return Route::matrix;
    if (s.size() == 3 && s[2] == "nodes") return Route::nodes;
    if (s.size() == 4 && s[2] == "nodes") return Route::node;
    if (s.size() == 3 && s[2] == "impact") return Route::impact;
    return Route::other;
  }
  if (s.empty()) return Route::page_matrix;
  if (s.size() == 1 && s[0] == "nodes") return Route::page_nodes;
  if (s.size() == 2 && s[0] == "nodes") return Route::page_node;
  if (s.size() == 1 && s[0] == "healthz") return Route::healthz;
  if (s.size() == 1 && s[0] == "metrics") return Route::metrics;
  if (s.size() == 1 && s[0] == "impact") return Route::page_impact;
  return Route::other;
}

Access Api::access_of(Route route) {
  switch (route) {
    case Route::post_report:
      return Access::write;
    case Route::healthz:
      return Access::open;
    default:
      return Access::read;
  }
}

std::optional<Response> Api::refusal(Route route, const http::request_header<>& header) const {
  const Access need = access_of(route);
  if (config_.credentials->allows(need, to_std(header[http::field::authorization])))
    return std::nullopt;
  if (need == Access::write) {
    metrics_.received();
    metrics_.rejected(Rejected::unauthorized);
    auto response = error_response(http::status::unauthorized,
                                   "a valid 'Authorization: Bearer <token>' header is required");
    response.set(http::field::www_authenticate, "Bearer realm=\"capprobe\"");
    return response;
  }
  metrics_.request(route, 401, 0.0);
  // A browser asks for a user name and password on Basic (charset: the password is UTF-8, RFC
  // 7617); the token is the password. The pages offer only Basic, so that every browser asks;
  // the API names Bearer first, its usual scheme.
  constexpr const char* kBasic = "Basic realm=\"capprobe\", charset=\"UTF-8\"";
  const bool page =
      route == Route::page_matrix || route == Route::page_nodes || route == Route::page_node;
  Response response =
      page ? text_response(http::status::unauthorized, "text/html; charset=utf-8",
                           render_error_page("unauthorized",
                                             "Reading the fleet needs a credential: any user "
                                             "name, and the collector's read token as the "
                                             "password."))
           : error_response(http::status::unauthorized,
                            "a credential is required: 'Authorization: Bearer <token>', or HTTP "
                            "Basic with the token as the password");
  if (!page) response.insert(http::field::www_authenticate, "Bearer realm=\"capprobe\"");
  response.insert(http::field::www_authenticate, kBasic);
  return response;
}

std::optional<Response> Api::early_answer(const http::request_header<>& header,
                                          boost::optional<std::uint64_t> content_length) const {
  const Route route = route_of(header.method(), to_std(header.target()));
  if (auto refused = refusal(route, header)) return refused;
  if (route == Route::post_report && content_length && *content_length > config_.max_body_bytes)
    return too_large(header);
  return std::nullopt;
}

Response Api::too_large(const http::request_header<>& header) const {
  if (route_of(header.method(), to_std(header.target())) == Route::post_report) {
    metrics_.received();
    metrics_.rejected(Rejected::too_large);
  }
  return error_response(http::status::payload_too_large,
                        "the report is larger than the limit of " +
                            std::to_string(config_.max_body_bytes) + " bytes");
}

void Api::handle(Request request, Respond respond) {
  const auto started = std::chrono::steady_clock::now();
  const Route route = route_of(request.method(), to_std(request.target()));
  // early_answer ran on the header; this guards a caller that skipped it. (A report POST is
  // checked in post_report, where it is also counted.)
  if (route != Route::post_report) {
    if (auto refused = refusal(route, request.base())) return respond(std::move(*refused));
  }
  auto timed = [this, route, started, respond = std::move(respond)](Response response) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.request(route, response.result_int(), took.count());
    respond(std::move(response));
  };

  const auto target = parse_target(to_std(request.target()));
  if (!target) {
    timed(error_response(http::status::bad_request, "malformed request target"));
    return;
  }
  const bool is_get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (route == Route::post_report) {
    post_report(request, std::move(timed));
    return;
  }
  if (route == Route::other) {
    timed(error_response(http::status::not_found, "no such resource"));
    return;
  }
  if (!is_get) {
    auto response =
        error_response(http::status::method_not_allowed,
                       "only GET here" + std::string(route == Route::reports ? " (and POST)" : ""));
    response.set(http::field::allow, route == Route::reports ? "GET, HEAD, POST" : "GET, HEAD");
    timed(std::move(response));
    return;
  }
  const auto& s = target->segments;
  try {
    switch (route) {
      case Route::matrix:
        return timed(matrix(*target));
      case Route::nodes:
        return timed(nodes());
      case Route::node:
        return timed(node(s[3]));
      case Route::reports:
        return timed(reports(*target));
      case Route::report:
        return timed(report(s[3]));
      case Route::healthz:
        return timed(healthz());
      case Route::metrics:
        return timed(metrics());
      case Route::page_matrix:
        return timed(page_matrix());
      case Route::page_nodes:
        return timed(page_nodes(*target));
      case Route::page_node:
        return timed(page_node(s[1]));
      case Route::impact:
        return timed(impact(*target));
      case Route::page_impact:
        return timed(page_impact(*target));
      default:
        return timed(error_response(http::status::not_found, "no such resource"));
    }
  } catch (const StoreUnavailable& error) {
    // The database is away, not the request wrong: the client may ask again, as a report POSTed
    // now is told to. What libpq said (server names, addresses, the user) stays in the log:
    // readers may be anyone under --public-read.
    log_->warn("Answering {}: {}", std::string(to_std(request.target())), error.what());
    auto response = error_response(http::status::service_unavailable,
                                   "the database cannot be reached; retry later");
    response.set(http::field::retry_after, std::to_string(kStoreRetryAfterSeconds));
    timed(std::move(response));
  } catch (const std::exception& error) {
    log_->error("Answering {} failed: {}", std::string(to_std(request.target())), error.what());
    timed(error_response(http::status::internal_server_error, error.what()));
  }
}

void Api::post_report(Request& request, Respond respond) {
  metrics_.received();
  // early_answer ran on the header; this guards a caller that skipped it.
  if (!config_.credentials->allows(Access::write, to_std(request[http::field::authorization]))) {
    metrics_.rejected(Rejected::unauthorized);
    return respond(error_response(http::status::unauthorized,
                                  "a valid 'Authorization: Bearer <token>' header is required"));
  }
  if (request.body().size() > config_.max_body_bytes) {
    metrics_.rejected(Rejected::too_large);
    return respond(error_response(http::status::payload_too_large, "the report is too large"));
  }

  auto validated = validate_report(request.body());
  if (auto* rejection = std::get_if<Rejection>(&validated)) {
    metrics_.rejected(rejected_for(rejection->reason));
    log_->debug("Rejected a report: reason={} detail={}", reason_label(rejection->reason),
                rejection->message);
    return respond(error_response(http::status::bad_request, rejection->message));
  }
  auto& report = std::get<IncomingReport>(validated);
  const std::string report_id = report.report_id;
  auto respond_shared = std::make_shared<Respond>(std::move(respond));
  // The usual answer is made here, on an HTTP thread: the writer thread, whose time bounds the
  // ingest rate, only hands it over.
  auto accepted =
      json_response(http::status::accepted, {{"report_id", report_id}, {"status", "accepted"}});
  const bool queued = ingest_.submit(
      std::move(report), std::move(request.body()), unix_now_ms(),
      [this, report_id, respond_shared,
       accepted = std::move(accepted)](IngestOutcome outcome) mutable {
        switch (outcome) {
          case IngestOutcome::accepted:
            metrics_.accepted();
            return (*respond_shared)(std::move(accepted));
          case IngestOutcome::duplicate:
            metrics_.duplicate();
            return (*respond_shared)(json_response(
                http::status::ok, {{"report_id", report_id}, {"status", "duplicate"}}));
          case IngestOutcome::failed:
            metrics_.rejected(Rejected::storage);
            auto response = error_response(http::status::service_unavailable,
                                           "the report could not be stored; retry later");
            response.set(http::field::retry_after, kReportRetryAfter);
            return (*respond_shared)(std::move(response));
        }
      });
  if (!queued) {
    metrics_.rejected(Rejected::overloaded);
    auto response = error_response(http::status::service_unavailable,
                                   "the collector is busy or stopping; retry later");
    response.set(http::field::retry_after, kReportRetryAfter);
    (*respond_shared)(std::move(response));
  }
}

Response Api::matrix(const Target& target) {
  const auto text = matrix_cache_.json(unix_now_ms(), flag_value(target, "nodes", true));
  return text_response(http::status::ok, "application/json", *text);
}

Response Api::nodes() {
  const auto now = unix_now_ms();
  nlohmann::json list = nlohmann::json::array();
  fleet_.visit([&](const std::vector<const SubjectState*>& all, std::uint64_t) {
    const auto subjects =
        select_subjects(all, SubjectFilter{{}, {}, {}, false, true}, now, config_.stale_after);
    nlohmann::json* current = nullptr;
    for (const SubjectState* state : subjects) {
      if (!current || (*current)["node"] != state->subject.node) {
        list.push_back({{"node", state->subject.node}, {"subjects", nlohmann::json::array()}});
        current = &list.back();
      }
      Cell cell;
      nlohmann::json ignored = nlohmann::json::array();
      for (const auto& result : state->results) {
        cell.add(result);
        if (result.requested_but_ignored()) ignored.push_back(result.id);
      }
      nlohmann::json entry = subject_json(state->subject);
      entry["report_id"] = state->report_id;
      entry["received_at"] = rfc3339_ms(state->received_at_ms);
      entry["started_at"] = rfc3339_ms(state->started_at_ms);
      entry["stale"] = is_stale(*state, now, config_.stale_after);
      entry["counts"] = cell_json(cell)["counts"];
      entry["requested_but_ignored"] = ignored;
      (*current)["subjects"].push_back(std::move(entry));
    }
  });
  return json_response(http::status::ok, {{"nodes", list}});
}

Response Api::node(const std::string& name) {
  if (const auto problem = node_name_problem(name))
    return error_response(http::status::bad_request, *problem);
  const auto now = unix_now_ms();
  const auto states = fleet_.subjects_of(name);
  if (states.empty())
    return error_response(http::status::not_found, "no reports from node " + name);
  nlohmann::json subjects = nlohmann::json::array();
  for (const auto& stored : reader_.latest_of_node(name)) {
    bool stale = false;
    for (const auto& state : states)
      if (state.key == stored.subject_key) stale = is_stale(state, now, config_.stale_after);
    subjects.push_back({{"received_at", rfc3339_ms(stored.received_at_ms)},
                        {"stale", stale},
                        {"report", nlohmann::json::parse(stored.body)}});
  }
  return json_response(http::status::ok, {{"node", name}, {"subjects", subjects}});
}

Response Api::reports(const Target& target) {
  int limit = kDefaultHistory;
  if (const auto text = query(target, "limit")) {
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 || limit > kMaxHistory)
      return error_response(http::status::bad_request,
                            "limit must be a number from 1 to " + std::to_string(kMaxHistory));
  }
  // Absent: every node's history. Present, even empty ("?node="), it must name a node: an empty
  // value read as "no filter" would hand out the whole fleet's history to a mistyped query.
  std::optional<std::string> node;
  if (const auto it = target.query.find("node"); it != target.query.end()) {
    if (const auto problem = node_name_problem(it->second))
      return error_response(http::status::bad_request,
                            *problem + " (leave node out for every node's reports)");
    node = it->second;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : reader_.history(node, limit))
    list.push_back({{"report_id", entry.report_id},
                    {"received_at", rfc3339_ms(entry.received_at_ms)},
                    {"subject", nlohmann::json::parse(entry.subject_json)}});
  return json_response(http::status::ok, {{"reports", list}});
}

Response Api::report(const std::string& report_id) {
  const auto stored = reader_.report(report_id);
  if (!stored) return error_response(http::status::not_found, "no report " + report_id);
  // The report exactly as it was received (it was validated JSON then).
  return text_response(http::status::ok, "application/json", stored->body);
}

Response Api::healthz() {
  return json_response(http::status::ok,
                       {{"status", "ok"}, {"subjects", fleet_.size()}, {"queue", ingest_.depth()}});
}

Response Api::metrics() {
  Gauges gauges;
  gauges.subjects = static_cast<std::int64_t>(fleet_.size());
  gauges.nodes = static_cast<std::int64_t>(fleet_.node_count());
  try {
    gauges.database_bytes = reader_.database_bytes();
  } catch (const StoreUnavailable&) {
    // The scrape still answers: the store's state is one of the things it must show.
    gauges.database_bytes = std::nullopt;
    gauges.store_up = false;
  }
  gauges.ingest_queue = static_cast<std::int64_t>(ingest_.depth());
  return text_response(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                       metrics_.render(gauges));
}

Response Api::page_matrix() {
  return text_response(http::status::ok, "text/html; charset=utf-8",
                       render_matrix_page(*matrix_cache_.matrix(unix_now_ms())));
}

Response Api::page_nodes(const Target& target) {
  SubjectFilter filter;
  filter.group = query(target, "group");
  filter.capability = query(target, "capability");
  if (const auto status = query(target, "status")) {
    filter.status = probes::status_from_string(*status);
    if (!filter.status)
      return error_response(http::status::bad_request, "unknown status " + *status);
  }
  filter.ignored_only = flag_value(target, "ignored", false);
  filter.include_stale = flag_value(target, "stale", false);
  std::string page;
  const auto now = unix_now_ms();
  fleet_.visit([&](const std::vector<const SubjectState*>& all, std::uint64_t) {
    page = render_subjects_page(select_subjects(all, filter, now, config_.stale_after), filter, now,
                                config_.stale_after);
  });
  return text_response(http::status::ok, "text/html; charset=utf-8", std::move(page));
}

Response Api::page_node(const std::string& name) {
  if (const auto problem = node_name_problem(name))
    return text_response(http::status::bad_request, "text/html; charset=utf-8",
                         render_error_page("bad request", "The " + *problem + "."));
  const auto now = unix_now_ms();
  const auto states = fleet_.subjects_of(name);
  if (states.empty())
    return text_response(http::status::not_found, "text/html; charset=utf-8",
                         render_not_found_page("No reports from node " + name + "."));
  std::vector<NodeSubjectView> views;
  const auto stored = reader_.latest_of_node(name);
  for (const auto& state : states) {
    NodeSubjectView view{state, is_stale(state, now, config_.stale_after), std::nullopt};
    for (const auto& report : stored)
      if (report.subject_key == state.key) view.report = nlohmann::json::parse(report.body);
    views.push_back(std::move(view));
  }
  return text_response(http::status::ok, "text/html; charset=utf-8",
                       render_node_page(name, views, reader_.history(name, 20), now));
}

}  // namespace capprobe::collector
