// The collector's HTTP API (DESIGN.md "Collector API") over parsed Beast requests: routing,
// report intake and the JSON/HTML/Prometheus views. Knows nothing of sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <boost/optional.hpp>

#include "collector/auth.hpp"
#include "collector/beast.hpp"
#include "collector/fleet.hpp"
#include "collector/impact_cache.hpp"
#include "collector/ingest.hpp"
#include "collector/matrix_cache.hpp"
#include "collector/metrics.hpp"
#include "collector/store.hpp"
#include "collector/url.hpp"

namespace capprobe::collector {

struct ApiConfig {
  // Who may read and write; shared with the timer that re-reads the token files.
  std::shared_ptr<const Credentials> credentials;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds stale_after{3600};
};

class Api {
 public:
  // May be called on any thread, once; the caller adds version and keep-alive.
  using Respond = std::function<void(Response)>;

  Api(ApiConfig config, Fleet& fleet, Ingest& ingest, StoreReader& reader, Metrics& metrics,
      std::shared_ptr<spdlog::logger> log);

  static Route route_of(http::verb method, std::string_view target);
  // What a request to `route` needs: the report POST writes, /healthz is open, everything else
  // (the pages, /metrics, unknown paths and wrong methods too) reads.
  static Access access_of(Route route);

  // Looks at a request whose body has not been read yet: when reading it would be pointless
  // (no valid credential, a declared length over the limit) this is the answer.
  std::optional<Response> early_answer(const http::request_header<>& header,
                                       boost::optional<std::uint64_t> content_length) const;
  void handle(Request request, Respond respond);
  // The answer to a request whose body is over the size limit (declared or found while reading).
  Response too_large(const http::request_header<>& header) const;

  static Response json_response(http::status status, const nlohmann::json& body);
  static Response error_response(http::status status, const std::string& message);

 private:
  // The 401 when the request's credential does not allow what its route needs; nullopt: go on.
  std::optional<Response> refusal(Route route, const http::request_header<>& header) const;
  void post_report(Request& request, Respond respond);
  Response matrix(const Target& target);
  Response nodes();
  Response node(const std::string& name);
  Response reports(const Target& target);
  Response report(const std::string& report_id);
  Response healthz();
  Response metrics();
  Response page_matrix();
  Response page_nodes(const Target& target);
  Response page_node(const std::string& name);
  // collector/api_impact.cpp
  Response impact(const Target& target);
  Response page_impact(const Target& target);
  // The fleet's impact under `mapping`, from each fresh subject's latest report.
  nlohmann::json fleet_impact_now(const impact::Mapping& mapping);

  ApiConfig config_;
  Fleet& fleet_;
  Ingest& ingest_;
  StoreReader& reader_;
  Metrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  MatrixCache matrix_cache_;
  ImpactCache impact_cache_;
};

}  // namespace capprobe::collector
