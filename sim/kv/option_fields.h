// Options as data: every field of SimOptions that a run depends on has a name, so that a
// run can be written out (kvsim --options-out), replayed without its seed's draw
// (--options-from) and changed one field at a time (--set name=value). Option files are
// flat JSON objects {"format":1,"name":value,...}; regression cases in tests/ are stored
// this way, so they survive changes to SimOptions::draw. FROZEN names: a name, once used,
// keeps its meaning; a field missing from a file takes the SimOptions default.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sim/kv/sim_options.h"

namespace ringkv::sim {

inline constexpr uint64_t kOptionFileFormat = 1;

// The names, in the order files list them.
std::vector<std::string> option_names();
// Sets one option from its text ("123", "true"/"false", "always"/"batch").
Status set_option(SimOptions& options, std::string_view name, std::string_view value);
// An option's value as an option file writes it ("12", "true", "\"batch\""); nullopt for
// an unknown name.
std::optional<std::string> option_value(const SimOptions& options, std::string_view name);
// "name=value"
Status set_option_assignment(SimOptions& options, std::string_view assignment);

std::string options_to_json(const SimOptions& options);
// The options of a file (SimOptions defaults for fields it lacks); an error names the
// offending field. The result passed Config::validate().
Result<SimOptions> options_from_json(std::string_view text);

// Writes the options of a failing run to $TMPDIR/<prefix>-<trace hash>.json and returns
// the line that replays it: "reproduce: kvsim --options-from PATH" (for a test or a fuzz
// target whose failure has no seed of its own; the file needs only kvsim).
std::string write_reproduce_file(const SimOptions& options, uint64_t trace_hash,
                                 std::string_view prefix);

}  // namespace ringkv::sim
