// Random sequences of reports, removals and clock moves over a small fleet (few nodes, groups and
// capabilities, so that every count goes up and down again), for the tests that hold the
// incremental matrix equal to one computed from scratch.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "collector/fleet.hpp"
#include "support/text.hpp"

namespace capprobe::collector::testing {

class RandomFleet {
 public:
  static constexpr std::int64_t kMinute = 60 * 1000;

  RandomFleet(unsigned seed, std::int64_t start_ms) : random_(seed), now_(start_ms) {}

  std::int64_t now() const { return now_; }

  // One random step on `fleet`: a report (kept or not, as the fleet decides), a removal or the
  // clock moving (mostly on, sometimes back). Returns what it did, for failure messages.
  std::string step(Fleet& fleet) {
    const int kind = pick(10);
    if (kind < 6) {
      auto state = report();
      auto what = cat({"report ", state.report_id, " from ", state.subject.node, " received ",
                       std::to_string((now_ - state.received_at_ms) / kMinute), " min ago"});
      keys_.push_back(state.key);
      return cat({what, fleet.apply(std::move(state)) ? " (kept)" : " (older: ignored)"});
    }
    if (kind < 7) {
      std::vector<std::string> keys{"never-seen"};
      for (int i = pick(3); i >= 0 && !keys_.empty(); --i)
        keys.push_back(keys_[pick(keys_.size())]);
      fleet.remove(keys);
      return cat({"removal of ", std::to_string(keys.size() - 1), " keys"});
    }
    const bool back = pick(6) == 0;
    const std::int64_t by = back ? -pick(10 * kMinute) : pick(30 * kMinute);
    now_ += by;
    return cat({"clock moved by ", std::to_string(by / 1000), " s"});
  }

 private:
  std::int64_t pick(std::int64_t below) {
    return std::uniform_int_distribution<std::int64_t>(0, below - 1)(random_);
  }
  template <typename T>
  const T& pick_of(const std::vector<T>& values) {
    return values[static_cast<std::size_t>(pick(static_cast<std::int64_t>(values.size())))];
  }

  SubjectState report() {
    // A node name that JSON must escape, and keys that move a subject between groups (os and
    // environment are not part of the subject's key).
    static const std::vector<std::string> nodes{"n0", "n1", "n2", "n3", "n\"4\u00e9", "n5"};
    static const std::vector<std::optional<std::string>> pods{std::nullopt, "ns/p0", "ns/p1"};
    static const std::vector<std::optional<std::string>> runtime_classes{std::nullopt, "kata",
                                                                         "gvisor"};
    static const std::vector<std::string> systems{"linux", "windows"};
    static const std::vector<std::string> environments{"container", "vm_guest", "sandbox"};
    static const std::vector<std::string> capabilities{"a.one", "b.two", "c.three", "d.four",
                                                       "e.five"};
    static const std::vector<std::optional<bool>> requested{std::nullopt, true, false};

    SubjectState state;
    state.subject.node = pick_of(nodes);
    state.subject.pod = pick_of(pods);
    state.subject.runtime_class = pick_of(runtime_classes);
    state.subject.os = pick_of(systems);
    state.subject.arch = "amd64";
    state.subject.environment = pick_of(environments);
    state.key = subject_key(state.subject);
    state.seq = ++seq_;
    state.report_id = cat({"r", std::to_string(seq_)});
    state.received_at_ms = now_ - pick(90 * kMinute);  // some are stale on arrival (1 h)
    state.started_at_ms = state.received_at_ms - pick(20 * kMinute);
    for (const auto& id : capabilities)
      if (pick(10) < 7)
        state.results.push_back({id, static_cast<probes::Status>(pick(6)), pick_of(requested)});
    return state;
  }

  std::mt19937 random_;
  std::int64_t now_;
  std::int64_t seq_ = 0;
  std::vector<std::string> keys_;  // every key reported, for removals
};

}  // namespace capprobe::collector::testing
