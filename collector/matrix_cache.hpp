// The last computed matrix and its JSON, reused while the fleet has not changed and no subject
// has turned stale; and, across changes, the JSON of each node whose row did not change. With
// 10,000 nodes the per-node part is megabytes of JSON, and one report changes one node.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/fleet.hpp"
#include "collector/matrix.hpp"

namespace capprobe::collector {

class MatrixCache {
 public:
  MatrixCache(const Fleet& fleet, std::chrono::seconds stale_after)
      : fleet_(fleet), stale_after_(stale_after) {}

  // The matrix with its per-node part, as of now_ms.
  std::shared_ptr<const Matrix> matrix(std::int64_t now_ms);
  // Its JSON text (to_json's, spliced from cached pieces); without "nodes" unless with_nodes.
  std::shared_ptr<const std::string> json(std::int64_t now_ms, bool with_nodes);

 private:
  struct Entry {
    std::uint64_t version = 0;
    std::int64_t valid_until_ms = 0;
    std::shared_ptr<const Matrix> matrix;
    std::shared_ptr<const std::string> json[2];  // [with_nodes]
  };
  struct NodeText {
    NodeRow row;
    std::string text;
    std::uint64_t used = 0;  // the render that last needed it
  };

  bool fresh(std::uint64_t version, std::int64_t now_ms) const;
  void refresh(std::int64_t now_ms);  // with mutex_ held
  std::string render(const Matrix& matrix, bool with_nodes);

  const Fleet& fleet_;
  std::chrono::seconds stale_after_;
  std::mutex mutex_;  // one computation at a time: concurrent askers wait and share it
  Entry entry_;
  // Node texts hold capability and group names by index: valid only for the same axes.
  std::vector<std::string> text_capabilities_, text_groups_;
  std::unordered_map<std::string, NodeText> node_texts_;
  std::uint64_t renders_ = 0;
};

}  // namespace capprobe::collector
