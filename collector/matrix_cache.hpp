// The matrix as GET /api/v1/matrix and GET / serve it, rebuilt only when the fleet's matrix
// tally changed (a report, a removal, a subject turning stale). The per-node part is joined from
// the JSON texts the tally keeps per node: with 10,000 nodes that is megabytes of JSON, and one
// report changes one node.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/fleet.hpp"
#include "collector/matrix.hpp"
#include "collector/matrix_tally.hpp"

namespace capprobe::collector {

class MatrixCache {
 public:
  MatrixCache(const Fleet& fleet, std::chrono::seconds stale_after)
      : fleet_(fleet), stale_after_(stale_after) {}

  // The matrix with its per-node part, as of now_ms.
  std::shared_ptr<const Matrix> matrix(std::int64_t now_ms);
  // Its JSON text (to_json's, with "nodes" last); without "nodes" unless with_nodes.
  std::shared_ptr<const std::string> json(std::int64_t now_ms, bool with_nodes);

 private:
  struct Entry {
    bool valid = false;
    std::uint64_t version = 0;  // the tally's
    std::shared_ptr<const Matrix> groups_only;
    std::vector<std::shared_ptr<const PublishedNode>> nodes;
    std::shared_ptr<const Matrix> with_nodes;    // built when first asked for
    std::shared_ptr<const std::string> json[2];  // [with_nodes], rendered when first asked for
  };

  void refresh(std::int64_t now_ms);  // with mutex_ held
  std::string render(bool with_nodes) const;

  const Fleet& fleet_;
  std::chrono::seconds stale_after_;
  std::mutex mutex_;  // one refresh at a time: concurrent askers wait and share it
  Entry entry_;
};

}  // namespace capprobe::collector
