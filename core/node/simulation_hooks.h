// SimulationHooks: the simulator's switches inside one node: deliberate bugs (kvsim
// --inject-bug) and "buggify" sites that make rare but legal paths common. A node starts
// with none and the runtime never sets them. Owned by Node and read by its parts.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "core/node/injected_bugs.h"
#include "core/prng.h"

namespace ringkv {

class SimulationHooks {
 public:
  void set_injected_bugs(uint32_t mask) { injected_bugs_ = mask; }
  bool injected(InjectedBug bug) const {
    return (injected_bugs_ & static_cast<uint32_t>(bug)) != 0;
  }

  // Buggify sites fire with this chance, drawn from `prng` (its own stream, so the draws
  // depend only on how often sites are reached).
  void enable_buggify(Prng prng, uint32_t permille) {
    buggify_prng_.emplace(std::move(prng));
    buggify_permille_ = permille;
  }
  void disable_buggify() { buggify_prng_.reset(); }
  // One buggify site reached: true when it fires (never while buggify is off).
  bool buggify() { return buggify_prng_ && buggify_prng_->chance(buggify_permille_); }

  // The simulator takes what the node records for its checkers after every step (the
  // entries it dropped): recorded only then.
  void set_observed(bool on) { observed_ = on; }
  bool observed() const { return observed_; }

 private:
  uint32_t injected_bugs_ = 0;
  std::optional<Prng> buggify_prng_;
  uint32_t buggify_permille_ = 0;
  bool observed_ = false;
};

}  // namespace ringkv
