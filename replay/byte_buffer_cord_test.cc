#include "replay/byte_buffer_cord.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mimic::replay {
namespace {

// Headers between payloads, as an insert message's cord holds them (each longer than the few bytes
// gRPC itself would merge into one inlined slice).
const std::string kHead1(40, '1'), kHead2(60, '2'), kMid(50, 'm'), kTail(45, 't');
absl::Cord HeadersAndPayloads(const std::string& big_a, const std::string& big_b) {
  absl::Cord cord;
  for (const std::string* piece : {&kHead1, &kHead2, &big_a, &kMid, &big_b, &kTail}) {
    cord.Append(absl::MakeCordFromExternal(*piece, [] {}));
  }
  return cord;
}

TEST(ByteBufferCordTest, PayloadsGoOutFromTheCordsMemoryAndHeadersBetweenThemAsOneSliceEach) {
  const std::string big_a(5000, 'a'), big_b(3000, 'b');
  const absl::Cord cord = HeadersAndPayloads(big_a, big_b);
  ASSERT_EQ(std::distance(cord.Chunks().begin(), cord.Chunks().end()), 6);
  grpc::ByteBuffer buffer = ByteBufferFromCord(cord);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string(cord));
  // head 1 + head 2, big_a, mid, big_b, tail: small runs become one slice, so fewer pieces to send
  ASSERT_EQ(slices.size(), 5u);
  EXPECT_EQ(reinterpret_cast<const char*>(slices[1].begin()), big_a.data());  // referenced, not copied
  EXPECT_EQ(reinterpret_cast<const char*>(slices[3].begin()), big_b.data());
  EXPECT_EQ(slices[0].size(), 100u);
}

TEST(ByteBufferCordTest, AReceivedBufferBecomesTheSameBytes) {
  const std::string big_a(5000, 'a'), big_b(3000, 'b');
  const absl::Cord cord = HeadersAndPayloads(big_a, big_b);
  auto back = CordFromByteBuffer(ByteBufferFromCord(cord));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, cord);
}

}  // namespace
}  // namespace mimic::replay
