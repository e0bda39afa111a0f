#include "core/storage/merging_iterator.h"

#include <string>

namespace ringkv {
namespace {

class MemtableIterator final : public RecordIterator {
 public:
  MemtableIterator(const Memtable& memtable, std::string_view start_key)
      : memtable_(memtable),
        order_(memtable.ordered()),
        position_(memtable.lower_bound(start_key)) {
    settle();
  }

  bool valid() const override { return position_ < order_.size(); }
  std::string_view key() const override { return key_; }
  const RecordView& view() const override { return view_; }
  Status next() override {
    ++position_;
    settle();
    return Status();
  }

 private:
  void settle() {
    if (!valid()) return;
    view_ = memtable_.record_at(order_[position_]);
    key_ = view_.key;
  }

  const Memtable& memtable_;
  const std::vector<uint32_t>& order_;
  size_t position_;
  std::string_view key_;  // in the memtable's arena
  RecordView view_;
};

}  // namespace

std::unique_ptr<RecordIterator> memtable_iterator(const Memtable& memtable,
                                                  std::string_view start_key) {
  return std::make_unique<MemtableIterator>(memtable, start_key);
}

MergingIterator::MergingIterator(std::vector<std::unique_ptr<RecordIterator>> sources)
    : sources_(std::move(sources)) {
  pick_current();
}

void MergingIterator::pick_current() {
  current_ = kNone;
  for (size_t index = 0; index < sources_.size(); ++index) {
    if (!sources_[index]->valid()) continue;
    // Strictly smaller only: on equal keys the earlier (newer) source stays current.
    if (current_ == kNone || sources_[index]->key() < sources_[current_]->key()) current_ = index;
  }
}

Status MergingIterator::next() {
  RINGKV_ASSERT(valid());
  current_key_.assign(sources_[current_]->key());  // reuses its buffer
  for (auto& source : sources_) {
    if (source->valid() && source->key() == current_key_) {
      Status status = source->next();
      if (!status.ok()) {
        current_ = kNone;
        return status;
      }
    }
  }
  pick_current();
  return Status();
}

}  // namespace ringkv
