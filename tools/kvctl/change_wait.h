// kvctl decommission --wait / removenode --wait: what each poll of the node shows and when
// the wait ends, as a pure state machine. Main drives it: one poll a second (the pages of
// poll_paths(), stopping at the first that fails to arrive), handle_poll() with what came
// back, until a step ends the wait or --wait-timeout-s runs out (handle_timeout()).
//   decommission: polls the leaving node's /health (its state) then its /cluster (the
//     ring's stage, what the members streamed). Ends well when it says `left`, or when it
//     refuses connections after it said `leaving`: it exited, the normal end.
//   removenode ID: polls /cluster of the node asked. Ends well when ID is no longer listed.
// A progress line (a JSON line with --json) comes out whenever it differs from the last.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/wire/http_message.h"
#include "tools/kvctl/command_output.h"
#include "tools/kvctl/kvctl_options.h"
#include "tools/kvctl/ring_change.h"

namespace ringkv::tools {

struct WaitStep {
  std::string standard_output;       // a progress line, or "" when nothing changed
  std::optional<CommandOutput> end;  // set when the wait is over: what kvctl ends with
};

class ChangeWait {
 public:
  // `options`: a decommission or removenode command line with --wait.
  explicit ChangeWait(KvctlOptions options);

  // The pages one poll reads, in order.
  std::vector<std::string> poll_paths() const;

  // `answers` follow poll_paths() up to the first that failed to arrive (its error is the
  // last answer); not empty. A page that answers with an error status (401, 500...) ends
  // the wait (exit 3); no answer (timeout, connection lost) is shown and polled again;
  // connection refused ends it, well for a node that said `leaving`, else with exit 4.
  WaitStep handle_poll(std::span<const Result<wire::HttpResponse>> answers);

  // --wait-timeout-s ran out: exit 6, with the last state seen.
  CommandOutput handle_timeout() const;

 private:
  // What one poll showed of the member the change is about.
  struct Sighting {
    std::string state;  // "leaving", "removed", ...; "" when not given
    std::optional<RingSummary> ring;
    std::optional<StreamProgress> streamed;  // all members' streams added up
  };

  bool decommission() const { return options_.command == "decommission"; }
  std::string member_name() const;
  WaitStep handle_decommission(std::span<const Result<wire::HttpResponse>> answers);
  WaitStep handle_removal(const wire::HttpResponse& cluster);
  WaitStep handle_no_answer(const Status& status);
  // The progress line for `sighting`, or "" when it is the same as the last one.
  std::string progress_output(const Sighting& sighting);
  std::string changed_output(std::string line);
  CommandOutput finished(bool exited) const;

  KvctlOptions options_;
  std::string member_id_;  // removenode's ID; the leaving node's id once /health said it
  std::string last_state_;
  bool seen_leaving_ = false;
  std::string last_output_;
};

}  // namespace ringkv::tools
