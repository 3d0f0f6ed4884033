// AVX-512F: blocks of 4 rows of x by 6 rows of w, 24 accumulators of 16 floats, dot products
// along k; w is read where it lies (no packing), each 6-row block once per 4 rows of x from cache.
#include <immintrin.h>

#include "learner/small_batch_kernels.h"

namespace mimic::kernels {
namespace {

constexpr int kRows = 4, kCols = 6;

template <int MR, int NR>
void Block(const float* x, int64_t ldx, int64_t k, const float* w, int64_t ldw, const float* b, float* y,
           int64_t ldy, bool accumulate) {
  __m512 acc[MR][NR];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + 16 <= k; p += 16) {
    __m512 wv[NR];
#pragma GCC unroll 6
    for (int j = 0; j < NR; ++j) wv[j] = _mm512_loadu_ps(w + j * ldw + p);
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const __m512 xv = _mm512_loadu_ps(x + i * ldx + p);
#pragma GCC unroll 6
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
  if (p < k) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (k - p)) - 1);
    __m512 wv[NR];
#pragma GCC unroll 6
    for (int j = 0; j < NR; ++j) wv[j] = _mm512_maskz_loadu_ps(mask, w + j * ldw + p);
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const __m512 xv = _mm512_maskz_loadu_ps(mask, x + i * ldx + p);
#pragma GCC unroll 6
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < NR; ++j) {
      float sum = _mm512_reduce_add_ps(acc[i][j]);
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
  row[4] = &Block<MR, 4>;
  row[5] = &Block<MR, 5>;
  row[6] = &Block<MR, 6>;
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

void SmallBatchLinearAvx512(const float* x, int64_t ldx, int64_t m, int64_t k, const float* w, int64_t ldw, int64_t n,
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
