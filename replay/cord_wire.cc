#include "replay/cord_wire.h"

#include <algorithm>
#include <cstring>

#include "absl/base/casts.h"
#include "absl/strings/str_cat.h"

namespace mimic::replay {

CordWireReader::CordWireReader(const absl::Cord& cord, absl::string_view what)
    : it_(cord.char_begin()), remaining_(cord.size()), what_(what) {}

absl::Status CordWireReader::Truncated() const {
  return absl::InvalidArgumentError(absl::StrCat("malformed ", what_, ": truncated field"));
}

absl::StatusOr<uint64_t> CordWireReader::ReadVarint() {
  // fast path: the whole varint lies in the current chunk (nearly always)
  if (remaining_ > 0) {
    const absl::string_view chunk = absl::Cord::ChunkRemaining(it_);
    const size_t n = std::min({chunk.size(), remaining_, size_t{10}});
    uint64_t value = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t byte = static_cast<uint8_t>(chunk[i]);
      value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        absl::Cord::Advance(&it_, i + 1);
        remaining_ -= i + 1;
        return value;
      }
    }
  }
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (remaining_ == 0) return Truncated();
    const uint8_t byte = static_cast<uint8_t>(*it_);
    ++it_;
    --remaining_;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return absl::InvalidArgumentError(absl::StrCat("malformed ", what_, ": varint longer than 10 bytes"));
}

absl::StatusOr<WireTag> CordWireReader::ReadTag() {
  auto raw = ReadVarint();
  if (!raw.ok()) return raw.status();
  const uint64_t field = *raw >> 3;
  const int type = static_cast<int>(*raw & 7);
  if (field == 0 || field > (uint64_t{1} << 29) ||
      (type != kVarint && type != kFixed64 && type != kLengthDelimited && type != kFixed32)) {
    return absl::InvalidArgumentError(absl::StrCat("malformed ", what_, ": bad tag ", *raw));
  }
  return WireTag{static_cast<uint32_t>(field), static_cast<WireType>(type)};
}

absl::StatusOr<uint64_t> CordWireReader::ReadFixed64() {
  if (remaining_ < 8) return Truncated();
  uint64_t value;
  const absl::string_view chunk = absl::Cord::ChunkRemaining(it_);
  if (chunk.size() >= 8) {
    std::memcpy(&value, chunk.data(), 8);
    absl::Cord::Advance(&it_, 8);
    remaining_ -= 8;
    return value;
  }
  char bytes[8];
  for (char& b : bytes) {
    b = *it_;
    ++it_;
  }
  remaining_ -= 8;
  std::memcpy(&value, bytes, 8);  // little-endian on every platform we build for
  return value;
}

absl::StatusOr<double> CordWireReader::ReadDouble() {
  auto bits = ReadFixed64();
  if (!bits.ok()) return bits.status();
  return absl::bit_cast<double>(*bits);
}

absl::StatusOr<uint64_t> CordWireReader::ReadLength() {
  auto length = ReadVarint();
  if (!length.ok()) return length.status();
  if (*length > remaining_) return Truncated();
  return *length;
}

absl::StatusOr<absl::Cord> CordWireReader::ReadLengthDelimited() {
  auto length = ReadLength();
  if (!length.ok()) return length.status();
  remaining_ -= *length;
  return absl::Cord::AdvanceAndRead(&it_, *length);
}

absl::StatusOr<size_t> CordWireReader::PushLimit() {
  auto length = ReadLength();
  if (!length.ok()) return length.status();
  const size_t rest_after = remaining_ - *length;
  remaining_ = *length;
  return rest_after;
}

absl::Status CordWireReader::ReadBytes(size_t n, std::string* out) {
  if (n > remaining_) return Truncated();
  out->clear();
  out->reserve(n);
  while (out->size() < n) {
    const absl::string_view chunk = absl::Cord::ChunkRemaining(it_);
    const size_t take = std::min(chunk.size(), n - out->size());
    out->append(chunk.data(), take);
    absl::Cord::Advance(&it_, take);
  }
  remaining_ -= n;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> CordWireReader::SkipLengthDelimited() {
  auto length = ReadLength();
  if (!length.ok()) return length.status();
  remaining_ -= *length;
  absl::Cord::Advance(&it_, *length);
  return *length;
}

absl::Status CordWireReader::Skip(WireType type) {
  switch (type) {
    case kVarint:
      return ReadVarint().status();
    case kFixed64:
      return ReadFixed64().status();
    case kLengthDelimited:
      return SkipLengthDelimited().status();
    case kFixed32:
      if (remaining_ < 4) return Truncated();
      absl::Cord::Advance(&it_, 4);
      remaining_ -= 4;
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("malformed ", what_, ": unknown wire type"));
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int extra;
    uint32_t point;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      point = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      point = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      point = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // the sequence runs past the end
    for (int k = 1; k <= extra; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      point = (point << 6) | (next & 0x3f);
    }
    // overlong forms, surrogates and values past U+10FFFF are not UTF-8
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (point < kMin[extra] || (point >= 0xd800 && point <= 0xdfff) || point > 0x10ffff) return false;
    i += extra + 1;
  }
  return true;
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendTag(uint32_t field, WireType type, std::string* out) {
  AppendVarint((static_cast<uint64_t>(field) << 3) | type, out);
}

void AppendFixed64(uint64_t value, std::string* out) {
  char bytes[8];
  std::memcpy(bytes, &value, 8);
  out->append(bytes, 8);
}

void AppendDouble(double value, std::string* out) { AppendFixed64(absl::bit_cast<uint64_t>(value), out); }

void AppendLengthDelimitedHeader(uint32_t field, uint64_t length, std::string* out) {
  AppendTag(field, kLengthDelimited, out);
  AppendVarint(length, out);
}

}  // namespace mimic::replay
