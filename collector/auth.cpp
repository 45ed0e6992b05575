// Token files, the Authorization header's two schemes and the constant-time comparison.
#include "collector/auth.hpp"

#include <array>
#include <stdexcept>

namespace capprobe::collector {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// "Bearer x" for scheme "bearer": the rest after the scheme and its space(s), or nullopt.
std::optional<std::string_view> after_scheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || !is_space(header[scheme.size()])) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (lower(header[i]) != scheme[i]) return std::nullopt;
  return trim(header.substr(scheme.size()));
}

// Strict base64 (RFC 4648 with padding, as RFC 7617 asks); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text) {
  static const std::array<signed char, 256> kValue = [] {
    std::array<signed char, 256> table{};
    table.fill(-1);
    const std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
      table[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    return table;
  }();
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    // Padding only ends the last quartet: "xx==" or "xxx=".
    std::size_t padding = 0;
    if (i + 4 == text.size() && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    unsigned bits = 0;
    for (std::size_t j = 0; j < 4 - padding; ++j) {
      const auto value = kValue[static_cast<unsigned char>(text[i + j])];
      if (value < 0) return std::nullopt;
      bits = (bits << 6) | static_cast<unsigned>(value);
    }
    bits <<= 6 * padding;
    out += static_cast<char>((bits >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

}  // namespace

TokenSet TokenSet::parse(std::string_view text) {
  TokenSet set;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = trim(text.substr(0, end));
    if (!line.empty()) set.tokens_.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return set;
}

bool TokenSet::contains(std::string_view secret) const {
  bool found = false;
  for (const auto& token : tokens_) found |= constant_time_equal(token, secret);
  return found;
}

std::optional<std::string> presented_secret(std::string_view authorization) {
  authorization = trim(authorization);
  if (const auto token = after_scheme(authorization, "bearer")) {
    if (token->empty()) return std::nullopt;
    return std::string(*token);
  }
  if (const auto encoded = after_scheme(authorization, "basic")) {
    const auto decoded = base64_decode(*encoded);
    if (!decoded) return std::nullopt;
    // A user name cannot hold a colon (RFC 7617); the password, the token, may.
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return decoded->substr(colon + 1);
  }
  return std::nullopt;
}

bool AccessRules::allows(Access need, std::string_view authorization) const {
  const std::optional<TokenSet>* tokens = nullptr;
  switch (need) {
    case Access::open:
      return true;
    case Access::read:
      tokens = &read;
      break;
    case Access::write:
      tokens = &write;
      break;
  }
  if (!tokens->has_value()) return true;
  const auto secret = presented_secret(authorization);
  return secret && !secret->empty() && (*tokens)->contains(*secret);
}

bool constant_time_equal(std::string_view expected, std::string_view given) {
  // The loop runs over the guess, so its length is all the timing reveals; the length check is
  // folded into the same accumulator.
  unsigned char difference = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const char want = expected.empty() ? '\0' : expected[i % expected.size()];
    difference |= static_cast<unsigned char>(want ^ given[i]);
  }
  return difference == 0;
}

Credentials::Credentials(const CredentialFiles& files) : public_read_(files.public_read) {
  const auto open = [](const std::string& flag, const std::string& path) {
    TokenFile file{flag, WatchedFiles({path}), {}};
    const auto contents = file.watched.read();
    if (!contents.error.empty()) throw std::runtime_error(flag + ": " + contents.error);
    file.tokens = TokenSet::parse(contents.texts.at(0));
    if (file.tokens.empty())
      throw std::runtime_error(flag + ": " + path + " holds no token (one a line)");
    file.watched.taken();
    return file;
  };
  if (files.write_tokens) write_file_.emplace(open("--token-file", *files.write_tokens));
  if (files.read_tokens) read_file_.emplace(open("--read-token-file", *files.read_tokens));
  publish();
}

Credentials::Credentials(AccessRules rules)
    : public_read_(!rules.read), rules_(std::make_shared<const AccessRules>(std::move(rules))) {}

bool Credentials::allows(Access need, std::string_view authorization) const {
  return rules_.load(std::memory_order_acquire)->allows(need, authorization);
}

void Credentials::publish() {
  AccessRules rules;
  if (write_file_) rules.write = write_file_->tokens;
  // Without a read token file the write tokens read too. With no token at all nobody could read:
  // options.cpp refuses that start, and here it fails closed.
  if (read_file_) {
    rules.read = read_file_->tokens;
  } else if (!public_read_) {
    rules.read = rules.write ? *rules.write : TokenSet();
  }
  rules_.store(std::make_shared<const AccessRules>(std::move(rules)), std::memory_order_release);
}

void Credentials::reload(spdlog::logger& log) {
  bool changed = false;
  for (auto* file : {write_file_ ? &*write_file_ : nullptr, read_file_ ? &*read_file_ : nullptr}) {
    if (!file) continue;
    const auto contents = file->watched.poll();
    if (!contents) continue;
    const auto& path = file->watched.paths().at(0);
    auto tokens = contents->error.empty() ? TokenSet::parse(contents->texts.at(0)) : TokenSet();
    if (tokens.empty()) {
      file->watched.refused();
      log.error("The {} {} changed but {}: kept the tokens in use ({})", file->flag, path,
                contents->error.empty() ? "holds no token" : contents->error, file->tokens.size());
      continue;
    }
    file->watched.taken();
    log.info("Re-read the {} {}: tokens={} (was {})", file->flag, path, tokens.size(),
             file->tokens.size());
    file->tokens = std::move(tokens);
    changed = true;
  }
  if (changed) publish();
}

bool Credentials::writes_open() const {
  return !rules_.load()->write.has_value();
}

bool Credentials::reads_public() const {
  return !rules_.load()->read.has_value();
}

std::string Credentials::summary() const {
  const auto rules = rules_.load();
  std::string text = rules->write ? "writes=token" : "writes=open";
  if (!rules->read)
    text += " reads=public";
  else if (read_file_)
    text += " reads=read-token";
  else
    text += " reads=token";
  return text;
}

}  // namespace capprobe::collector
