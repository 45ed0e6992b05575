// Reading the watched files and deciding when a change is ready to be taken.
#include "collector/watched_files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace capprobe::collector {

WatchedFiles::WatchedFiles(std::vector<std::string> paths, std::size_t max_bytes)
    : paths_(std::move(paths)), max_bytes_(max_bytes) {}

WatchedFiles::Contents WatchedFiles::read() {
  Contents contents;
  for (const auto& path : paths_) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      contents.error = "cannot read " + path + ": " + std::strerror(errno);
      break;
    }
    std::string text;
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) {
      contents.error = "cannot read " + path;
      break;
    }
    if (text.size() > max_bytes_) {
      contents.error = path + " is larger than " + std::to_string(max_bytes_) + " bytes";
      break;
    }
    contents.texts.push_back(std::move(text));
  }
  if (!contents.error.empty()) contents.texts.clear();
  candidate_ = fingerprint(contents);
  previous_ = candidate_;
  return contents;
}

std::optional<WatchedFiles::Contents> WatchedFiles::poll() {
  const std::string before = previous_;
  auto contents = read();  // sets previous_ and candidate_ to what was read now
  const bool settled = candidate_ == before;
  if (!settled || candidate_ == in_use_ || candidate_ == refused_) return std::nullopt;
  return contents;
}

void WatchedFiles::taken() {
  in_use_ = candidate_;
  refused_.clear();
}

void WatchedFiles::refused() {
  refused_ = candidate_;
}

std::string WatchedFiles::fingerprint(const Contents& contents) {
  // Length-prefixed, so that no two different sets of contents look the same.
  if (!contents.error.empty()) return "!" + contents.error;
  std::string key;
  for (const auto& text : contents.texts) {
    key += std::to_string(text.size());
    key += ':';
    key += text;
  }
  return key;
}

}  // namespace capprobe::collector
