// Linear layers for the actors' batched inference: a few rows (one per environment) through
// weights of millions of floats. OpenBLAS packs the whole weight matrix into its own layout on
// every call, and at 16-32 rows that costs about as much as the products (docs/benchmarks.md,
// actor). These kernels read the weights where torch::nn::Linear keeps them (out x in, row-major)
// and take dot products along `in`, so nothing is packed, on AVX-512 or AVX2 CPUs; elsewhere, with
// gradients on, or for larger batches, torch::linear runs as before.
#ifndef MIMIC_LEARNER_SMALL_BATCH_LINEAR_H_
#define MIMIC_LEARNER_SMALL_BATCH_LINEAR_H_

#include <string>

#include <torch/torch.h>

#include "absl/status/statusor.h"

namespace mimic {

enum class SmallBatchIsa { kNone = 0, kAvx2 = 1, kAvx512 = 2 };

std::string SmallBatchIsaName(SmallBatchIsa isa);

// The best kernel this CPU can run.
SmallBatchIsa DetectedSmallBatchIsa();

// Which kernel InferenceLinear uses (for benchmarks and tests; default: the detected one). A
// request beyond what the CPU runs is lowered to what it does; kNone means torch::linear always.
void SetSmallBatchIsa(SmallBatchIsa isa);
SmallBatchIsa ActiveSmallBatchIsa();

// What the kernels multiply. kBfloat16 rounds both operands of every product to bfloat16 (8
// significant bits, relative error <= 2^-8 each) and sums in float32: twice the products per
// instruction and half the weight bytes streamed, for acting (`bench actor` reports how far the
// paper-sized policy's action means move: action_mean_max_diff_vs_float32). It runs only with the
// AVX-512 kernel on a CPU with AVX512_BF16; elsewhere the kernels stay float32. Process-wide;
// default kFloat32, which is what everything but the actors' acting uses.
enum class InferencePrecision { kFloat32 = 0, kBfloat16 = 1 };

std::string InferencePrecisionName(InferencePrecision precision);
// "float32" or "bfloat16"; an error naming the value otherwise.
absl::StatusOr<InferencePrecision> ParseInferencePrecision(const std::string& name);
bool CpuHasBf16Products();
void SetInferencePrecision(InferencePrecision precision);
// The precision InferenceLinear uses now: kBfloat16 only where it was asked for and can run.
InferencePrecision ActiveInferencePrecision();

// Rows (the product of every dimension but the last) up to which the kernels run; above it the
// packing cost is spread over enough rows for OpenBLAS to win.
constexpr int64_t kSmallBatchMaxRows = 64;

// Whether InferenceLinear would use a kernel for input `x`: gradients off, a CPU float tensor of
// at most kSmallBatchMaxRows rows, and a kernel active.
bool UsesSmallBatchKernel(const torch::Tensor& x);

// torch::linear(x, weight, bias), through a kernel when UsesSmallBatchKernel(x) and the weight is a
// contiguous CPU float matrix; bias may be undefined.
torch::Tensor InferenceLinear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// x1 W1^T + b1 + x2 W2^T + b2 in one output (an LSTM cell's gates); both inputs must have the same
// rows.
torch::Tensor InferenceLinear2(const torch::Tensor& x1, const torch::Tensor& w1, const torch::Tensor& b1,
                               const torch::Tensor& x2, const torch::Tensor& w2, const torch::Tensor& b2);

}  // namespace mimic

#endif  // MIMIC_LEARNER_SMALL_BATCH_LINEAR_H_
