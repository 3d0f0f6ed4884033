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

// The same product on bfloat16 operands (uint16_t bit patterns) with float32 sums, for CPUs with
// AVX512_BF16. k must be a multiple of kBf16Lanes, and every row of x and w padded with zeros to
// it (ldx, ldw >= k).
constexpr int64_t kBf16Lanes = 32;
void SmallBatchLinearAvx512Bf16(const uint16_t* x, int64_t ldx, int64_t m, int64_t k, const uint16_t* w, int64_t ldw,
                                int64_t n, const float* b, float* y, int64_t ldy, bool accumulate);
// dst[i] = src[i] rounded to the nearest bfloat16 (ties to even), for i < count.
void ToBfloat16Avx512(const float* src, int64_t count, uint16_t* dst);

}  // namespace mimic::kernels

#endif  // MIMIC_LEARNER_SMALL_BATCH_KERNELS_H_
