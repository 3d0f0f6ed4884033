#include "learner/small_batch_linear.h"

#include <atomic>

#include "learner/small_batch_kernels.h"

namespace mimic {
namespace {

std::atomic<int>& ActiveIsa() {
  static std::atomic<int> isa(static_cast<int>(DetectedSmallBatchIsa()));
  return isa;
}

// The kernels' preconditions on a weight (and its bias) for input width k.
bool KernelReady(const torch::Tensor& weight, const torch::Tensor& bias, int64_t k) {
  return weight.dim() == 2 && weight.size(1) == k && weight.scalar_type() == torch::kFloat && weight.is_cpu() &&
         weight.is_contiguous() &&
         (!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0) &&
                              bias.scalar_type() == torch::kFloat && bias.is_cpu() && bias.is_contiguous()));
}

// y (rows x n, contiguous) = or += x w^T + b through the active kernel.
void Run(const torch::Tensor& x2d, const torch::Tensor& weight, const torch::Tensor& bias, torch::Tensor& y,
         bool accumulate) {
  const float* b = bias.defined() ? bias.data_ptr<float>() : nullptr;
  const auto fn = ActiveSmallBatchIsa() == SmallBatchIsa::kAvx512 ? &kernels::SmallBatchLinearAvx512
                                                                   : &kernels::SmallBatchLinearAvx2;
  fn(x2d.data_ptr<float>(), x2d.stride(0), x2d.size(0), x2d.size(1), weight.data_ptr<float>(), weight.size(1),
     weight.size(0), b, y.data_ptr<float>(), y.size(1), accumulate);
}

torch::Tensor Rows(const torch::Tensor& x) { return x.reshape({-1, x.size(-1)}).contiguous(); }

std::vector<int64_t> OutputShape(const torch::Tensor& x, int64_t n) {
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = n;
  return shape;
}

}  // namespace

std::string SmallBatchIsaName(SmallBatchIsa isa) {
  switch (isa) {
    case SmallBatchIsa::kAvx512: return "avx512";
    case SmallBatchIsa::kAvx2: return "avx2";
    case SmallBatchIsa::kNone: break;
  }
  return "none";
}

SmallBatchIsa DetectedSmallBatchIsa() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return SmallBatchIsa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SmallBatchIsa::kAvx2;
#endif
  return SmallBatchIsa::kNone;
}

void SetSmallBatchIsa(SmallBatchIsa isa) {
  const SmallBatchIsa detected = DetectedSmallBatchIsa();
  ActiveIsa().store(static_cast<int>(static_cast<int>(isa) > static_cast<int>(detected) ? detected : isa));
}

SmallBatchIsa ActiveSmallBatchIsa() { return static_cast<SmallBatchIsa>(ActiveIsa().load(std::memory_order_relaxed)); }

bool UsesSmallBatchKernel(const torch::Tensor& x) {
  if (ActiveSmallBatchIsa() == SmallBatchIsa::kNone || torch::GradMode::is_enabled()) return false;
  if (!x.defined() || x.dim() < 1 || x.scalar_type() != torch::kFloat || !x.is_cpu()) return false;
  const int64_t k = x.size(-1);
  return k > 0 && x.numel() / k <= kSmallBatchMaxRows && x.numel() > 0;
}

torch::Tensor InferenceLinear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!UsesSmallBatchKernel(x) || !KernelReady(weight, bias, x.size(-1))) return torch::linear(x, weight, bias);
  const torch::Tensor rows = Rows(x);
  torch::Tensor y = torch::empty({rows.size(0), weight.size(0)}, x.options());
  Run(rows, weight, bias, y, /*accumulate=*/false);
  return y.view(OutputShape(x, weight.size(0)));
}

torch::Tensor InferenceLinear2(const torch::Tensor& x1, const torch::Tensor& w1, const torch::Tensor& b1,
                               const torch::Tensor& x2, const torch::Tensor& w2, const torch::Tensor& b2) {
  const bool kernel = UsesSmallBatchKernel(x1) && UsesSmallBatchKernel(x2) && KernelReady(w1, b1, x1.size(-1)) &&
                      KernelReady(w2, b2, x2.size(-1)) && w1.size(0) == w2.size(0) &&
                      x1.numel() / x1.size(-1) == x2.numel() / x2.size(-1);
  if (!kernel) return torch::linear(x1, w1, b1) + torch::linear(x2, w2, b2);
  const torch::Tensor rows1 = Rows(x1), rows2 = Rows(x2);
  torch::Tensor y = torch::empty({rows1.size(0), w1.size(0)}, x1.options());
  Run(rows1, w1, b1, y, /*accumulate=*/false);
  Run(rows2, w2, b2, y, /*accumulate=*/true);
  return y.view(OutputShape(x1, w1.size(0)));
}

}  // namespace mimic
