// The contract between the agent and its capprobe-deliver helper: the arguments it is given
// and the line it answers with, both ways, and what the agent makes of a helper gone wrong.
#include <catch2/catch.hpp>

#include "agent/daemon/delivery_helper.hpp"

using namespace capprobe::agent::daemon;

TEST_CASE("the helper's arguments carry every delivery setting there and back") {
  const DeliveryConfig full{"https://c.example:8443/api/v1/reports", "/run/token", "/etc/ca.pem",
                            Millis(1500), Millis(20000)};
  const DeliveryConfig bare{"http://127.0.0.1:9/api/v1/reports", std::nullopt, std::nullopt,
                            Millis(5000), Millis(60000)};
  for (const auto& config : {full, bare}) {
    const auto parsed = parse_deliver_helper_arguments(deliver_helper_arguments(config));
    REQUIRE(std::holds_alternative<DeliveryConfig>(parsed));
    const auto& back = std::get<DeliveryConfig>(parsed);
    REQUIRE(back.reports_url == config.reports_url);
    REQUIRE(back.token_file == config.token_file);
    REQUIRE(back.ca_file == config.ca_file);
    REQUIRE(back.connect_timeout == config.connect_timeout);
    REQUIRE(back.timeout == config.timeout);
  }
}

TEST_CASE("the helper refuses arguments it does not understand") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "--url is required"},
      {{"--url"}, "--url needs a value"},
      {{"--url", "http://c", "--insecure", "1"}, "unknown argument '--insecure'"},
      {{"--url", "http://c", "--timeout", "soon"}, "--timeout 'soon' is not a duration"},
  };
  for (const auto& [args, message] : cases) {
    const auto parsed = parse_deliver_helper_arguments(args);
    REQUIRE(std::holds_alternative<DeliverHelperUsage>(parsed));
    REQUIRE(std::get<DeliverHelperUsage>(parsed).message == message);
  }
}

TEST_CASE("the helper's answer line reads back as the same outcome") {
  for (const auto& outcome :
       {DeliveryOutcome{DeliveryResult::delivered, 202, ""},
        DeliveryOutcome{DeliveryResult::duplicate, 200, "{\"status\":\"duplicate\"}"},
        DeliveryOutcome{DeliveryResult::rejected, 413, "too \"large\"\n"},
        DeliveryOutcome{DeliveryResult::retry, 0, "Failed to connect to 127.0.0.1 port 1"}}) {
    const auto line = outcome_line(outcome);
    REQUIRE(line.back() == '\n');
    REQUIRE(line.find('\n') == line.size() - 1);  // one line, whatever the detail holds
    const auto back = parse_outcome_line(line);
    REQUIRE(back);
    REQUIRE(back->result == outcome.result);
    REQUIRE(back->http_status == outcome.http_status);
    REQUIRE(back->detail == outcome.detail);
  }
}

TEST_CASE("an answer line that is not the helper's is not an outcome") {
  for (const char* line :
       {"", "delivered", "{}", "[1,2]", R"({"result":"sent","http_status":202,"detail":""})",
        R"({"result":"delivered","http_status":"202","detail":""})",
        R"({"result":"delivered","http_status":202})",
        R"({"result":"delivered","http_status":202,"detail":""} trailing)"}) {
    INFO(line);
    REQUIRE_FALSE(parse_outcome_line(line));
  }
}

TEST_CASE("a helper that cannot run is a retry that says why") {
  const DeliveryConfig config{"http://127.0.0.1:1/api/v1/reports", std::nullopt, std::nullopt,
                              Millis(500), Millis(1000)};
  const auto missing = deliver_with_helper("/nonexistent/capprobe-deliver", config, "{}");
  REQUIRE(missing.result == DeliveryResult::retry);
  REQUIRE(missing.detail.find("/nonexistent/capprobe-deliver") != std::string::npos);

  // A program that answers nonsense: /bin/echo prints its arguments.
  const auto confused = deliver_with_helper("/bin/echo", config, "{}");
  REQUIRE(confused.result == DeliveryResult::retry);
  REQUIRE(confused.detail.find("no answer it could read") != std::string::npos);

  // One that fails: /bin/false.
  const auto failed = deliver_with_helper("/bin/false", config, "{}");
  REQUIRE(failed.result == DeliveryResult::retry);
  REQUIRE(failed.detail.find("exit code 1") != std::string::npos);
}

// --- the get-pod mode ---

TEST_CASE("get-pod: the helper's arguments carry the GET there and back, mode word first") {
  const PodGetConfig config{"https://[fd00::1]:443/api/v1/namespaces/ns/pods/p", "/sa/token",
                            "/sa/ca.crt", Millis(3000), Millis(8000)};
  const auto args = get_pod_helper_arguments(config);
  REQUIRE(args.front() == kGetPodMode);
  const auto parsed =
      parse_get_pod_helper_arguments(std::vector<std::string>(args.begin() + 1, args.end()));
  REQUIRE(std::holds_alternative<PodGetConfig>(parsed));
  const auto& back = std::get<PodGetConfig>(parsed);
  CHECK(back.url == config.url);
  CHECK(back.token_file == config.token_file);
  CHECK(back.ca_file == config.ca_file);
  CHECK(back.connect_timeout == config.connect_timeout);
  CHECK(back.timeout == config.timeout);

  capprobe::agent::PodLookupPlan plan;
  plan.url = config.url;
  plan.token_file = "/sa/token";
  plan.ca_file = "/sa/ca.crt";
  const auto from_plan = pod_get_config(plan);
  CHECK(from_plan.timeout == capprobe::agent::kPodGetTimeout);
  CHECK(from_plan.connect_timeout == capprobe::agent::kPodGetConnectTimeout);
}

TEST_CASE("get-pod: no GET without its token, its CA and https") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--token-file", "t", "--ca-file", "c"}, "--url is required"},
      {{"--url", "https://a/p", "--ca-file", "c"}, "--token-file is required"},
      {{"--url", "https://a/p", "--token-file", "t"}, "--ca-file is required"},
      {{"--url", "http://a/p", "--token-file", "t", "--ca-file", "c"},
       "--url must be https:// (the API server)"},
      {{"--url", "https://a/p", "--insecure", "1"}, "unknown argument '--insecure'"},
      {{"--url", "https://a/p", "--timeout"}, "--timeout needs a value"},
  };
  for (const auto& [args, message] : cases) {
    const auto parsed = parse_get_pod_helper_arguments(args);
    REQUIRE(std::holds_alternative<DeliverHelperUsage>(parsed));
    CHECK(std::get<DeliverHelperUsage>(parsed).message == message);
  }
}

TEST_CASE("get-pod: the helper's output reads back as the same answer, the body after the line") {
  using capprobe::agent::PodGetAnswer;
  using capprobe::agent::PodGetResult;
  const std::string pod = "{\"kind\":\"Pod\",\n  \"metadata\":{\"name\":\"p\"}}\n";
  for (const auto& answer :
       {PodGetAnswer{PodGetResult::ok, 200, 1, "", pod},
        PodGetAnswer{PodGetResult::ok, 200, 2, "", pod},
        PodGetAnswer{PodGetResult::http_error, 403, 1, "pods \"p\" is forbidden\n", ""},
        PodGetAnswer{PodGetResult::tls_failed, 0, 1, "SSL certificate problem", ""},
        PodGetAnswer{PodGetResult::no_token, 0, 0, "/sa/token holds no usable token", ""}}) {
    const auto output = pod_get_output(answer);
    const auto header = output.substr(0, output.find('\n'));
    CHECK(header.find("\"result\"") != std::string::npos);  // the first line is the header
    const auto back = parse_pod_get_output(output);
    REQUIRE(back);
    CHECK(back->result == answer.result);
    CHECK(back->http_status == answer.http_status);
    CHECK(back->attempts == answer.attempts);
    CHECK(back->detail == answer.detail);
    CHECK(back->body == answer.body);
  }
  // A body is only for "ok", and "ok" needs one.
  for (const char* output :
       {"", "{\"kind\":\"Pod\"}", R"({"result":"ok","http_status":200,"attempts":1,"detail":""})",
        "{\"result\":\"ok\",\"http_status\":200,\"attempts\":1,\"detail\":\"\"}\n",
        "{\"result\":\"failed\",\"http_status\":0,\"attempts\":1,\"detail\":\"\"}\n{}",
        "{\"result\":\"delivered\",\"http_status\":0,\"attempts\":1,\"detail\":\"\"}\n",
        "{\"result\":\"failed\",\"http_status\":0,\"detail\":\"\"}\n"})
    CHECK_FALSE(parse_pod_get_output(output));
}
