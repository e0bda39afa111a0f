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
  for (size_t index = 0; index < sources_.size(); ++index) {
    if (sources_[index]->valid()) heap_.push_back(HeapEntry{sources_[index]->key(), index});
  }
  for (size_t position = heap_.size() / 2; position-- > 0;) sift_down(position);
  refresh_runner_up();
  pick_current();
}

void MergingIterator::refresh_runner_up() {
  if (heap_.size() < 2) {
    runner_up_ = kNone;
    top_key_alone_ = true;
    return;
  }
  runner_up_ = heap_.size() > 2 && before(heap_[2], heap_[1]) ? 2 : 1;
  top_key_alone_ = heap_.front().key < heap_[runner_up_].key;
}

void MergingIterator::sift_down(size_t position) {
  const size_t count = heap_.size();
  while (true) {
    const size_t left = 2 * position + 1;
    if (left >= count) return;
    size_t smallest = left;
    if (left + 1 < count && before(heap_[left + 1], heap_[left])) smallest = left + 1;
    if (!before(heap_[smallest], heap_[position])) return;
    std::swap(heap_[smallest], heap_[position]);
    position = smallest;
  }
}

// Advances the top source; an exhausted one leaves the heap (the last source takes its
// place, for the caller to sift). False when the top source is no longer in place.
Result<bool> MergingIterator::advance_top() {
  HeapEntry& top = heap_.front();
  RecordIterator& source = *sources_[top.source];
  Status status = source.next();
  if (!status.ok()) {
    fail();
    return status;
  }
  if (source.valid()) {
    top.key = source.key();
    return true;
  }
  heap_.front() = heap_.back();
  heap_.pop_back();
  return false;
}

Status MergingIterator::next() {
  RINGKV_ASSERT(valid());
  if (!top_key_alone_) return skip_duplicates();
  auto in_place = advance_top();
  if (!in_place.ok()) return in_place.status();
  if (*in_place) {
    if (runner_up_ == kNone) return Status();  // the only source left
    // Still below every other source: it stays on top, and the runner-up is unchanged.
    if (heap_.front().key < heap_[runner_up_].key) return Status();
  }
  sift_down(0);
  refresh_runner_up();
  pick_current();
  return Status();
}

Status MergingIterator::skip_duplicates() {
  current_key_.assign(heap_.front().key);  // reuses its buffer
  // Every source at the key being left is at the top in turn (sources never repeat a key).
  while (!heap_.empty() && heap_.front().key == current_key_) {
    auto in_place = advance_top();
    if (!in_place.ok()) return in_place.status();
    sift_down(0);
  }
  refresh_runner_up();
  pick_current();
  return Status();
}

}  // namespace ringkv
