#include "learner/small_batch_linear.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"

#include "learner/small_batch_kernels.h"

namespace mimic {
namespace {

std::atomic<int>& ActiveIsa() {
  static std::atomic<int> isa(static_cast<int>(DetectedSmallBatchIsa()));
  return isa;
}

std::atomic<int>& RequestedPrecision() {
  static std::atomic<int> precision(static_cast<int>(InferencePrecision::kFloat32));
  return precision;
}

int64_t PaddedWidth(int64_t k) { return (k + kernels::kBf16Lanes - 1) / kernels::kBf16Lanes * kernels::kBf16Lanes; }

// A weight matrix rounded to bfloat16, its rows padded with zeros to a multiple of kBf16Lanes.
struct PackedBf16 {
  torch::Tensor weight;  // held, so its TensorImpl cannot be freed and its address reused while cached
  int64_t version = 0;   // the weight's version counter when packed: in-place copies (new parameters) bump it
  const void* data = nullptr;
  int64_t ldw = 0;
  std::vector<uint16_t> values;
};

// The packed copy of every weight acting multiplies, refreshed when the weight changes. Readers
// keep the copy they got alive (shared_ptr), so a refresh by another thread never pulls it away.
class Bf16WeightCache {
 public:
  std::shared_ptr<const PackedBf16> Get(const torch::Tensor& weight) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = entries_[weight.unsafeGetTensorImpl()];
    if (slot && slot->version == weight._version() && slot->data == weight.data_ptr()) return slot;
    // a miss: drop copies of weights nobody else holds any more (a replaced network's)
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second && it->second->weight.use_count() == 1 ? entries_.erase(it) : std::next(it);
    }
    auto packed = std::make_shared<PackedBf16>();
    packed->weight = weight;
    packed->version = weight._version();
    packed->data = weight.data_ptr();
    const int64_t n = weight.size(0), k = weight.size(1);
    packed->ldw = PaddedWidth(k);
    packed->values.assign(static_cast<size_t>(n * packed->ldw), 0);
    const float* w = weight.data_ptr<float>();
    for (int64_t j = 0; j < n; ++j) kernels::ToBfloat16Avx512(w + j * k, k, packed->values.data() + j * packed->ldw);
    entries_[weight.unsafeGetTensorImpl()] = packed;
    return packed;
  }

 private:
  std::mutex mu_;
  std::unordered_map<const c10::TensorImpl*, std::shared_ptr<const PackedBf16>> entries_;
};

Bf16WeightCache& WeightCache() {
  static Bf16WeightCache* cache = new Bf16WeightCache();
  return *cache;
}

// y (rows x n) = or += bf16(x) bf16(w)^T + b; x is rounded into a per-thread buffer.
void RunBf16(const torch::Tensor& x2d, const torch::Tensor& weight, const float* b, torch::Tensor& y,
             bool accumulate) {
  const std::shared_ptr<const PackedBf16> w = WeightCache().Get(weight);
  const int64_t m = x2d.size(0), k = x2d.size(1), ldx = PaddedWidth(k);
  thread_local std::vector<uint16_t> x_bf16;
  x_bf16.assign(static_cast<size_t>(m * ldx), 0);
  const float* x = x2d.data_ptr<float>();
  for (int64_t i = 0; i < m; ++i) kernels::ToBfloat16Avx512(x + i * x2d.stride(0), k, x_bf16.data() + i * ldx);
  kernels::SmallBatchLinearAvx512Bf16(x_bf16.data(), ldx, m, ldx, w->values.data(), w->ldw, weight.size(0), b,
                                      y.data_ptr<float>(), y.size(1), accumulate);
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
  // inference tensors keep no version counter, so a packed copy of one could not tell it changed
  if (ActiveInferencePrecision() == InferencePrecision::kBfloat16 && !weight.is_inference()) {
    RunBf16(x2d, weight, b, y, accumulate);
    return;
  }
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

std::string InferencePrecisionName(InferencePrecision precision) {
  return precision == InferencePrecision::kBfloat16 ? "bfloat16" : "float32";
}

absl::StatusOr<InferencePrecision> ParseInferencePrecision(const std::string& name) {
  if (name == "float32") return InferencePrecision::kFloat32;
  if (name == "bfloat16") return InferencePrecision::kBfloat16;
  return absl::InvalidArgumentError(
      absl::StrCat("inference precision '", name, "' is unknown: expected float32 or bfloat16"));
}

bool CpuHasBf16Products() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

void SetInferencePrecision(InferencePrecision precision) {
  RequestedPrecision().store(static_cast<int>(precision));
}

InferencePrecision ActiveInferencePrecision() {
  static const bool cpu_has_bf16 = CpuHasBf16Products();
  const auto requested = static_cast<InferencePrecision>(RequestedPrecision().load(std::memory_order_relaxed));
  return requested == InferencePrecision::kBfloat16 && cpu_has_bf16 && ActiveSmallBatchIsa() == SmallBatchIsa::kAvx512
             ? InferencePrecision::kBfloat16
             : InferencePrecision::kFloat32;
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
