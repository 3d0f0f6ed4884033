// A learner batch stacked straight from sampled replay items as they arrived over gRPC: each
// tensor is read in place from the received buffers (copied only where a tensor straddles two of
// them), so the stack is the one copy between the wire and the update.
#ifndef MIMIC_LEARNER_SAMPLED_BATCH_H_
#define MIMIC_LEARNER_SAMPLED_BATCH_H_

#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/batch.h"
#include "replay/stored_item.h"

namespace mimic {

// A float32/float64 tensor over `header`'s bytes: a view when they are contiguous (valid while the
// item lives), else a copy.
absl::StatusOr<torch::Tensor> TensorFromStored(const replay::TensorHeader& header, const std::string& what);

// As StackUnrolls, from sampled items.
absl::StatusOr<Batch> StackSampled(const std::vector<replay::SampledView>& sampled, int lstm_layers);

}  // namespace mimic

#endif  // MIMIC_LEARNER_SAMPLED_BATCH_H_
