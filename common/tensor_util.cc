#include "common/tensor_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mimic {

int64_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DTYPE_FLOAT32: return 4;
    case DTYPE_FLOAT64: return 8;
    case DTYPE_INT32: return 4;
    case DTYPE_INT64: return 8;
    case DTYPE_UINT8: return 1;
    case DTYPE_BOOL: return 1;
    default: return 0;
  }
}

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DTYPE_FLOAT32: return "float32";
    case DTYPE_FLOAT64: return "float64";
    case DTYPE_INT32: return "int32";
    case DTYPE_INT64: return "int64";
    case DTYPE_UINT8: return "uint8";
    case DTYPE_BOOL: return "bool";
    default: return "invalid";
  }
}

absl::Status CheckTensorLayout(const std::string& name, DType dtype, absl::Span<const int64_t> shape,
                               int64_t data_bytes) {
  const int64_t elem = DTypeSize(dtype);
  if (elem == 0) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' has an invalid dtype (", dtype, ")"));
  }
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' has a negative dimension"));
    if (d > 0 && count > (int64_t{1} << 40) / d) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' is implausibly large"));
    }
    count *= d;
  }
  if (data_bytes != count * elem) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", name, "': shape [", absl::StrJoin(shape, ", "), "] of ", DTypeName(dtype),
        " needs ", count * elem, " bytes but ", data_bytes, " were sent"));
  }
  return absl::OkStatus();
}

absl::Status CheckTensor(const Tensor& t, const std::string& name) {
  return CheckTensorLayout(name, t.dtype(), t.shape(), static_cast<int64_t>(t.data().size()));
}

Tensor MakeFloatTensor(const std::vector<int64_t>& shape, const float* data) {
  Tensor t;
  t.set_dtype(DTYPE_FLOAT32);
  int64_t count = 1;
  for (int64_t d : shape) {
    t.add_shape(d);
    count *= d;
  }
  t.set_data(reinterpret_cast<const char*>(data), count * sizeof(float));
  return t;
}

}  // namespace mimic
