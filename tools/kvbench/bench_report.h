// kvbench's report of a run: human text (default) or one JSON object (--json). Latency in
// milliseconds from the histogram (within 0.8%), throughput as ok answers per second of
// the measured window. Pure: returns strings.
#pragma once

#include <string>

#include "tools/kvbench/bench_stats.h"
#include "tools/kvbench/kvbench_options.h"

namespace ringkv::tools {

std::string format_text_report(const KvbenchOptions& options, const RunResult& result);
std::string format_json_report(const KvbenchOptions& options, const RunResult& result);

// One line per problem that makes the run a failure (exit 1), empty when it succeeded:
// a preload that did not finish, no ok answer at all or none in the measured window, the
// hard deadline.
std::string run_failures(const KvbenchOptions& options, const RunResult& result);

}  // namespace ringkv::tools
