// winhttp_exchange.hpp's request: the WinHTTP handles, the bundle's chain check in the status
// callback, and a watchdog for the whole exchange.
#include <windows.h>
// After windows.h, which they need.
#include <wincrypt.h>
#include <winhttp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "agent/daemon/delivery.hpp"
#include "agent/daemon/winhttp_exchange.hpp"
#include "platform/utf8_path.hpp"
#include "platform/windows/utf16.hpp"

namespace capprobe::agent::daemon {
namespace {

constexpr std::size_t kMaxCaFileBytes = 4u << 20;

std::string hex(DWORD code) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(code));
  return text;
}

// WinHTTP's errors by name, as a log reader searches for them.
std::string winhttp_error(DWORD code) {
  static const std::pair<DWORD, const char*> names[] = {
      {ERROR_WINHTTP_TIMEOUT, "ERROR_WINHTTP_TIMEOUT"},
      {ERROR_WINHTTP_INVALID_URL, "ERROR_WINHTTP_INVALID_URL"},
      {ERROR_WINHTTP_UNRECOGNIZED_SCHEME, "ERROR_WINHTTP_UNRECOGNIZED_SCHEME"},
      {ERROR_WINHTTP_NAME_NOT_RESOLVED, "ERROR_WINHTTP_NAME_NOT_RESOLVED"},
      {ERROR_WINHTTP_OPERATION_CANCELLED, "ERROR_WINHTTP_OPERATION_CANCELLED"},
      {ERROR_WINHTTP_CANNOT_CONNECT, "ERROR_WINHTTP_CANNOT_CONNECT"},
      {ERROR_WINHTTP_CONNECTION_ERROR, "ERROR_WINHTTP_CONNECTION_ERROR"},
      {ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "ERROR_WINHTTP_INVALID_SERVER_RESPONSE"},
      {ERROR_WINHTTP_SECURE_FAILURE, "ERROR_WINHTTP_SECURE_FAILURE"},
      {ERROR_WINHTTP_SECURE_CHANNEL_ERROR, "ERROR_WINHTTP_SECURE_CHANNEL_ERROR"},
      {ERROR_WINHTTP_SECURE_INVALID_CA, "ERROR_WINHTTP_SECURE_INVALID_CA"},
      {ERROR_WINHTTP_SECURE_CERT_CN_INVALID, "ERROR_WINHTTP_SECURE_CERT_CN_INVALID"},
      {ERROR_WINHTTP_SECURE_CERT_DATE_INVALID, "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID"},
      {ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, "ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED"},
  };
  for (const auto& [value, name] : names)
    if (value == code) return std::string(name) + " (" + std::to_string(code) + ")";
  return "error " + std::to_string(code);
}

// What WINHTTP_CALLBACK_STATUS_SECURE_FAILURE said about the server's certificate.
std::string secure_failure_text(DWORD flags) {
  static const std::pair<DWORD, const char*> names[] = {
      {WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA, "unknown or untrusted CA"},
      {WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID, "the name does not match the host"},
      {WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID, "expired or not yet valid"},
      {WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT, "invalid certificate"},
      {WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED, "revoked"},
      {WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED, "revocation check failed"},
      {WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE, "not for server authentication"},
      {WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR, "TLS channel error"},
  };
  std::string text;
  for (const auto& [flag, name] : names)
    if ((flags & flag) != 0) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

// The chain policy's verdicts by name; `ca_name` names the bundle.
std::string trust_error(DWORD code, const std::string& ca_name) {
  if (code == static_cast<DWORD>(CERT_E_UNTRUSTEDROOT))
    return "CERT_E_UNTRUSTEDROOT: not issued by a CA of " + ca_name;
  if (code == static_cast<DWORD>(CERT_E_CHAINING))
    return "CERT_E_CHAINING: no chain to a CA of " + ca_name;
  static const std::pair<DWORD, const char*> names[] = {
      {static_cast<DWORD>(CERT_E_CN_NO_MATCH),
       "CERT_E_CN_NO_MATCH: the name does not match the host"},
      {static_cast<DWORD>(CERT_E_EXPIRED), "CERT_E_EXPIRED: expired or not yet valid"},
      {static_cast<DWORD>(CERT_E_WRONG_USAGE), "CERT_E_WRONG_USAGE: not for server authentication"},
      {static_cast<DWORD>(TRUST_E_CERT_SIGNATURE), "TRUST_E_CERT_SIGNATURE: a bad signature"},
      {static_cast<DWORD>(CERT_E_REVOKED), "CERT_E_REVOKED: revoked"},
  };
  for (const auto& [value, name] : names)
    if (value == code) return name;
  return "chain policy error " + hex(code);
}

class Internet {
 public:
  explicit Internet(HINTERNET handle = nullptr) : handle_(handle) {}
  ~Internet() { close(); }
  Internet(const Internet&) = delete;
  Internet& operator=(const Internet&) = delete;
  HINTERNET get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }
  // Exactly once, whoever comes first: the watchdog, the certificate check or the destructor.
  void close() {
    if (const HINTERNET handle = handle_.exchange(nullptr)) ::WinHttpCloseHandle(handle);
  }

 private:
  std::atomic<HINTERNET> handle_;
};

class CertStore {
 public:
  CertStore() : store_(::CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, nullptr)) {}
  ~CertStore() {
    if (store_ != nullptr) ::CertCloseStore(store_, 0);
  }
  CertStore(const CertStore&) = delete;
  CertStore& operator=(const CertStore&) = delete;
  HCERTSTORE get() const { return store_; }

 private:
  HCERTSTORE store_;
};

// A chain engine whose only roots are a store's certificates.
class ChainEngine {
 public:
  ChainEngine() = default;
  ~ChainEngine() {
    if (engine_ != nullptr) ::CertFreeCertificateChainEngine(engine_);
  }
  ChainEngine(const ChainEngine&) = delete;
  ChainEngine& operator=(const ChainEngine&) = delete;
  HCERTCHAINENGINE get() const { return engine_; }
  // "" or why the system cannot make one (Wine's crypt32 has no exclusive root engine).
  std::string create(HCERTSTORE anchors, const std::string& ca_name) {
    CERT_CHAIN_ENGINE_CONFIG config{};
    config.cbSize = sizeof config;
    config.hExclusiveRoot = anchors;
    config.dwExclusiveFlags = CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG;
    if (::CertCreateCertificateChainEngine(&config, &engine_)) return "";
    engine_ = nullptr;
    return "this system cannot build a chain engine with only the CAs of " + ca_name + " (" +
           hex(::GetLastError()) + ")";
  }

 private:
  HCERTCHAINENGINE engine_ = nullptr;
};

// The certificates of a PEM bundle into `store`; "" or why not.
std::string load_ca_file(const std::string& path, const std::string& ca_name, CertStore& store) {
  if (store.get() == nullptr) return "CertOpenStore failed: " + hex(::GetLastError());
  std::ifstream in(platform::utf8_path(path), std::ios::binary);
  if (!in) return "cannot read " + ca_name;
  std::string pem(kMaxCaFileBytes + 1, '\0');
  in.read(pem.data(), static_cast<std::streamsize>(pem.size()));
  pem.resize(static_cast<std::size_t>(in.gcount()));
  if (pem.size() > kMaxCaFileBytes) return ca_name + " is too large";
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  int loaded = 0;
  for (std::size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at)) {
    const auto end = pem.find(kEnd, at);
    if (end == std::string::npos) return ca_name + ": a certificate has no END line";
    const auto block = pem.substr(at, end + kEnd.size() - at);
    DWORD size = 0;
    if (!::CryptStringToBinaryA(block.data(), static_cast<DWORD>(block.size()),
                                CRYPT_STRING_BASE64HEADER, nullptr, &size, nullptr, nullptr))
      return ca_name + ": certificate " + std::to_string(loaded + 1) + " is not base64";
    std::string der(size, '\0');
    if (!::CryptStringToBinaryA(block.data(), static_cast<DWORD>(block.size()),
                                CRYPT_STRING_BASE64HEADER, reinterpret_cast<BYTE*>(der.data()),
                                &size, nullptr, nullptr) ||
        !::CertAddEncodedCertificateToStore(store.get(), X509_ASN_ENCODING,
                                            reinterpret_cast<const BYTE*>(der.data()), size,
                                            CERT_STORE_ADD_ALWAYS, nullptr))
      return ca_name + ": certificate " + std::to_string(loaded + 1) +
             " is not an X.509 certificate (" + hex(::GetLastError()) + ")";
    ++loaded;
    at = end + kEnd.size();
  }
  if (loaded == 0) return ca_name + " holds no PEM certificate";
  return "";
}

// The server's chain against the bundle alone, and the host name; "" when it holds.
std::string verify_against_bundle(PCCERT_CONTEXT server, HCERTCHAINENGINE engine,
                                  const std::wstring& host, const std::string& ca_name) {
  LPSTR server_auth = const_cast<LPSTR>(szOID_PKIX_KP_SERVER_AUTH);
  CERT_CHAIN_PARA para{};
  para.cbSize = sizeof para;
  para.RequestedUsage.dwType = USAGE_MATCH_TYPE_AND;
  para.RequestedUsage.Usage.cUsageIdentifier = 1;
  para.RequestedUsage.Usage.rgpszUsageIdentifier = &server_auth;
  PCCERT_CHAIN_CONTEXT chain = nullptr;
  // The server's own intermediates come with its certificate (server->hCertStore).
  const BOOL built = ::CertGetCertificateChain(engine, server, nullptr, server->hCertStore, &para,
                                               0, nullptr, &chain);
  const DWORD build_error = ::GetLastError();
  std::string verdict;
  if (!built) {
    verdict = "CertGetCertificateChain failed (" + hex(build_error) + ")";
  } else {
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl{};
    ssl.cbSize = sizeof ssl;
    ssl.dwAuthType = AUTHTYPE_SERVER;
    ssl.pwszServerName = const_cast<wchar_t*>(host.c_str());
    CERT_CHAIN_POLICY_PARA policy{};
    policy.cbSize = sizeof policy;
    policy.pvExtraPolicyPara = &ssl;
    CERT_CHAIN_POLICY_STATUS status{};
    status.cbSize = sizeof status;
    if (!::CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy, &status))
      verdict = "CertVerifyCertificateChainPolicy failed (" + hex(::GetLastError()) + ")";
    else if (status.dwError != 0)
      verdict = trust_error(status.dwError, ca_name);
    else if (chain->TrustStatus.dwErrorStatus != CERT_TRUST_NO_ERROR)
      verdict = "the chain has trust errors " + hex(chain->TrustStatus.dwErrorStatus);
    ::CertFreeCertificateChain(chain);
  }
  return verdict;
}

// What the status callback learns about one request.
struct RequestState {
  Internet* request = nullptr;
  HCERTCHAINENGINE engine = nullptr;  // the bundle's roots alone, or null: WinHTTP's own check
  std::wstring host;                  // as the SSL policy matches it: no brackets, no zone
  const WinHttpExchange* exchange = nullptr;
  bool bundle_checked = false;  // the chain verified against the bundle before sending
  std::string refused;          // why the certificate check closed the request
  DWORD secure_failure = 0;     // WinHTTP's own verdict flags
};

void CALLBACK on_status(HINTERNET handle, DWORD_PTR context, DWORD status, LPVOID info,
                        DWORD length) {
  auto* state = reinterpret_cast<RequestState*>(context);
  if (state == nullptr) return;
  if (status == WINHTTP_CALLBACK_STATUS_SECURE_FAILURE && info != nullptr &&
      length >= sizeof(DWORD)) {
    state->secure_failure = *static_cast<const DWORD*>(info);
    return;
  }
  if (status != WINHTTP_CALLBACK_STATUS_SENDING_REQUEST || state->engine == nullptr) return;
  PCCERT_CONTEXT server = nullptr;
  DWORD size = sizeof server;
  if (!::WinHttpQueryOption(handle, WINHTTP_OPTION_SERVER_CERT_CONTEXT, &server, &size) ||
      server == nullptr) {
    state->refused =
        state->exchange->peer + "'s certificate could not be read (" + hex(::GetLastError()) + ")";
  } else {
    state->refused =
        verify_against_bundle(server, state->engine, state->host, state->exchange->ca_name);
    ::CertFreeCertificateContext(server);
  }
  if (state->refused.empty())
    state->bundle_checked = true;
  else
    state->request->close();  // nothing is sent: WinHttpSendRequest fails, cancelled
}

// Closes the request when the whole delivery's time is up: WinHTTP's timeouts are per step.
class Watchdog {
 public:
  Watchdog(Internet& request, Millis limit)
      : thread_([this, &request, limit] {
          std::unique_lock lock(mutex_);
          if (!done_.wait_for(lock, limit, [this] { return finished_; })) {
            fired_ = true;
            request.close();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    done_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: it starts with the members above ready
};

// Wine's ntdll exports wine_get_version; Windows' has no such function.
bool running_under_wine() {
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

WinHttpResult failed(WinHttpFailure failure, std::string detail) {
  WinHttpResult result;
  result.failure = failure;
  result.detail = std::move(detail);
  return result;
}

// Wipes a string that held a secret before it is freed.
template <typename Text>
void wipe(Text& text) {
  std::fill(text.begin(), text.end(), typename Text::value_type{});
}

}  // namespace

WinHttpResult winhttp_exchange(WinHttpExchange& exchange) {
  struct WipeHeaders {
    std::string& headers;
    ~WipeHeaders() { wipe(headers); }
  } wipe_headers{exchange.headers};
  constexpr auto other = WinHttpFailure::other;
  constexpr auto tls = WinHttpFailure::tls;

  const auto url = platform::win32::to_utf16(exchange.url);
  if (!url) return failed(other, "the URL is not UTF-8");
  URL_COMPONENTS parts{};
  parts.dwStructSize = sizeof parts;
  parts.dwSchemeLength = parts.dwHostNameLength = parts.dwUrlPathLength = parts.dwExtraInfoLength =
      static_cast<DWORD>(-1);
  if (!::WinHttpCrackUrl(url.value().c_str(), 0, 0, &parts))
    return failed(other,
                  "cannot parse the URL " + exchange.url + ": " + winhttp_error(::GetLastError()));
  const bool secure = parts.nScheme == INTERNET_SCHEME_HTTPS;
  if (!secure && (exchange.https_only || parts.nScheme != INTERNET_SCHEME_HTTP))
    return failed(other, std::string("the URL must be ") +
                             (exchange.https_only ? "https: " : "http or https: ") + exchange.url);
  // As WinHTTP cracked it, an IPv6 literal still in its brackets: WinHttpConnect needs them on
  // Windows (.NET's WinHttpHandler passes them for that reason, dotnet/corefx#28849). Wine 8.0's
  // WinHTTP cannot resolve a bracketed host; no test here connects to one.
  const std::wstring host(parts.lpszHostName, parts.dwHostNameLength);
  std::wstring path(parts.lpszUrlPath, parts.dwUrlPathLength);
  path.append(parts.lpszExtraInfo, parts.dwExtraInfoLength);

  CertStore anchors;
  ChainEngine engine;
  const bool pinned = secure && exchange.ca_file;
  if (pinned) {
    if (auto problem = load_ca_file(*exchange.ca_file, exchange.ca_name, anchors); !problem.empty())
      return failed(tls, problem);
    if (auto problem = engine.create(anchors.get(), exchange.ca_name); !problem.empty())
      return failed(tls, problem);
    // Under Wine, closing the request in the SENDING_REQUEST callback does not stop WinHTTP from
    // sending its headers (seen with Wine 8.0), so a secret could reach a server that failed the
    // check. Reached only by a Wine whose crypt32 has the exclusive root engine.
    if (exchange.carries_secret && running_under_wine())
      return failed(tls,
                    "a bundle-checked request with a token is refused under Wine: its WinHTTP "
                    "sends the headers (the token) even when the certificate check closes "
                    "the request");
  }

  const Internet session(::WinHttpOpen(
      L"capprobe/" CAPPROBE_VERSION,
      exchange.system_proxy ? WINHTTP_ACCESS_TYPE_DEFAULT_PROXY : WINHTTP_ACCESS_TYPE_NO_PROXY,
      WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0));
  if (!session) return failed(other, "WinHttpOpen: " + winhttp_error(::GetLastError()));
  const auto connect_ms =
      static_cast<int>(std::min(exchange.connect_timeout, exchange.timeout).count());
  const auto total_ms = static_cast<int>(exchange.timeout.count());
  ::WinHttpSetTimeouts(session.get(), connect_ms, connect_ms, total_ms, total_ms);
  const Internet connection(::WinHttpConnect(session.get(), host.c_str(), parts.nPort, 0));
  if (!connection) return failed(other, "WinHttpConnect: " + winhttp_error(::GetLastError()));
  Internet request(::WinHttpOpenRequest(connection.get(), exchange.verb, path.c_str(), nullptr,
                                        WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES,
                                        secure ? WINHTTP_FLAG_SECURE : 0));
  if (!request) return failed(other, "WinHttpOpenRequest: " + winhttp_error(::GetLastError()));

  // As with libcurl: no redirects followed, no cookies, and never the machine's Windows
  // credentials offered to a server that asks for authentication.
  DWORD features =
      WINHTTP_DISABLE_REDIRECTS | WINHTTP_DISABLE_COOKIES | WINHTTP_DISABLE_AUTHENTICATION;
  if (!::WinHttpSetOption(request.get(), WINHTTP_OPTION_DISABLE_FEATURE, &features,
                          sizeof features))
    return failed(
        other, "cannot turn off redirects and authentication: " + winhttp_error(::GetLastError()));
  DWORD autologon = WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH;
  ::WinHttpSetOption(request.get(), WINHTTP_OPTION_AUTOLOGON_POLICY, &autologon, sizeof autologon);

  RequestState state;
  state.request = &request;
  const auto name =
      platform::win32::to_utf16(certificate_host_name(platform::win32::to_utf8(host)));
  state.host = name ? name.value() : host;
  state.exchange = &exchange;
  if (pinned) {
    state.engine = engine.get();
    DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    if (!::WinHttpSetOption(request.get(), WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof flags))
      return failed(tls, "cannot hand the certificate check to " + exchange.ca_name + ": " +
                             winhttp_error(::GetLastError()));
  }
  auto* context = &state;
  ::WinHttpSetOption(request.get(), WINHTTP_OPTION_CONTEXT_VALUE, &context, sizeof context);
  if (::WinHttpSetStatusCallback(
          request.get(), on_status,
          WINHTTP_CALLBACK_FLAG_SECURE_FAILURE | WINHTTP_CALLBACK_FLAG_SEND_REQUEST,
          0) == WINHTTP_INVALID_STATUS_CALLBACK)
    return failed(other, "WinHttpSetStatusCallback: " + winhttp_error(::GetLastError()));

  auto converted = platform::win32::to_utf16(exchange.headers);
  wipe(exchange.headers);
  if (!converted) return failed(other, "a header is not text");
  std::wstring headers = std::move(converted).value();
  struct WipeWide {
    std::wstring& text;
    ~WipeWide() { wipe(text); }
  } wipe_wide{headers};

  WinHttpResult result;
  const auto& body = exchange.body;
  DWORD failure = 0;
  bool timed_out = false;
  {
    Watchdog watchdog(request, exchange.timeout);
    result.attempted = true;
    // The body goes out only after the handshake, and only once the bundle's check passed:
    // WinHttpWriteData after WinHttpSendRequest sent the headers.
    BOOL ok = ::WinHttpSendRequest(
        request.get(), headers.empty() ? WINHTTP_NO_ADDITIONAL_HEADERS : headers.c_str(),
        headers.empty() ? 0 : static_cast<DWORD>(-1), WINHTTP_NO_REQUEST_DATA, 0,
        static_cast<DWORD>(body.size()), 0);
    wipe(headers);
    if (ok && state.engine != nullptr && !state.bundle_checked) {
      ok = FALSE;
      ::SetLastError(ERROR_WINHTTP_OPERATION_CANCELLED);
    }
    for (std::size_t sent = 0; ok && sent < body.size();) {
      DWORD wrote = 0;
      ok = ::WinHttpWriteData(request.get(), body.data() + sent,
                              static_cast<DWORD>(body.size() - sent), &wrote);
      sent += wrote;
    }
    if (ok) ok = ::WinHttpReceiveResponse(request.get(), nullptr);
    DWORD status = 0;
    if (ok) {
      DWORD size = sizeof status;
      ok = ::WinHttpQueryHeaders(
          request.get(), WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
          WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX);
    }
    result.status = static_cast<long>(status);
    char buffer[16384];
    while (ok) {
      DWORD got = 0;
      if (!::WinHttpReadData(request.get(), buffer, sizeof buffer, &got)) {
        ok = FALSE;
        break;
      }
      if (got == 0) break;
      const auto room = exchange.max_answer_bytes - result.answer.size();
      result.answer.append(buffer, std::min<std::size_t>(got, room));
      if (got > room) {
        result.too_large = !exchange.truncate_answer;
        break;
      }
    }
    if (!ok) failure = ::GetLastError();
    timed_out = watchdog.fired();
  }

  const auto after_sending = [](WinHttpFailure failure, std::string detail) {
    auto result = failed(failure, std::move(detail));
    result.attempted = true;
    return result;
  };
  if (!state.refused.empty()) return after_sending(tls, state.refused);
  if (timed_out)
    return after_sending(WinHttpFailure::timed_out, "no answer from " + exchange.peer + " within " +
                                                        std::to_string(total_ms) + " ms");
  if (failure != 0) {
    auto detail = winhttp_error(failure);
    if (state.secure_failure != 0)
      return after_sending(tls, detail + ": " + exchange.peer +
                                    "'s certificate: " + secure_failure_text(state.secure_failure));
    return after_sending(failure == ERROR_WINHTTP_TIMEOUT ? WinHttpFailure::timed_out : other,
                         detail);
  }
  // The bundle's check must have run before anything was sent; an answer without it is not
  // trusted.
  if (state.engine != nullptr && !state.bundle_checked)
    return after_sending(
        tls, exchange.peer + "'s certificate was not checked against " + exchange.ca_name);
  result.failure = WinHttpFailure::none;
  return result;
}

}  // namespace capprobe::agent::daemon
