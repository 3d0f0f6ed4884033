// AVX2 + FMA: blocks of 4 rows of x by 3 rows of w, 12 accumulators of 8 floats (16 registers),
// dot products along k; w is read where it lies (no packing).
#include <immintrin.h>

#include "learner/small_batch_kernels.h"

namespace mimic::kernels {
namespace {

constexpr int kRows = 4, kCols = 3;

float Sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_hadd_ps(s, s);
  s = _mm_hadd_ps(s, s);
  return _mm_cvtss_f32(s);
}

template <int MR, int NR>
void Block(const float* x, int64_t ldx, int64_t k, const float* w, int64_t ldw, const float* b, float* y,
           int64_t ldy, bool accumulate) {
  __m256 acc[MR][NR];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + 8 <= k; p += 8) {
    __m256 wv[NR];
#pragma GCC unroll 3
    for (int j = 0; j < NR; ++j) wv[j] = _mm256_loadu_ps(w + j * ldw + p);
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const __m256 xv = _mm256_loadu_ps(x + i * ldx + p);
#pragma GCC unroll 3
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
  if (p < k) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k - p)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 wv[NR];
#pragma GCC unroll 3
    for (int j = 0; j < NR; ++j) wv[j] = _mm256_maskload_ps(w + j * ldw + p, mask);
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const __m256 xv = _mm256_maskload_ps(x + i * ldx + p, mask);
#pragma GCC unroll 3
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
    for (int j = 0; j < NR; ++j) {
      float sum = Sum(acc[i][j]);
      if (b != nullptr) sum += b[j];
      float* out = y + i * ldy + j;
      *out = accumulate ? *out + sum : sum;
    }
}

using BlockFn = void (*)(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, bool);

template <int MR>
constexpr void FillRow(BlockFn (&row)[kCols + 1]) {
  row[0] = nullptr;
  row[1] = &Block<MR, 1>;
  row[2] = &Block<MR, 2>;
  row[3] = &Block<MR, 3>;
}

struct Table {
  BlockFn fn[kRows + 1][kCols + 1] = {};
  Table() {
    FillRow<1>(fn[1]);
    FillRow<2>(fn[2]);
    FillRow<3>(fn[3]);
    FillRow<4>(fn[4]);
  }
};

}  // namespace

void SmallBatchLinearAvx2(const float* x, int64_t ldx, int64_t m, int64_t k, const float* w, int64_t ldw, int64_t n,
                            const float* b, float* y, int64_t ldy, bool accumulate) {
  static const Table table;
  for (int64_t j = 0; j < n; j += kCols) {
    const int nr = static_cast<int>(n - j < kCols ? n - j : kCols);
    for (int64_t i = 0; i < m; i += kRows) {
      const int mr = static_cast<int>(m - i < kRows ? m - i : kRows);
      table.fn[mr][nr](x + i * ldx, ldx, k, w + j * ldw, ldw, b != nullptr ? b + j : nullptr, y + i * ldy + j, ldy,
                       accumulate);
    }
  }
}

}  // namespace mimic::kernels
