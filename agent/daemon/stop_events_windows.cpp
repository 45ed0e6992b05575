// Windows implementation of stop_events.hpp: the console control events, through
// SetConsoleCtrlHandler. Ctrl+C and Ctrl+Break at a console; CTRL_CLOSE when the console
// window closes; CTRL_SHUTDOWN when the system shuts down, and when a Windows container (a
// HostProcess pod too) is stopped, e.g. at pod deletion. CTRL_LOGOFF is ignored: a user's
// logoff is no reason for a node agent to stop.
#include <windows.h>

#include <memory>
#include <mutex>
#include <optional>

#include "agent/daemon/stop_events.hpp"

namespace capprobe::agent::daemon {
namespace {

// What the handler, which Windows calls on a thread of its own, hands each event to. The
// handler function takes no context, so the one listening StopEvents is kept here.
struct Listening {
  net::io_context* loop = nullptr;
  std::function<void(const std::string&)> on_stop;
};

std::mutex listening_mutex;
std::shared_ptr<Listening> listening;  // null: nobody listens, Windows' default applies

const char* event_name(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT:
      return "CTRL_C_EVENT";
    case CTRL_BREAK_EVENT:
      return "CTRL_BREAK_EVENT";
    case CTRL_CLOSE_EVENT:
      return "CTRL_CLOSE_EVENT";
    case CTRL_LOGOFF_EVENT:
      return "CTRL_LOGOFF_EVENT";
    case CTRL_SHUTDOWN_EVENT:
      return "CTRL_SHUTDOWN_EVENT";
  }
  return "an unknown console event";
}

BOOL WINAPI on_console_event(DWORD type) {
  if (type == CTRL_LOGOFF_EVENT) return TRUE;  // handled: keep running
  std::shared_ptr<Listening> target;
  {
    std::lock_guard lock(listening_mutex);
    target = listening;
  }
  if (!target) return FALSE;  // Windows' default handler: ExitProcess
  const std::string what = "console event " + std::to_string(type) + " (" + event_name(type) + ")";
  net::post(*target->loop, [target, what] {
    bool still_listening = false;
    {
      std::lock_guard lock(listening_mutex);
      still_listening = listening == target;
    }
    if (still_listening) target->on_stop(what);  // unlocked: on_stop may cancel()
  });
  if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT) return TRUE;
  // CTRL_CLOSE and CTRL_SHUTDOWN: Windows ends the process as soon as this handler returns.
  // So it does not return: the agent finishes the delivery under way, keeps the spool, and its
  // exit ends this thread with the process. Windows' own timeout for the event (or the pod's
  // termination grace period) still bounds the wait.
  ::Sleep(INFINITE);
  return TRUE;
}

}  // namespace

struct StopEvents::Impl {
  explicit Impl(net::io_context& loop) : loop(loop) {}
  net::io_context& loop;
  std::shared_ptr<Listening> mine;
  bool registered = false;
  // Keeps the loop running while we listen, as the pending wait of Asio's signal_set does on
  // Linux: without it the loop would end as soon as it had nothing else to do.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> waiting;
};

StopEvents::StopEvents(net::io_context& loop) : impl_(std::make_unique<Impl>(loop)) {}

StopEvents::~StopEvents() {
  cancel();
}

void StopEvents::start(std::function<void(const std::string& what)> on_stop) {
  auto mine = std::make_shared<Listening>();
  mine->loop = &impl_->loop;
  mine->on_stop = std::move(on_stop);
  {
    std::lock_guard lock(listening_mutex);
    listening = mine;
  }
  impl_->mine = std::move(mine);
  impl_->waiting.emplace(impl_->loop.get_executor());
  if (!impl_->registered) impl_->registered = ::SetConsoleCtrlHandler(on_console_event, TRUE);
}

void StopEvents::cancel() {
  {
    std::lock_guard lock(listening_mutex);
    if (listening == impl_->mine) listening.reset();
  }
  impl_->waiting.reset();
  if (impl_->registered) {
    ::SetConsoleCtrlHandler(on_console_event, FALSE);
    impl_->registered = false;
  }
}

}  // namespace capprobe::agent::daemon
