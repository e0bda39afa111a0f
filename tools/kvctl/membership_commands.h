// kvctl decommission / removenode: the request each sends (POST /admin/decommission to the
// node that should leave; POST /admin/removenode?id=ID, the id percent-encoded, to any
// other member) and how the answer becomes output and an exit code: 202 with
// {"accepted":true,"change":..,"epoch":..} is accepted; any other answer is the server's
// error (exit 3). Following the change afterwards (--wait) is change_wait's. Pure.
#pragma once

#include <string>

#include "core/wire/http_message.h"
#include "tools/kvctl/command_output.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {

bool is_membership_command(const std::string& command);

wire::HttpRequest build_membership_request(const KvctlOptions& options);

// Accepted: "decommission of n3 accepted (ring epoch 7)" (with --json the server's JSON as
// it is). Refused (409 while another change runs, 400, 404 for an unknown member, ...):
// the server's message, exit 3. A 2xx answer that does not say it accepted is exit 3 too.
CommandOutput interpret_membership_response(const KvctlOptions& options,
                                            const wire::HttpResponse& response);

}  // namespace ringkv::tools
