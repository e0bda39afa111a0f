// SimulatedNetwork: decides the fate of each packet between simulated processes: latency
// (uniform, with rare spikes), loss, duplication, reordering (independent latencies), and
// faults: partitions (symmetric or one-way) and clogged links (extra delay for a while).
// Knows nothing about what the packets carry. All randomness from the Prng it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "core/prng.h"

namespace ringkv::sim {

struct NetworkOptions {
  uint64_t latency_min_ms = 1;
  uint64_t latency_max_ms = 10;
  uint32_t spike_permille = 10;     // chance a packet takes latency_spike_ms more
  uint64_t latency_spike_ms = 200;
  uint32_t loss_permille = 0;
  uint32_t duplicate_permille = 0;
};

class SimulatedNetwork {
 public:
  SimulatedNetwork(size_t process_count, NetworkOptions options, Prng prng);

  // Delivery times for one packet sent at now_ms: empty when dropped, two when duplicated.
  std::vector<uint64_t> route(size_t from, size_t to, uint64_t now_ms);

  void block(size_t from, size_t to) { blocked_.insert({from, to}); }  // one-way
  void partition(const std::vector<size_t>& side_a, const std::vector<size_t>& side_b);
  void isolate(size_t process);
  void clog(size_t from, size_t to, uint64_t until_ms, uint64_t extra_ms);
  // Removes every partition and clog; loss and duplication stay as configured.
  void heal();
  void set_faults_enabled(bool enabled) { faults_enabled_ = enabled; }
  bool blocked(size_t from, size_t to) const { return blocked_.count({from, to}) > 0; }
  size_t blocked_links() const { return blocked_.size(); }
  const NetworkOptions& options() const { return options_; }

 private:
  struct Clog {
    uint64_t until_ms = 0;
    uint64_t extra_ms = 0;
  };
  size_t process_count_;
  NetworkOptions options_;
  Prng prng_;
  bool faults_enabled_ = true;
  std::set<std::pair<size_t, size_t>> blocked_;
  std::vector<std::vector<Clog>> clogs_;
};

// ClockModel: a process's local clock = virtual time + offset, running fast or slow by
// drift_ppm. Monotonic. Converts both ways so timers fire at the right virtual time.
struct ClockModel {
  int64_t offset_ms = 0;
  int64_t drift_ppm = 0;  // |drift_ppm| <= 500000

  uint64_t local_ms(uint64_t virtual_ms) const;
  // The earliest virtual time at which the local clock reads >= local.
  uint64_t virtual_ms_for(uint64_t local, uint64_t virtual_now_ms) const;
};

}  // namespace ringkv::sim
