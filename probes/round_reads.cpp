// The round's shared reads: each made once, outside the lock, so that no caller waits on
// another's read.
#include "probes/round_reads.hpp"

namespace capprobe::probes {

template <class T, class Read>
const T& RoundReads::once(std::shared_ptr<const T>& slot, Read read) {
  {
    std::lock_guard lock(mutex_);
    if (slot) return *slot;
  }
  auto fresh = std::make_shared<const T>(read());
  std::lock_guard lock(mutex_);
  if (!slot) slot = std::move(fresh);
  return *slot;
}

const RoundReads::Mounts& RoundReads::mounts(const platform::Platform& os) {
  return once(mounts_, [&os] { return read_mounts(os); });
}

const ns::ProcessScan& RoundReads::process_scan(const platform::Platform& os) {
  return once(process_scan_, [&os] { return ns::scan_processes(os); });
}

RoundReads& round_reads(ProbeContext& ctx) {
  if (!ctx.reads) ctx.reads = std::make_shared<RoundReads>();
  return *ctx.reads;
}

const RoundReads::Mounts& mounts_of(ProbeContext& ctx) {
  return round_reads(ctx).mounts(ctx.os);
}

const ns::ProcessScan& process_scan_of(ProbeContext& ctx) {
  return round_reads(ctx).process_scan(ctx.os);
}

}  // namespace capprobe::probes
