// OpenBLAS runs its own thread pool beside LibTorch's. In an actor, whose other cores step the
// physics, those threads spin after every matrix product and slow the physics down; one BLAS
// thread is faster overall (docs/benchmarks.md, bench actor). Looked up at run time, so builds
// against any BLAS and the reference one simply ignore it.
#ifndef MIMIC_COMMON_BLAS_THREADS_H_
#define MIMIC_COMMON_BLAS_THREADS_H_

#include <dlfcn.h>

namespace mimic {

// True when an OpenBLAS was found and set to `threads`.
inline bool SetBlasThreads(int threads) {
  using SetThreads = void (*)(int);
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr) return false;
  set(threads);
  return true;
}

// OpenBLAS's thread count, or 0 when no OpenBLAS was found.
inline int BlasThreads() {
  using GetThreads = int (*)();
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? 0 : get();
}

}  // namespace mimic

#endif  // MIMIC_COMMON_BLAS_THREADS_H_
