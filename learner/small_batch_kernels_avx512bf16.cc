// AVX-512 BF16: the float kernel's 4 x 6 blocks on operands rounded to bfloat16 (8-bit mantissa),
// summed in float32. VDPBF16PS multiplies 32 pairs per instruction where VFMADD231PS multiplies 16,
// and the weights it streams are half the bytes.
#include <immintrin.h>

#include "learner/small_batch_kernels.h"

namespace mimic::kernels {
namespace {

constexpr int kRows = 4, kCols = 6;

__m512bh LoadPairs(const uint16_t* p) { return (__m512bh)_mm512_loadu_si512(p); }

template <int MR, int NR>
void Block(const uint16_t* x, int64_t ldx, int64_t k, const uint16_t* w, int64_t ldw, const float* b, float* y,
           int64_t ldy, bool accumulate) {
  __m512 acc[MR][NR];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; p += kBf16Lanes) {
    __m512bh wv[NR];
#pragma GCC unroll 6
    for (int j = 0; j < NR; ++j) wv[j] = LoadPairs(w + j * ldw + p);
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const __m512bh xv = LoadPairs(x + i * ldx + p);
#pragma GCC unroll 6
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
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

using BlockFn = void (*)(const uint16_t*, int64_t, int64_t, const uint16_t*, int64_t, const float*, float*, int64_t,
                         bool);

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

void ToBfloat16Avx512(const float* src, int64_t count, uint16_t* dst) {
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), (__m256i)v);
  }
  if (i < count) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (count - i)) - 1);
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, src + i));
    _mm256_mask_storeu_epi16(dst + i, mask, (__m256i)v);
  }
}

void SmallBatchLinearAvx512Bf16(const uint16_t* x, int64_t ldx, int64_t m, int64_t k, const uint16_t* w, int64_t ldw,
                                int64_t n, const float* b, float* y, int64_t ldy, bool accumulate) {
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
