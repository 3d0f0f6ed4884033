// Kernels behind small_batch_linear.h, one per instruction set, each compiled with its own target
// flags (BUILD.bazel). Callers must check the CPU first (SmallBatchLinearIsa). These files include
// nothing but the intrinsics headers, so no inline function of a shared header is compiled with
// instructions another CPU lacks.
//
// y[i, j] = (accumulate ? y[i, j] : 0) + sum_p x[i, p] w[j, p] + (b ? b[j] : 0)
// x: m x k (row stride ldx), w: n x k (row stride ldw, torch::nn::Linear's layout), y: m x n (ldy).
#ifndef MIMIC_LEARNER_SMALL_BATCH_KERNELS_H_
#define MIMIC_LEARNER_SMALL_BATCH_KERNELS_H_

#include <stdint.h>

namespace mimic::kernels {

void SmallBatchLinearAvx512(const float* x, int64_t ldx, int64_t m, int64_t k, const float* w, int64_t ldw, int64_t n,
                            const float* b, float* y, int64_t ldy, bool accumulate);
void SmallBatchLinearAvx2(const float* x, int64_t ldx, int64_t m, int64_t k, const float* w, int64_t ldw, int64_t n,
                          const float* b, float* y, int64_t ldy, bool accumulate);

}  // namespace mimic::kernels

#endif  // MIMIC_LEARNER_SMALL_BATCH_KERNELS_H_
