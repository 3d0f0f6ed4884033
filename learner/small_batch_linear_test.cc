#include "learner/small_batch_linear.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "learner/small_batch_kernels.h"

namespace mimic {
namespace {

// Each shape has remainders in every blocking: rows (4), features (6 or 3), and k (16 or 8).
const std::vector<std::array<int64_t, 3>> kShapes = {  // rows, in, out
    {1, 1, 1}, {3, 7, 2}, {4, 16, 6}, {5, 17, 7}, {16, 900, 13}, {17, 15, 120}, {64, 1024, 38}, {2, 8, 5}};

void ExpectMatchesTorch(const torch::Tensor& got, const torch::Tensor& x, const torch::Tensor& w,
                        const torch::Tensor& b, const std::string& what) {
  const torch::Tensor want = torch::linear(x, w, b);
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  // float sums of k products in another order: a few ulps of the sum of |terms|
  const torch::Tensor scale = torch::linear(x.abs(), w.abs(), b.defined() ? b.abs() : b) + 1e-6;
  EXPECT_LT(((got - want).abs() / scale).max().item<float>(), 2e-6) << what;
}

class SmallBatchLinearTest : public ::testing::TestWithParam<SmallBatchIsa> {
 protected:
  void SetUp() override {
    if (static_cast<int>(GetParam()) > static_cast<int>(DetectedSmallBatchIsa())) {
      GTEST_SKIP() << "this CPU has no " << SmallBatchIsaName(GetParam());
    }
    SetSmallBatchIsa(GetParam());
  }
  void TearDown() override { SetSmallBatchIsa(DetectedSmallBatchIsa()); }
};

TEST_P(SmallBatchLinearTest, TheKernelAgreesWithTorchOnEveryRemainder) {
  torch::manual_seed(3);
  const auto kernel = GetParam() == SmallBatchIsa::kAvx512 ? &kernels::SmallBatchLinearAvx512
                                                           : &kernels::SmallBatchLinearAvx2;
  for (const auto& [m, k, n] : kShapes) {
    const torch::Tensor x = torch::randn({m, k}), w = torch::randn({n, k}), b = torch::randn({n});
    torch::Tensor y = torch::full({m, n}, 7.0f);
    kernel(x.data_ptr<float>(), k, m, k, w.data_ptr<float>(), k, n, b.data_ptr<float>(), y.data_ptr<float>(), n,
           /*accumulate=*/false);
    const std::string what = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
    ExpectMatchesTorch(y, x, w, b, what);
    // accumulating adds to what is there; no bias
    kernel(x.data_ptr<float>(), k, m, k, w.data_ptr<float>(), k, n, nullptr, y.data_ptr<float>(), n,
           /*accumulate=*/true);
    ExpectMatchesTorch(y - torch::linear(x, w), x, w, b, what + " accumulated");
  }
}

TEST_P(SmallBatchLinearTest, InferenceLinearMatchesTorchForTheShapesTheNetworksPass) {
  torch::manual_seed(4);
  torch::NoGradGuard no_grad;
  for (const auto& [m, k, n] : kShapes) {
    const torch::Tensor w = torch::randn({n, k}), b = torch::randn({n});
    const torch::Tensor x = torch::randn({1, m, k});  // [T=1, B, in], as the actor passes it
    ASSERT_TRUE(UsesSmallBatchKernel(x));
    ExpectMatchesTorch(InferenceLinear(x, w, b), x, w, b, "3-d");
    ExpectMatchesTorch(InferenceLinear(x, w, torch::Tensor()), x, w, torch::Tensor(), "no bias");
    // a column slice (not contiguous), as the proprioception slice is
    const torch::Tensor wide = torch::randn({m, k + 3});
    const torch::Tensor slice = wide.narrow(1, 2, k);
    ExpectMatchesTorch(InferenceLinear(slice, w, b), slice, w, b, "slice");
    // an LSTM cell's two products in one output
    const torch::Tensor h = torch::randn({m, 9}), wh = torch::randn({n, 9}), bh = torch::randn({n});
    const torch::Tensor gates = InferenceLinear2(x[0], w, b, h, wh, bh);
    const torch::Tensor want = torch::linear(x[0], w, b) + torch::linear(h, wh, bh);
    EXPECT_LT((gates - want).abs().max().item<float>(), 1e-3 * (want.abs().max().item<float>() + 1));
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, SmallBatchLinearTest, ::testing::Values(SmallBatchIsa::kAvx2, SmallBatchIsa::kAvx512),
                         [](const auto& info) { return SmallBatchIsaName(info.param); });

// Rounds to bfloat16 and back: what the bf16 kernel multiplies.
torch::Tensor RoundedToBf16(const torch::Tensor& t) { return t.to(torch::kBFloat16).to(torch::kFloat); }

class Bf16LinearTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!CpuHasBf16Products() || DetectedSmallBatchIsa() != SmallBatchIsa::kAvx512) {
      GTEST_SKIP() << "this CPU has no AVX512_BF16";
    }
    SetInferencePrecision(InferencePrecision::kBfloat16);
  }
  void TearDown() override { SetInferencePrecision(InferencePrecision::kFloat32); }
};

// The kernel's products are exactly those of the operands rounded to bfloat16 (ties to even, as
// torch rounds), summed in float32; so it matches torch on the rounded operands to float rounding,
// and differs from the float32 product by about bfloat16's precision.
TEST_F(Bf16LinearTest, ItMultipliesTheOperandsRoundedToBfloat16) {
  ASSERT_EQ(ActiveInferencePrecision(), InferencePrecision::kBfloat16);
  torch::manual_seed(5);
  torch::NoGradGuard no_grad;
  for (const auto& [m, k, n] : kShapes) {
    const torch::Tensor x = torch::randn({1, m, k}), w = torch::randn({n, k}), b = torch::randn({n});
    const std::string what = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
    const torch::Tensor got = InferenceLinear(x, w, b);
    ExpectMatchesTorch(got, RoundedToBf16(x), RoundedToBf16(w), b, what);
    const torch::Tensor scale = torch::linear(x.abs(), w.abs(), b.abs()) + 1e-6;
    const float from_float32 = ((got - torch::linear(x, w, b)).abs() / scale).max().item<float>();
    EXPECT_LT(from_float32, 2 * std::pow(2.0f, -8.0f)) << what;  // each operand within 2^-8 relative
    if (k >= 16) {
      EXPECT_GT(from_float32, 1e-5) << what;  // and it is not float32 after all
    }
    // an LSTM cell's two products, the second accumulated
    const torch::Tensor h = torch::randn({m, 9}), wh = torch::randn({n, 9}), bh = torch::randn({n});
    const torch::Tensor gates = InferenceLinear2(x[0], w, b, h, wh, bh);
    const torch::Tensor want = torch::linear(RoundedToBf16(x[0]), RoundedToBf16(w), b) +
                               torch::linear(RoundedToBf16(h), RoundedToBf16(wh), bh);
    EXPECT_LT((gates - want).abs().max().item<float>(), 1e-4 * (want.abs().max().item<float>() + 1)) << what;
  }
}

// The packed copy follows the weight: new parameters copied in place (as an actor loads them) are
// used at the next call, and a copy of a weight nobody holds any more does not stand in for
// another tensor.
TEST_F(Bf16LinearTest, NewParametersCopiedInPlaceAreUsedAtOnce) {
  torch::manual_seed(6);
  torch::NoGradGuard no_grad;
  torch::Tensor w = torch::randn({38, 100});
  const torch::Tensor b = torch::randn({38}), x = torch::randn({8, 100});
  ExpectMatchesTorch(InferenceLinear(x, w, b), RoundedToBf16(x), RoundedToBf16(w), b, "first");
  w.copy_(torch::randn({38, 100}));
  ExpectMatchesTorch(InferenceLinear(x, w, b), RoundedToBf16(x), RoundedToBf16(w), b, "after copy_");
  for (int round = 0; round < 20; ++round) {  // fresh tensors, often at a freed one's address
    const torch::Tensor fresh = torch::randn({38, 100});
    ExpectMatchesTorch(InferenceLinear(x, fresh, b), RoundedToBf16(x), RoundedToBf16(fresh), b,
                       "fresh " + std::to_string(round));
  }
}

TEST_F(Bf16LinearTest, Float32OrAnotherKernelTurnsItOff) {
  SetInferencePrecision(InferencePrecision::kFloat32);
  EXPECT_EQ(ActiveInferencePrecision(), InferencePrecision::kFloat32);
  SetInferencePrecision(InferencePrecision::kBfloat16);
  SetSmallBatchIsa(SmallBatchIsa::kAvx2);
  EXPECT_EQ(ActiveInferencePrecision(), InferencePrecision::kFloat32);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({4, 64}), w = torch::randn({6, 64}), b = torch::randn({6});
  ExpectMatchesTorch(InferenceLinear(x, w, b), x, w, b, "avx2 stays float32");
  SetSmallBatchIsa(DetectedSmallBatchIsa());
  EXPECT_EQ(ActiveInferencePrecision(), InferencePrecision::kBfloat16);
}

TEST(InferencePrecisionTest, NamesParseAndUnknownOnesAreRefused) {
  EXPECT_EQ(*ParseInferencePrecision("float32"), InferencePrecision::kFloat32);
  EXPECT_EQ(*ParseInferencePrecision("bfloat16"), InferencePrecision::kBfloat16);
  EXPECT_EQ(InferencePrecisionName(InferencePrecision::kBfloat16), "bfloat16");
  const auto unknown = ParseInferencePrecision("fp8");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("'fp8'"), std::string::npos);
}

TEST(SmallBatchLinearDispatchTest, TorchRunsWithGradientsLargeBatchesOrTheKernelsOff) {
  const torch::Tensor w = torch::randn({5, 8}, torch::requires_grad()), b = torch::randn({5});
  const torch::Tensor x = torch::randn({4, 8});
  EXPECT_FALSE(UsesSmallBatchKernel(x));  // gradients on
  const torch::Tensor y = InferenceLinear(x, w, b);
  EXPECT_TRUE(y.requires_grad());  // so the learner's backward passes still work
  torch::NoGradGuard no_grad;
  EXPECT_EQ(UsesSmallBatchKernel(x), DetectedSmallBatchIsa() != SmallBatchIsa::kNone);
  EXPECT_FALSE(UsesSmallBatchKernel(torch::randn({kSmallBatchMaxRows + 1, 8})));
  EXPECT_FALSE(UsesSmallBatchKernel(torch::randn({4, 8}, torch::kFloat64)));
  SetSmallBatchIsa(SmallBatchIsa::kNone);
  EXPECT_EQ(ActiveSmallBatchIsa(), SmallBatchIsa::kNone);
  EXPECT_FALSE(UsesSmallBatchKernel(x));
  SetSmallBatchIsa(SmallBatchIsa::kAvx512);  // lowered to what this CPU runs
  EXPECT_EQ(ActiveSmallBatchIsa(), DetectedSmallBatchIsa());
}

}  // namespace
}  // namespace mimic
