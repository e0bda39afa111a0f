// OwnedWrite: one uv_write of several byte strings (one writev) whose request owns the
// bytes until libuv calls back. Shared by the client connections and the peer connections.
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

namespace ringkv::runtime {

template <typename Owner>
struct OwnedWrite {
  uv_write_t request{};
  std::vector<std::string> chunks;
  Owner* owner = nullptr;

  // Queues every chunk in order; returns uv_write's status (the request is freed when
  // it fails, and `callback` then never runs).
  static int start(uv_stream_t* stream, Owner* owner, std::vector<std::string> chunks,
                   uv_write_cb callback) {
    auto* write = new OwnedWrite;
    write->chunks = std::move(chunks);
    write->owner = owner;
    write->request.data = write;
    std::vector<uv_buf_t> buffers;  // uv_write copies the array (not the bytes)
    buffers.reserve(write->chunks.size());
    for (std::string& bytes : write->chunks) {
      buffers.push_back(uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size())));
    }
    int status = uv_write(&write->request, stream, buffers.data(),
                          static_cast<unsigned>(buffers.size()), callback);
    if (status != 0) delete write;
    return status;
  }

  // In the write callback: takes the request (and its bytes) back, to be freed.
  static std::unique_ptr<OwnedWrite> finish(uv_write_t* request) {
    return std::unique_ptr<OwnedWrite>(static_cast<OwnedWrite*>(request->data));
  }
};

}  // namespace ringkv::runtime
