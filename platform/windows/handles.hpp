// Owners for the two kinds of Win32 handle the file calls hold, so that every early return
// closes what it opened.
#pragma once

#include <windows.h>

#include <utility>

namespace capprobe::platform::win32 {

// A handle from CreateFileW, OpenProcess...: INVALID_HANDLE_VALUE and null both mean none.
class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(HANDLE handle) : handle_(handle) {}
  ~UniqueHandle() { reset(); }
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;

  bool valid() const { return handle_ != nullptr && handle_ != INVALID_HANDLE_VALUE; }
  HANDLE get() const { return handle_; }
  // CloseHandle's own failure is reported by the caller when it matters (a written file).
  BOOL close() { return valid() ? ::CloseHandle(std::exchange(handle_, nullptr)) : TRUE; }
  void reset() { close(); }

 private:
  HANDLE handle_ = nullptr;
};

// A search handle from FindFirstFileW, which FindClose (not CloseHandle) releases.
class FindHandle {
 public:
  explicit FindHandle(HANDLE handle) : handle_(handle) {}
  ~FindHandle() {
    if (valid()) ::FindClose(handle_);
  }
  FindHandle(const FindHandle&) = delete;
  FindHandle& operator=(const FindHandle&) = delete;

  bool valid() const { return handle_ != INVALID_HANDLE_VALUE; }
  HANDLE get() const { return handle_; }

 private:
  HANDLE handle_;
};

}  // namespace capprobe::platform::win32
