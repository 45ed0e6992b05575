// The credential rules, request by request (route, method, Authorization header, configuration),
// the token files (several tokens, rotation, a broken file) and the constant-time comparison.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "collector/api.hpp"
#include "collector/auth.hpp"
#include "support/http_client.hpp"

using namespace capprobe::collector;
using capprobe::collector::testing::basic_auth;

namespace {

// The collector's configurations, as the rules they make.
AccessRules token_file_only() {  // --token-file: the write token reads too
  return {TokenSet::parse("s3cret-token\n"), TokenSet::parse("s3cret-token\n")};
}
AccessRules split_tokens() {  // --token-file W --read-token-file R
  return {TokenSet::parse("writer\n"), TokenSet::parse("reader\n")};
}
AccessRules public_read() {  // --token-file --public-read
  return {TokenSet::parse("s3cret-token\n"), std::nullopt};
}
AccessRules all_open() {  // --public-read alone
  return {std::nullopt, std::nullopt};
}
AccessRules several_tokens() {  // a file in the middle of a rotation
  return {TokenSet::parse("old-token\nnew-token\n"), TokenSet::parse("old-token\nnew-token\n")};
}

std::string without_padding(std::string text) {
  while (text.back() == '=') text.pop_back();
  return text;
}

bool allowed(const AccessRules& rules, http::verb method, const char* target,
             const std::string& authorization) {
  return rules.allows(Api::access_of(Api::route_of(method, target)), authorization);
}

class TempFiles {
 public:
  TempFiles()
      : dir_(std::filesystem::temp_directory_path() /
             ("capprobe-credentials-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~TempFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto path = (dir_ / name).string();
    std::ofstream(path + ".new", std::ios::binary) << text;
    std::filesystem::rename(path + ".new", path);
    return path;
  }

 private:
  std::filesystem::path dir_;
};

// A logger whose lines a test can read.
struct CapturedLog {
  std::ostringstream text;
  spdlog::logger log{"test", std::make_shared<spdlog::sinks::ostream_sink_st>(text)};
};

}  // namespace

TEST_CASE("the credential rules, request by request") {
  const auto get = http::verb::get;
  const auto head = http::verb::head;
  const auto post = http::verb::post;
  const auto put = http::verb::put;
  const std::string token = "s3cret-token";
  struct Row {
    const char* what;
    AccessRules rules;
    http::verb method;
    const char* target;
    std::string authorization;
    bool allowed;
  };
  const std::vector<Row> rows{
      // Reads, with --token-file alone.
      {"no header", token_file_only(), get, "/api/v1/matrix", "", false},
      {"wrong token", token_file_only(), get, "/api/v1/matrix", "Bearer wrong", false},
      {"a prefix of the token", token_file_only(), get, "/api/v1/matrix", "Bearer s3cret", false},
      {"the token and more", token_file_only(), get, "/api/v1/matrix", "Bearer " + token + "x",
       false},
      {"Bearer ok", token_file_only(), get, "/api/v1/matrix", "Bearer " + token, true},
      {"scheme in any case", token_file_only(), get, "/api/v1/matrix", "bEARER " + token, true},
      {"spaces around", token_file_only(), get, "/api/v1/matrix", "  Bearer   " + token + "  ",
       true},
      {"no space after the scheme", token_file_only(), get, "/", "Bearer" + token, false},
      {"the token alone", token_file_only(), get, "/", token, false},
      {"Basic ok, any user", token_file_only(), get, "/", basic_auth("alice", token), true},
      {"Basic ok, empty user", token_file_only(), get, "/", basic_auth("", token), true},
      {"Basic scheme in any case", token_file_only(), get, "/",
       "basic " + basic_auth("bob", token).substr(6), true},
      {"Basic, wrong password", token_file_only(), get, "/", basic_auth("alice", "wrong"), false},
      {"Basic, the token as user", token_file_only(), get, "/", basic_auth(token, ""), false},
      {"Basic, a colon in the password", token_file_only(), get, "/",
       basic_auth("alice", token + ":x"), false},
      {"Basic, not base64", token_file_only(), get, "/", "Basic !!!!", false},
      {"Basic, no colon", token_file_only(), get, "/", "Basic czNjcmV0LXRva2Vu", false},
      {"Basic, the token unencoded", token_file_only(), get, "/", "Basic " + token, false},
      {"Basic, padding left out", token_file_only(), get, "/",
       without_padding(basic_auth("a", token)), false},
      {"another scheme", token_file_only(), get, "/", "Digest username=\"x\"", false},
      {"/healthz open", token_file_only(), get, "/healthz", "", true},
      {"/healthz open to HEAD", token_file_only(), head, "/healthz", "", true},
      {"HEAD of the page", token_file_only(), head, "/", "", false},
      {"node page", token_file_only(), get, "/nodes/worker-1", "", false},
      {"drill-down page", token_file_only(), get, "/nodes?capability=host.pid", "", false},
      {"/metrics needs it", token_file_only(), get, "/metrics", "", false},
      {"/metrics with Bearer", token_file_only(), get, "/metrics", "Bearer " + token, true},
      {"/metrics with Basic", token_file_only(), get, "/metrics", basic_auth("prometheus", token),
       true},
      {"history", token_file_only(), get, "/api/v1/reports?node=a", "", false},
      {"one report", token_file_only(), get, "/api/v1/reports/r1", "", false},
      {"an unknown path", token_file_only(), get, "/no/such/page", "", false},
      {"a wrong method", token_file_only(), put, "/api/v1/matrix", "", false},
      {"a malformed target", token_file_only(), get, "/a%zz", "", false},
      // Writes.
      {"POST without a token", token_file_only(), post, "/api/v1/reports", "", false},
      {"POST with the token", token_file_only(), post, "/api/v1/reports", "Bearer " + token, true},
      {"POST with Basic", token_file_only(), post, "/api/v1/reports", basic_auth("agent", token),
       true},
      {"POST with a wrong token", token_file_only(), post, "/api/v1/reports", "Bearer x", false},
      // --read-token-file: readers and writers apart.
      {"reader reads", split_tokens(), get, "/api/v1/matrix", "Bearer reader", true},
      {"writer does not read", split_tokens(), get, "/api/v1/matrix", "Bearer writer", false},
      {"writer writes", split_tokens(), post, "/api/v1/reports", "Bearer writer", true},
      {"reader does not write", split_tokens(), post, "/api/v1/reports", "Bearer reader", false},
      // --public-read.
      {"public read", public_read(), get, "/api/v1/matrix", "", true},
      {"public page", public_read(), get, "/", "", true},
      {"public read, a wrong token is ignored", public_read(), get, "/", "Bearer nope", true},
      {"public read, writes still need it", public_read(), post, "/api/v1/reports", "", false},
      {"all open: writes", all_open(), post, "/api/v1/reports", "", true},
      {"all open: reads", all_open(), get, "/metrics", "", true},
      // Several tokens in a file.
      {"several: the old one", several_tokens(), post, "/api/v1/reports", "Bearer old-token", true},
      {"several: the new one", several_tokens(), get, "/", basic_auth("u", "new-token"), true},
      {"several: both at once", several_tokens(), get, "/", "Bearer old-token new-token", false},
      {"several: another", several_tokens(), get, "/", "Bearer other-token", false},
  };
  for (const auto& row : rows) {
    INFO(row.what << ": " << row.target << " '" << row.authorization << "'");
    CHECK(allowed(row.rules, row.method, row.target, row.authorization) == row.allowed);
  }
}

TEST_CASE("a token file: one token a line, blank lines and surrounding whitespace ignored") {
  const auto tokens = TokenSet::parse("  first  \r\n\n\t second token\t\n\n   \nthird");
  CHECK(tokens.size() == 3);
  CHECK(tokens.contains("first"));
  CHECK(tokens.contains("second token"));  // inner whitespace is part of the token
  CHECK(tokens.contains("third"));
  CHECK_FALSE(tokens.contains("second"));
  CHECK_FALSE(tokens.contains(""));
  CHECK(TokenSet::parse("\n \r\n\t\n").empty());
  CHECK(TokenSet::parse("").empty());
}

TEST_CASE("presented_secret reads Bearer and Basic") {
  CHECK(presented_secret("Bearer abc") == "abc");
  CHECK(presented_secret(basic_auth("user", "pass:with:colons")) == "pass:with:colons");
  CHECK(presented_secret(basic_auth("user", "")) == "");
  CHECK(presented_secret("Basic dXNlcjpwYXNz") == "pass");  // base64("user:pass")
  CHECK(presented_secret("Basic dTpw") == "p");             // "u:p", no padding needed
  CHECK(presented_secret("Basic dTpwcQ==") == "pq");        // "u:pq"
  CHECK(presented_secret("Basic dTpwcXI=") == "pqr");       // "u:pqr"
  for (const char* bad : {"", "Bearer", "Bearer ", "Basic", "Basic =", "Basic dTpw=cQ==",
                          "Basic dTpwcQ", "Basic dTpwc===", "Basic d=pw", "Token abc"}) {
    INFO(bad);
    CHECK_FALSE(presented_secret(bad));
  }
}

TEST_CASE("constant_time_equal compares whole strings") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("abc", "abcabc"));  // the repeated expected value must not match
  CHECK_FALSE(constant_time_equal("", "x"));
  CHECK(constant_time_equal("", ""));
}

TEST_CASE("a token file that cannot be read or holds no token stops the start") {
  TempFiles files;
  CHECK_THROWS_WITH(Credentials(CredentialFiles{files.write("empty", "\n \n"), {}, false}),
                    Catch::Contains("--token-file") && Catch::Contains("holds no token"));
  CHECK_THROWS_WITH(Credentials(CredentialFiles{{}, files.write("empty-read", ""), false}),
                    Catch::Contains("--read-token-file") && Catch::Contains("holds no token"));
  CHECK_THROWS_WITH(Credentials(CredentialFiles{"/nonexistent/token", {}, false}),
                    Catch::Contains("cannot read /nonexistent/token"));
}

TEST_CASE("credentials from files: the summary, and no token at all fails closed") {
  TempFiles files;
  const auto w = files.write("w", "writer\n");
  const auto r = files.write("r", "reader\n");
  CHECK(Credentials(CredentialFiles{w, {}, false}).summary() == "writes=token reads=token");
  CHECK(Credentials(CredentialFiles{w, r, false}).summary() == "writes=token reads=read-token");
  CHECK(Credentials(CredentialFiles{w, {}, true}).summary() == "writes=token reads=public");
  CHECK(Credentials(CredentialFiles{{}, {}, true}).summary() == "writes=open reads=public");
  // Refused by the option parser; should it get here, nobody reads rather than everybody.
  const Credentials none(CredentialFiles{{}, {}, false});
  CHECK_FALSE(none.allows(Access::read, "Bearer anything"));
  CHECK(none.allows(Access::write, ""));
  CHECK(none.allows(Access::open, ""));
}

TEST_CASE("token files are re-read when they change, a broken one keeps the tokens in use") {
  TempFiles files;
  CapturedLog captured;
  const auto write_path = files.write("write", "old-token\nnew-token\n");
  const auto read_path = files.write("read", "reader-1\n");
  Credentials credentials(CredentialFiles{write_path, read_path, false});
  const auto poll_twice = [&] {
    // A change is taken once two polls in a row read it the same (a half-written file waits).
    credentials.reload(captured.log);
    credentials.reload(captured.log);
  };
  CHECK(credentials.allows(Access::write, "Bearer old-token"));
  CHECK(credentials.allows(Access::read, "Bearer reader-1"));

  files.write("write", "new-token\nnext-token\n");
  credentials.reload(captured.log);
  CHECK(credentials.allows(Access::write, "Bearer old-token"));  // seen once: not yet
  credentials.reload(captured.log);
  CHECK_FALSE(credentials.allows(Access::write, "Bearer old-token"));
  CHECK(credentials.allows(Access::write, "Bearer new-token"));
  CHECK(credentials.allows(Access::write, "Bearer next-token"));
  CHECK(credentials.allows(Access::read, "Bearer reader-1"));  // the other file is unchanged

  files.write("read", "reader-2\n");
  poll_twice();
  CHECK_FALSE(credentials.allows(Access::read, "Bearer reader-1"));
  CHECK(credentials.allows(Access::read, basic_auth("me", "reader-2")));

  // Emptied, then removed: the tokens in use stay, each failure is logged once.
  files.write("write", "\n");
  poll_twice();
  poll_twice();
  CHECK(credentials.allows(Access::write, "Bearer next-token"));
  CHECK_FALSE(credentials.allows(Access::write, ""));
  std::filesystem::remove(write_path);
  poll_twice();
  CHECK(credentials.allows(Access::write, "Bearer next-token"));
  const auto log = captured.text.str();
  CHECK_THAT(log, Catch::Contains("holds no token: kept the tokens in use (2)"));
  CHECK_THAT(log, Catch::Contains("No such file or directory: kept the tokens in use (2)"));
  std::size_t kept = 0;
  for (auto at = log.find("kept the tokens"); at != std::string::npos;
       at = log.find("kept the tokens", at + 1))
    ++kept;
  CHECK(kept == 2);
  // Tokens are never logged.
  for (const char* token : {"old-token", "new-token", "next-token", "reader-1", "reader-2"}) {
    INFO(token);
    CHECK(log.find(token) == std::string::npos);
  }

  // Back to a good file: taken again.
  files.write("write", "final-token\n");
  poll_twice();
  CHECK(credentials.allows(Access::write, "Bearer final-token"));
  CHECK_FALSE(credentials.allows(Access::write, "Bearer next-token"));
}
