#include "learner/sampled_batch.h"

#include <cstring>
#include "absl/types/optional.h"

#include "absl/strings/str_cat.h"
#include "common/tensor_util.h"
#include "learner/wire_codec.h"

namespace mimic {

absl::StatusOr<torch::Tensor> TensorFromStored(const replay::TensorHeader& header, const std::string& what) {
  if (header.dtype != DTYPE_FLOAT32 && header.dtype != DTYPE_FLOAT64) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": dtype ", DTypeName(header.dtype), ", expected float32 or float64"));
  }
  const auto dtype = header.dtype == DTYPE_FLOAT64 ? torch::kFloat64 : torch::kFloat32;
  if (static_cast<int64_t>(header.data.size()) != header.data_bytes) {
    return absl::InternalError(absl::StrCat(what, ": payload and header disagree"));
  }
  absl::optional<absl::string_view> flat = header.data.TryFlat();
  if (flat.has_value() && !flat->empty()) {
    // read-only use: the stack below copies it
    return torch::from_blob(const_cast<char*>(flat->data()), header.shape, dtype);
  }
  torch::Tensor t = torch::empty(header.shape, dtype);
  char* out = static_cast<char*>(t.data_ptr());
  for (absl::string_view chunk : header.data.Chunks()) {
    std::memcpy(out, chunk.data(), chunk.size());
    out += chunk.size();
  }
  return t;
}

absl::StatusOr<Batch> StackSampled(const std::vector<replay::SampledView>& sampled, int lstm_layers) {
  return StackTensors(
      sampled.size(),
      [&sampled](size_t i, const std::string& name) -> absl::StatusOr<torch::Tensor> {
        const replay::TensorHeader* header = sampled[i].item->FindTensor(name);
        if (header == nullptr) return absl::InvalidArgumentError(absl::StrCat("unroll ", i, " has no tensor '", name, "'"));
        return TensorFromStored(*header, absl::StrCat("unroll ", i, " '", name, "'"));
      },
      lstm_layers);
}

}  // namespace mimic
