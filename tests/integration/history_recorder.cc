#include "history_recorder.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "core/prng.h"
#include "core/version.h"
#include "core/wire/percent.h"

namespace ringkv::integration {
namespace {

using sim::Op;
using sim::OpResult;

// The "version" member of a 503 body ({"error":...,"version":"17.n1"}), zero if absent.
Version failed_write_version(const std::string& body) {
  const std::string marker = "\"version\":\"";
  size_t at = body.find(marker);
  if (at == std::string::npos) return {};
  size_t end = body.find('"', at + marker.size());
  if (end == std::string::npos) return {};
  return parse_version(body.substr(at + marker.size(), end - at - marker.size()))
      .value_or(Version{});
}

Version header_version(const wire::HttpResponse& response) {
  const std::string* text = response.header("X-Version");
  return text ? parse_version(*text).value_or(Version{}) : Version{};
}

void record_response(Op& op, const wire::HttpResponse& response) {
  if (response.status == 200 && op.kind == ClientOp::kGet) {
    op.result = OpResult::kOk;
    op.value = response.body;
    op.version = header_version(response);
  } else if (response.status == 204 && op.is_write()) {
    op.result = OpResult::kOk;
    op.version = header_version(response);
  } else if (response.status == 404 && op.kind == ClientOp::kGet) {
    op.result = OpResult::kNotFound;
    op.version = header_version(response);
  } else {
    op.result = OpResult::kFailed;
    op.error = std::to_string(response.status) + " " + response.body.substr(0, 200);
    if (op.is_write()) op.version = failed_write_version(response.body);
  }
}

}  // namespace

HistoryRecorder::HistoryRecorder(const LocalCluster& cluster, RecordedWorkload workload)
    : cluster_(cluster), workload_(workload) {}

uint64_t HistoryRecorder::now_us() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

void HistoryRecorder::run() {
  start_us_ = now_us();
  running_ = true;
  std::vector<std::thread> threads;
  for (size_t c = 0; c < workload_.clients; ++c) threads.emplace_back([this, c] { run_client(c); });
  for (std::thread& thread : threads) thread.join();
  running_ = false;
}

void HistoryRecorder::run_client(size_t client) {
  Prng prng(workload_.seed * 1000 + client);
  const size_t nodes = 3;
  std::vector<std::unique_ptr<runtime::HttpClient>> connections;
  for (size_t i = 0; i < nodes; ++i) {
    connections.push_back(cluster_.client(i, workload_.request_timeout_ms + 2000));
  }
  const uint64_t stop_us = start_us_ + workload_.max_duration_ms * 1000;
  size_t unreachable = nodes;  // none
  for (size_t sequence = 1;
       sequence <= workload_.ops_per_client && now_us() < stop_us && !stop_requested_; ++sequence) {
    Op op;
    op.client = client;
    const uint64_t dice = prng.uniform(100);
    op.kind = dice < 45 ? ClientOp::kPut : dice < 85 ? ClientOp::kGet : ClientOp::kDelete;
    op.key = "k" + std::to_string(prng.uniform(workload_.keys));
    if (op.kind == ClientOp::kPut) {
      op.value = "c" + std::to_string(client) + "-" + std::to_string(sequence);
    }
    op.coordinator = prng.uniform(nodes);
    // A client whose last request got no answer fails over to another node.
    if (op.coordinator == unreachable) op.coordinator = (op.coordinator + 1) % nodes;
    op.quorum = prng.one_in(workload_.weak_one_in) ? 1 : 2;
    Op done = perform(client, *connections[op.coordinator], std::move(op));
    unreachable = done.result == OpResult::kIndeterminate ? done.coordinator : nodes;
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.push_back(std::move(done));
  }
}

Op HistoryRecorder::perform(size_t client, runtime::HttpClient& http, Op op) {
  (void)client;
  std::string target = "/kv/" + wire::percent_encode(op.key) +
                       "?timeout_ms=" + std::to_string(workload_.request_timeout_ms);
  if (op.quorum == 1) target += op.is_write() ? "&w=1" : "&r=1";
  const char* method = op.kind == ClientOp::kPut   ? "PUT"
                       : op.kind == ClientOp::kGet ? "GET"
                                                   : "DELETE";
  op.invoke_ms = now_us() - start_us_;
  auto response = http.request(method, target, op.kind == ClientOp::kPut ? op.value : "");
  op.complete_ms = now_us() - start_us_;
  if (!response.ok()) {
    op.result = OpResult::kIndeterminate;  // no answer: it may or may not have happened
    op.error = response.status().to_string();
    http.close();
    return op;
  }
  record_response(op, *response);
  return op;
}

size_t HistoryRecorder::final_reads(size_t nodes) {
  size_t failed = 0;
  const size_t client = workload_.clients;  // a client id of its own
  for (size_t node = 0; node < nodes; ++node) {
    std::unique_ptr<runtime::HttpClient> http =
        cluster_.client(node, workload_.request_timeout_ms + 2000);
    for (size_t key = 0; key < workload_.keys; ++key) {
      Op op;
      op.client = client;
      op.kind = ClientOp::kGet;
      op.key = "k" + std::to_string(key);
      op.coordinator = node;
      op.quorum = 2;
      Op done = perform(client, *http, std::move(op));
      if (done.result != OpResult::kOk && done.result != OpResult::kNotFound) failed++;
      std::lock_guard<std::mutex> lock(mutex_);
      ops_.push_back(std::move(done));
    }
  }
  return failed;
}

sim::History HistoryRecorder::history() const {
  std::lock_guard<std::mutex> lock(mutex_);
  sim::History history;
  history.ops = ops_;
  std::sort(history.ops.begin(), history.ops.end(),
            [](const Op& a, const Op& b) { return a.invoke_ms < b.invoke_ms; });
  for (size_t i = 0; i < history.ops.size(); ++i) history.ops[i].id = i + 1;
  return history;
}

size_t HistoryRecorder::count(OpResult result) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<size_t>(
      std::count_if(ops_.begin(), ops_.end(), [&](const Op& op) { return op.result == result; }));
}

}  // namespace ringkv::integration
