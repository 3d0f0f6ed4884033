// Checks and helpers for wire tensors (proto/tensor.proto).
#ifndef MIMIC_COMMON_TENSOR_UTIL_H_
#define MIMIC_COMMON_TENSOR_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "proto/tensor.pb.h"

namespace mimic {

// Bytes per element, or 0 for DTYPE_INVALID / unknown values.
int64_t DTypeSize(DType dtype);
const char* DTypeName(DType dtype);

// A tensor is well formed when its dtype is known, no dimension is negative, and its byte
// length equals product(shape) * DTypeSize(dtype). Errors name the tensor.
absl::Status CheckTensor(const Tensor& tensor, const std::string& name);
// The same check on a tensor's parts (for tensors read without their payload).
absl::Status CheckTensorLayout(const std::string& name, DType dtype, absl::Span<const int64_t> shape,
                               int64_t data_bytes);

// Builds a float32 tensor.
Tensor MakeFloatTensor(const std::vector<int64_t>& shape, const float* data);

}  // namespace mimic

#endif  // MIMIC_COMMON_TENSOR_UTIL_H_
