#include "sim/kit/network.h"

#include "core/assert.h"

namespace ringkv::sim {

SimulatedNetwork::SimulatedNetwork(size_t process_count, NetworkOptions options, Prng prng)
    : process_count_(process_count),
      options_(options),
      prng_(std::move(prng)),
      clogs_(process_count, std::vector<Clog>(process_count)) {
  RINGKV_ASSERT(options_.latency_min_ms <= options_.latency_max_ms);
}

std::vector<uint64_t> SimulatedNetwork::route(size_t from, size_t to, uint64_t now_ms) {
  RINGKV_ASSERT(from < process_count_ && to < process_count_);
  std::vector<uint64_t> times;
  if (blocked(from, to)) return times;
  if (faults_enabled_ && prng_.chance(options_.loss_permille)) return times;
  int copies = faults_enabled_ && prng_.chance(options_.duplicate_permille) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    uint64_t latency = prng_.range(options_.latency_min_ms, options_.latency_max_ms);
    if (faults_enabled_ && prng_.chance(options_.spike_permille)) {
      latency += options_.latency_spike_ms;
    }
    const Clog& clog = clogs_[from][to];
    if (clog.until_ms > now_ms) latency += clog.extra_ms;
    times.push_back(now_ms + latency);
  }
  return times;
}

void SimulatedNetwork::partition(const std::vector<size_t>& side_a,
                                 const std::vector<size_t>& side_b) {
  for (size_t a : side_a) {
    for (size_t b : side_b) {
      block(a, b);
      block(b, a);
    }
  }
}

void SimulatedNetwork::isolate(size_t process) {
  for (size_t other = 0; other < process_count_; ++other) {
    if (other == process) continue;
    block(process, other);
    block(other, process);
  }
}

void SimulatedNetwork::clog(size_t from, size_t to, uint64_t until_ms, uint64_t extra_ms) {
  clogs_[from][to] = Clog{until_ms, extra_ms};
}

void SimulatedNetwork::heal() {
  blocked_.clear();
  for (auto& row : clogs_) {
    for (auto& clog : row) clog = Clog{};
  }
}

uint64_t ClockModel::local_ms(uint64_t virtual_ms) const {
  const int64_t v = static_cast<int64_t>(virtual_ms);
  const int64_t local = v + offset_ms + v * drift_ppm / 1000000;  // non-decreasing in v
  return local < 0 ? 0 : static_cast<uint64_t>(local);
}

uint64_t ClockModel::virtual_ms_for(uint64_t local, uint64_t virtual_now_ms) const {
  if (local_ms(virtual_now_ms) >= local) return virtual_now_ms;
  // |drift_ppm| <= 500000, so the local clock advances at least half as fast as virtual
  // time: the answer lies within twice the remaining local distance. Binary search it.
  uint64_t low = virtual_now_ms;  // local_ms(low) < local
  uint64_t high = virtual_now_ms + 2 * (local - local_ms(virtual_now_ms)) + 2;
  while (high - low > 1) {
    uint64_t middle = low + (high - low) / 2;
    if (local_ms(middle) >= local) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return high;
}

}  // namespace ringkv::sim
