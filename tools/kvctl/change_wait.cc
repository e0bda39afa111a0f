#include "tools/kvctl/change_wait.h"

#include <cjson/cJSON.h>

#include <memory>
#include <utility>

#include "core/wire/json_writer.h"
#include "tools/kvctl/cluster_views.h"
#include "tools/kvctl/server_error.h"

namespace ringkv::tools {
namespace {

struct HealthAnswer {
  std::string node;
  std::string state;  // "joining", "normal", "leaving", "left"
};

Result<HealthAnswer> read_health(const std::string& body) {
  std::unique_ptr<cJSON, decltype(&cJSON_Delete)> document(
      cJSON_ParseWithLength(body.data(), body.size()), &cJSON_Delete);
  if (document == nullptr) return Status::corruption("the /health answer is not valid JSON");
  const cJSON* node = cJSON_GetObjectItemCaseSensitive(document.get(), "node");
  const cJSON* state = cJSON_GetObjectItemCaseSensitive(document.get(), "state");
  if (!cJSON_IsString(state)) {
    return Status::corruption("the /health answer has no \"state\" (docs/membership.md)");
  }
  return HealthAnswer{cJSON_IsString(node) ? node->valuestring : "", state->valuestring};
}

CommandOutput server_error(std::string message, int http_status = 0) {
  return {kExitServerError, "", std::move(message), http_status};
}

}  // namespace

ChangeWait::ChangeWait(KvctlOptions options) : options_(std::move(options)) {
  RINGKV_ASSERT(options_.wait);
  RINGKV_ASSERT(options_.command == "decommission" || options_.command == "removenode");
  if (!decommission()) member_id_ = options_.arguments.front();
}

std::vector<std::string> ChangeWait::poll_paths() const {
  if (decommission()) return {"/health", "/cluster"};
  return {"/cluster"};
}

WaitStep ChangeWait::handle_poll(std::span<const Result<wire::HttpResponse>> answers) {
  RINGKV_ASSERT(!answers.empty() && answers.size() <= poll_paths().size());
  const Result<wire::HttpResponse>& first = answers.front();
  if (!first.ok()) return handle_no_answer(first.status());
  if (first->status != 200)
    return {"", server_error(describe_error_response(*first), first->status)};
  return decommission() ? handle_decommission(answers) : handle_removal(*first);
}

CommandOutput ChangeWait::handle_timeout() const {
  const int waited_s = options_.wait_timeout_s.value_or(kDefaultWaitTimeoutS);
  std::string message = "gave up waiting after " + std::to_string(waited_s) +
                        " s (--wait-timeout-s): " + member_name();
  message += last_state_.empty() ? " did not say its state" : " is still " + last_state_;
  message += decommission() ? "; the decommission goes on" : "; the removal goes on";
  return {kExitWaitTimedOut, "", message + " (kvctl status follows it)"};
}

std::string ChangeWait::member_name() const {
  return member_id_.empty() ? options_.node.to_string() : member_id_;
}

WaitStep ChangeWait::handle_decommission(std::span<const Result<wire::HttpResponse>> answers) {
  Result<HealthAnswer> health = read_health(answers[0]->body);
  if (!health.ok()) return {"", server_error(health.status().message())};
  if (member_id_.empty()) member_id_ = health->node;
  const bool was_leaving = seen_leaving_;
  seen_leaving_ = seen_leaving_ || health->state == "leaving";
  last_state_ = health->state;
  if (health->state == "left") return {"", finished(false)};
  if (was_leaving && health->state == "normal") {
    return {"", server_error(member_name() +
                             " is normal again: the decommission did not finish (its log says "
                             "why)")};
  }
  // The ring and the streaming progress are extras: a /cluster that fails is left out.
  Sighting sighting{health->state, std::nullopt, std::nullopt};
  if (answers.size() > 1 && answers[1].ok() && answers[1]->status == 200) {
    Result<ClusterChanges> changes = read_cluster_changes(answers[1]->body);
    if (changes.ok()) {
      sighting.ring = changes->ring;
      sighting.streamed = total_stream_progress(*changes);
    }
  }
  return {progress_output(sighting), std::nullopt};
}

WaitStep ChangeWait::handle_removal(const wire::HttpResponse& cluster) {
  Result<ClusterChanges> changes = read_cluster_changes(cluster.body);
  if (!changes.ok()) return {"", server_error(changes.status().message())};
  const MemberChange* member = find_member(*changes, member_id_);
  if (member == nullptr) return {"", finished(false)};
  last_state_ = member->state;
  return {progress_output({member->state, changes->ring, total_stream_progress(*changes)}),
          std::nullopt};
}

WaitStep ChangeWait::handle_no_answer(const Status& status) {
  if (status.code() == StatusCode::kUnavailable) {
    if (decommission() && seen_leaving_) return {"", finished(true)};
    return {"", CommandOutput{kExitCannotConnect, "",
                              status.message() +
                                  " (while waiting; the change goes on: kvctl status follows it)"}};
  }
  if (options_.json) {
    wire::JsonWriter json;
    json.begin_object().key("node").string(member_name());
    json.key("no_answer").string(status.message()).end_object();
    return {changed_output(json.take() + "\n"), std::nullopt};
  }
  return {changed_output("no answer: " + status.message() + " (polling on)\n"), std::nullopt};
}

std::string ChangeWait::progress_output(const Sighting& sighting) {
  if (options_.json) {
    wire::JsonWriter json;
    json.begin_object().key("node").string(member_name());
    if (!sighting.state.empty()) json.key("state").string(sighting.state);
    if (sighting.ring.has_value()) {
      json.key("epoch").number(sighting.ring->epoch).key("stage").string(sighting.ring->stage);
      if (!sighting.ring->change.empty()) json.key("change").string(sighting.ring->change);
    }
    if (sighting.streamed.has_value()) {
      json.key("ranges_done").number(sighting.streamed->ranges_done);
      json.key("ranges_total").number(sighting.streamed->ranges_total);
      json.key("bytes_done").number(sighting.streamed->bytes_done);
      json.key("bytes_total").number(sighting.streamed->bytes_total);
    }
    return changed_output(json.end_object().take() + "\n");
  }
  std::string details;
  const auto add = [&details](const std::string& part) {
    details += (details.empty() ? ": " : ", ") + part;
  };
  if (sighting.ring.has_value()) {
    add("epoch " + std::to_string(sighting.ring->epoch));
    if (!sighting.ring->stage.empty() && sighting.ring->stage != "none") {
      add("stage " + sighting.ring->stage);
    }
  }
  if (sighting.streamed.has_value()) add(stream_progress_text(*sighting.streamed) + " streamed");
  const std::string state = sighting.state.empty() ? "(state not given)" : sighting.state;
  return changed_output(member_name() + " " + state + details + "\n");
}

std::string ChangeWait::changed_output(std::string line) {
  if (line == last_output_) return "";
  last_output_ = line;
  return line;
}

CommandOutput ChangeWait::finished(bool exited) const {
  if (options_.json) {
    wire::JsonWriter json;
    json.begin_object().key("node").string(member_name());
    if (decommission()) {
      json.key("state").string("left").key("exited").boolean(exited);
    } else {
      json.key("removed").boolean(true);
    }
    return {kExitOk, json.end_object().take() + "\n", ""};
  }
  if (!decommission()) return {kExitOk, member_name() + " is no longer a member\n", ""};
  return {kExitOk,
          member_name() + " has left the cluster" +
              (exited ? " (it stopped answering after leaving: its process exited)" : "") + "\n",
          ""};
}

}  // namespace ringkv::tools
