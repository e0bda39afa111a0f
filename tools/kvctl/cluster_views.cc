#include "tools/kvctl/cluster_views.h"

#include <cjson/cJSON.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/wire/json_writer.h"
#include "tools/kvctl/text_table.h"

namespace ringkv::tools {
namespace {

using JsonDocument = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

Result<JsonDocument> parse_json(std::string_view text, std::string_view what) {
  JsonDocument document(cJSON_ParseWithLength(text.data(), text.size()), &cJSON_Delete);
  if (document == nullptr) {
    return Status::corruption(std::string(what) + " is not valid JSON");
  }
  return document;
}

// The first of `names` present in `object`.
const cJSON* member(const cJSON* object, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const cJSON* found = cJSON_GetObjectItemCaseSensitive(object, name);
    if (found != nullptr) return found;
  }
  return nullptr;
}

// Strings as they are, numbers without a fraction when they have none, else "".
std::string cell_text(const cJSON* value) {
  if (value == nullptr) return "";
  if (cJSON_IsString(value)) return value->valuestring;
  if (cJSON_IsBool(value)) return cJSON_IsTrue(value) ? "true" : "false";
  if (!cJSON_IsNumber(value)) return "";
  const double number = value->valuedouble;
  if (number == std::floor(number) && std::fabs(number) < 9.0e15) {
    return std::to_string(static_cast<long long>(number));
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%g", number);
  return text;
}

std::string node_id_of(const cJSON* row) {
  return cell_text(member(row, {"node_id", "node", "id"}));
}

// The member rows of a /cluster answer: kvnode's {"members":[..]} or a bare array.
Result<const cJSON*> member_rows(const cJSON* document) {
  const cJSON* rows = document;
  if (!cJSON_IsArray(rows)) rows = member(rows, {"members", "nodes", "membership"});
  if (!cJSON_IsArray(rows)) return Status::corruption("the /cluster answer has no member array");
  return rows;
}

// A count: a JSON number that is a whole number >= 0 held exactly by a double.
std::optional<uint64_t> count_of(const cJSON* value) {
  if (!cJSON_IsNumber(value)) return std::nullopt;
  const double number = value->valuedouble;
  if (number < 0 || number != std::floor(number) || number >= 9.0e15) return std::nullopt;
  return static_cast<uint64_t>(number);
}

// A member row's "stream" object, when it has all four counts.
std::optional<StreamProgress> stream_of(const cJSON* row) {
  const cJSON* stream = member(row, {"stream"});
  if (!cJSON_IsObject(stream)) return std::nullopt;
  const auto count = [stream](const char* name) { return count_of(member(stream, {name})); };
  const std::optional<uint64_t> ranges_done = count("ranges_done");
  const std::optional<uint64_t> ranges_total = count("ranges_total");
  const std::optional<uint64_t> bytes_done = count("bytes_done");
  const std::optional<uint64_t> bytes_total = count("bytes_total");
  if (!ranges_done || !ranges_total || !bytes_done || !bytes_total) return std::nullopt;
  return StreamProgress{*ranges_done, *ranges_total, *bytes_done, *bytes_total};
}

// The "ring" object of a /cluster answer, when it has an epoch.
std::optional<RingSummary> ring_of(const cJSON* document) {
  const cJSON* ring = cJSON_IsObject(document) ? member(document, {"ring"}) : nullptr;
  if (!cJSON_IsObject(ring)) return std::nullopt;
  const std::optional<uint64_t> epoch = count_of(member(ring, {"epoch"}));
  if (!epoch.has_value()) return std::nullopt;
  return RingSummary{*epoch, cell_text(member(ring, {"stage"})), cell_text(member(ring, {"owner"})),
                     cell_text(member(ring, {"change"}))};
}

// Node id -> status ("alive", "suspect", "down") from a /cluster answer.
Result<std::map<std::string, std::string>> member_statuses(std::string_view cluster_json) {
  Result<JsonDocument> document = parse_json(cluster_json, "the /cluster answer");
  if (!document.ok()) return document.status();
  Result<const cJSON*> rows = member_rows(document->get());
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> statuses;
  const cJSON* row = nullptr;
  cJSON_ArrayForEach(row, *rows) { statuses[node_id_of(row)] = cell_text(member(row, {"status"})); }
  return statuses;
}

std::string status_of(const std::map<std::string, std::string>& statuses,
                      const std::string& node_id) {
  const auto found = statuses.find(node_id);
  return found == statuses.end() || found->second.empty() ? "unknown" : found->second;
}

struct RingRow {
  std::string node_id;
  std::string address;
  std::string vnodes;
  double share = 0;
};

Result<std::vector<RingRow>> ring_rows(const cJSON* nodes) {
  if (nodes == nullptr) return Status::corruption("the /ring answer has no nodes");
  std::vector<RingRow> rows;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, nodes) {
    RingRow row;
    const cJSON* share = item;
    if (cJSON_IsObject(item)) {
      row.node_id = node_id_of(item);
      row.address = cell_text(member(item, {"address"}));
      row.vnodes = cell_text(member(item, {"vnodes", "virtual_nodes", "tokens"}));
      share = member(item, {"primary_share", "share", "fraction"});
    } else if (item->string != nullptr) {
      row.node_id = item->string;
    }
    if (row.node_id.empty() || !cJSON_IsNumber(share)) {
      return Status::corruption("ring entry without node_id and numeric share");
    }
    row.share = share->valuedouble;
    rows.push_back(std::move(row));
  }
  return rows;
}

// The node entries of a /ring answer: kvnode's {"nodes":[..]}, a bare array, or an object
// mapping node id to share; nullptr when there are none.
const cJSON* ring_nodes(const cJSON* document) {
  const cJSON* nodes = document;
  if (!cJSON_IsArray(nodes)) nodes = member(nodes, {"nodes", "shares", "owners"});
  return cJSON_IsArray(nodes) || cJSON_IsObject(nodes) ? nodes : nullptr;
}

std::string percent_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", fraction * 100.0);
  return text;
}

}  // namespace

Result<std::string> render_membership_table(std::string_view cluster_json) {
  Result<JsonDocument> document = parse_json(cluster_json, "the /cluster answer");
  if (!document.ok()) return document.status();
  Result<const cJSON*> rows = member_rows(document->get());
  if (!rows.ok()) return rows.status();
  std::vector<const cJSON*> sorted;
  const cJSON* row = nullptr;
  cJSON_ArrayForEach(row, *rows) sorted.push_back(row);
  std::sort(sorted.begin(), sorted.end(),
            [](const cJSON* a, const cJSON* b) { return node_id_of(a) < node_id_of(b); });
  const bool any_stream = std::any_of(sorted.begin(), sorted.end(), [](const cJSON* entry) {
    return stream_of(entry).has_value();
  });
  std::vector<std::string> header = {"NODE",  "ADDRESS",     "STATUS",
                                     "STATE", "INCARNATION", "HEARTBEAT"};
  if (any_stream) header.push_back("PROGRESS");
  TextTable table(std::move(header));
  for (const cJSON* entry : sorted) {
    const std::string state = cell_text(member(entry, {"state"}));
    std::vector<std::string> cells = {node_id_of(entry),
                                      cell_text(member(entry, {"address"})),
                                      cell_text(member(entry, {"status"})),
                                      state.empty() ? "-" : state,
                                      cell_text(member(entry, {"incarnation"})),
                                      cell_text(member(entry, {"heartbeat"}))};
    const std::optional<StreamProgress> stream = stream_of(entry);
    if (stream.has_value()) cells.push_back(stream_progress_text(*stream));
    table.add_row(std::move(cells));
  }
  const std::optional<RingSummary> ring = ring_of(document->get());
  return (ring.has_value() ? ring_summary_text(*ring) + "\n" : "") + table.render();
}

Result<ClusterChanges> read_cluster_changes(std::string_view cluster_json) {
  Result<JsonDocument> document = parse_json(cluster_json, "the /cluster answer");
  if (!document.ok()) return document.status();
  Result<const cJSON*> rows = member_rows(document->get());
  if (!rows.ok()) return rows.status();
  ClusterChanges changes;
  if (cJSON_IsObject(document->get())) changes.node = cell_text(member(document->get(), {"node"}));
  changes.ring = ring_of(document->get());
  const cJSON* row = nullptr;
  cJSON_ArrayForEach(row, *rows) {
    changes.members.push_back({node_id_of(row), cell_text(member(row, {"state"})), stream_of(row)});
  }
  return changes;
}

Result<std::string> render_ring_table(std::string_view ring_json, std::string_view cluster_json) {
  Result<std::map<std::string, std::string>> statuses = member_statuses(cluster_json);
  if (!statuses.ok()) return statuses.status();
  Result<JsonDocument> document = parse_json(ring_json, "the /ring answer");
  if (!document.ok()) return document.status();
  Result<std::vector<RingRow>> rows = ring_rows(ring_nodes(document->get()));
  if (!rows.ok()) return rows.status();
  double total = 0;
  bool any_address = false;
  bool any_vnodes = false;
  for (const RingRow& row : *rows) {
    total += row.share;
    any_address = any_address || !row.address.empty();
    any_vnodes = any_vnodes || !row.vnodes.empty();
  }
  const double scale = total > 1.5 ? 0.01 : 1.0;  // percentages -> fractions
  std::sort(rows->begin(), rows->end(),
            [](const RingRow& a, const RingRow& b) { return a.node_id < b.node_id; });
  std::vector<std::string> header = {"NODE"};
  if (any_address) header.push_back("ADDRESS");
  header.push_back("STATUS");
  if (any_vnodes) header.push_back("VNODES");
  header.push_back("SHARE");
  TextTable table(header);
  for (const RingRow& row : *rows) {
    std::vector<std::string> cells = {row.node_id};
    if (any_address) cells.push_back(row.address);
    cells.push_back(status_of(*statuses, row.node_id));
    if (any_vnodes) cells.push_back(row.vnodes);
    cells.push_back(percent_text(row.share * scale));
    table.add_row(std::move(cells));
  }
  return table.render();
}

Result<std::string> ring_json_with_status(std::string_view ring_json,
                                          std::string_view cluster_json) {
  if (!wire::valid_utf8(ring_json) || !wire::valid_utf8(cluster_json)) {
    return Status::corruption("the /ring or /cluster answer is not valid UTF-8");
  }
  Result<std::map<std::string, std::string>> statuses = member_statuses(cluster_json);
  if (!statuses.ok()) return statuses.status();
  Result<JsonDocument> document = parse_json(ring_json, "the /ring answer");
  if (!document.ok()) return document.status();
  const cJSON* nodes = ring_nodes(document->get());
  RINGKV_RETURN_IF_ERROR(ring_rows(nodes).status());
  cJSON* node = nullptr;
  cJSON_ArrayForEach(node, nodes) {
    if (!cJSON_IsObject(node)) continue;
    cJSON_DeleteItemFromObjectCaseSensitive(node, "status");
    cJSON_AddStringToObject(node, "status", status_of(*statuses, node_id_of(node)).c_str());
  }
  std::unique_ptr<char, decltype(&cJSON_free)> text(cJSON_PrintUnformatted(document->get()),
                                                    &cJSON_free);
  RINGKV_ASSERT_MSG(text != nullptr, "cJSON_PrintUnformatted failed (out of memory)");
  return std::string(text.get()) + "\n";
}

}  // namespace ringkv::tools
