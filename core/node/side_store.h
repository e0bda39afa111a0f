// SideStore: the node's optional second store (kvnode's DATA/hints). Hinted handoff keeps
// its hints there and anti-entropy its purge floors; the record formats are in
// side_records.h. A part that writes marks it dirty, and the node syncs it at its next
// commit (the side store gates no answer). Owned by Node; its parts hold references.
#pragma once

#include "core/assert.h"
#include "core/replica_store.h"

namespace ringkv {

class SideStore {
 public:
  // `store` must outlive the node.
  void attach(ReplicaStore& store) { store_ = &store; }
  // Without a store, hints are counted as dropped and purge floors live in memory only.
  bool attached() const { return store_ != nullptr; }
  ReplicaStore& store() {
    RINGKV_ASSERT_MSG(store_ != nullptr, "no side store attached");
    return *store_;
  }

  void mark_dirty() { dirty_ = true; }
  bool dirty() const { return dirty_; }
  // Syncs the store if anything was written since the last successful sync.
  Status sync() {
    if (!dirty_) return Status();
    Status synced = store().sync();
    if (synced.ok()) dirty_ = false;
    return synced;
  }

 private:
  ReplicaStore* store_ = nullptr;
  bool dirty_ = false;
};

}  // namespace ringkv
