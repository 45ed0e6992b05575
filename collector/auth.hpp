// Who may read and who may write (DESIGN.md "Collector API"). A credential is a token, presented
// as `Authorization: Bearer <token>` or as the password of HTTP Basic (any user name, so that a
// person can open the page in a browser). Tokens come from files that may hold several (one a
// line, so a token rotates without a gap) and that are re-read when they change; they are
// compared in constant time and never logged.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "collector/watched_files.hpp"

namespace capprobe::collector {

// What a request needs.
enum class Access {
  open,   // GET /healthz: kubelet probes and load balancers hold no token
  read,   // every request but the report POST and /healthz: the fleet's data
  write,  // POST /api/v1/reports
};

// The tokens of one file: one a line; blank lines and whitespace around a token are ignored.
class TokenSet {
 public:
  TokenSet() = default;
  static TokenSet parse(std::string_view text);

  bool empty() const { return tokens_.empty(); }
  std::size_t size() const { return tokens_.size(); }
  // Compares `secret` with every token, whichever matches, each comparison without an early
  // exit: the time taken does not tell which token (or how much of one) was right.
  bool contains(std::string_view secret) const;

 private:
  std::vector<std::string> tokens_;
};

// The secret an Authorization header presents: the token of "Bearer <token>", or the password of
// "Basic <base64 of user:password>". Scheme names are case-insensitive (RFC 7235). nullopt: no
// header, another scheme, or a malformed one.
std::optional<std::string> presented_secret(std::string_view authorization);

// The rules at one moment.
struct AccessRules {
  std::optional<TokenSet> write;  // nullopt: anyone may write (no --token-file)
  std::optional<TokenSet> read;   // nullopt: anyone may read (--public-read)

  bool allows(Access need, std::string_view authorization) const;
};

struct CredentialFiles {
  std::optional<std::string> write_tokens;  // --token-file
  std::optional<std::string> read_tokens;   // --read-token-file; without it the write tokens read
  bool public_read = false;                 // --public-read
};

// The rules as the files say, kept up to date.
class Credentials {
 public:
  // Reads the files. Throws std::runtime_error naming the file when one cannot be read or holds
  // no token: a collector asked to require a token must not start open.
  explicit Credentials(const CredentialFiles& files);
  // Fixed rules, no files (tests).
  explicit Credentials(AccessRules rules);

  bool allows(Access need, std::string_view authorization) const;

  // Re-reads the token files that changed. A file that cannot be read or holds no token keeps
  // the tokens in use, and the log says so. One caller at a time (the reload timer).
  void reload(spdlog::logger& log);

  bool writes_open() const;
  bool reads_public() const;
  // "writes=token reads=read-token" (token counts, never tokens) for the start-up log.
  std::string summary() const;

 private:
  struct TokenFile {
    std::string flag;  // "--token-file"
    WatchedFiles watched;
    TokenSet tokens;
  };
  void publish();

  bool public_read_ = false;
  std::optional<TokenFile> write_file_;
  std::optional<TokenFile> read_file_;
  std::atomic<std::shared_ptr<const AccessRules>> rules_;
};

// Compares without an early exit, so the time taken does not tell how much of a guess was right.
bool constant_time_equal(std::string_view expected, std::string_view given);

}  // namespace capprobe::collector
