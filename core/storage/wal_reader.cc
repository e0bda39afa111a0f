#include "core/storage/wal_reader.h"

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/storage_format.h"

namespace ringkv {
namespace {

using storage_format::kWalFrameHeaderBytes;

enum class FrameCheck { kGood, kShort, kBad };

// Checks the frame at `offset`; on kGood sets `payload`.
FrameCheck check_frame(std::string_view contents, uint64_t offset, std::string_view& payload) {
  if (contents.size() - offset < kWalFrameHeaderBytes) return FrameCheck::kShort;
  const char* header = contents.data() + offset;
  uint32_t length = decode_fixed32(header);
  if (length == 0 || length > storage_format::kMaxWalRecordBytes) return FrameCheck::kBad;
  if (contents.size() - offset - kWalFrameHeaderBytes < length) return FrameCheck::kShort;
  payload = contents.substr(offset + kWalFrameHeaderBytes, length);
  uint32_t expected = crc32c::unmask(decode_fixed32(header + 4));
  uint32_t actual = crc32c::extend(crc32c::value(std::string_view(header, 4)), payload);
  return actual == expected ? FrameCheck::kGood : FrameCheck::kBad;
}

// True when a complete frame with a matching checksum starts anywhere at or after `offset`.
bool valid_frame_after(std::string_view contents, uint64_t offset) {
  std::string_view payload;
  for (; offset + kWalFrameHeaderBytes <= contents.size(); ++offset) {
    if (check_frame(contents, offset, payload) == FrameCheck::kGood) return true;
  }
  return false;
}

bool parse_header(std::string_view contents, WalParseResult& result) {
  std::string expected_header;
  put_fixed64(expected_header, storage_format::kWalMagic);
  put_fixed32(expected_header, storage_format::kWalFormatVersion);
  if (contents.empty()) return false;  // an empty segment: clean, nothing to replay
  if (!contents.starts_with(expected_header)) {
    // The header of a new segment is synced with its first records: a crash before that
    // leaves a prefix of it, possibly followed by junk (zeros, garbage). Like a frame, it
    // is torn when no valid frame follows anywhere, and damage otherwise.
    const bool followed = valid_frame_after(contents, 0);
    result.tail = followed ? WalTail::kCorrupt : WalTail::kTorn;
    result.problem = followed ? "bad WAL segment magic or format version, followed by valid frames"
                              : "torn or damaged segment header (no valid frame after it)";
    return false;
  }
  result.valid_bytes = expected_header.size();
  return true;
}

}  // namespace

WalParseResult parse_wal_segment(std::string_view contents, const WalRecordVisitor& visit) {
  WalParseResult result;
  if (!parse_header(contents, result)) return result;
  uint64_t offset = result.valid_bytes;
  std::string key;
  StoredRecord record;
  while (offset < contents.size()) {
    std::string_view payload;
    FrameCheck check = check_frame(contents, offset, payload);
    if (check == FrameCheck::kGood) {
      Decoder decoder(payload);
      if (!decode_record(decoder, key, record) || !decoder.empty()) {
        result.tail = WalTail::kCorrupt;
        result.problem = "malformed record in frame at offset " + std::to_string(offset);
        return result;
      }
      visit(key, record);
      offset += kWalFrameHeaderBytes + payload.size();
      result.valid_bytes = offset;
      ++result.records;
      continue;
    }
    bool followed = valid_frame_after(contents, offset + 1);
    result.tail = followed ? WalTail::kCorrupt : WalTail::kTorn;
    result.problem = std::string(check == FrameCheck::kShort ? "short" : "bad checksum in") +
                     " frame at offset " + std::to_string(offset) +
                     (followed ? ", followed by valid frames" : " (tail)");
    return result;
  }
  return result;
}

}  // namespace ringkv
