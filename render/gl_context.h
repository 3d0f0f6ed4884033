// An offscreen OpenGL context with no display, for MuJoCo's renderer: EGL (a GPU where the driver
// offers one, else Mesa's surfaceless platform) or OSMesa (Mesa's software rasteriser), chosen at
// run time.
//
// How MuJoCo finds the GL functions: Debian's libmujoco 2.2.2 resolves them once per process, on
// the first mjr_makeContext, through its own loader: it asks the process (dlsym on dlopen(NULL))
// for eglGetProcAddress, then OSMesaGetProcAddress, then glXGetProcAddressARB; failing all three
// it walks the loaded libraries for libGLX/libGL/libEGL/libOSMesa, and failing that it calls
// mju_error, which ends the process. So this file dlopens the chosen implementation itself (not
// linked: the binary runs where neither is installed, and never holds two), makes its
// GetProcAddress visible process-wide only once a context works, and checks the GL version and
// framebuffer-object support MuJoCo needs before MuJoCo looks. A process keeps the first backend
// that worked: MuJoCo's function table cannot be switched later.
//
// A context is current on one thread at a time; MakeCurrent() moves it to the calling thread.
#ifndef MIMIC_RENDER_GL_CONTEXT_H_
#define MIMIC_RENDER_GL_CONTEXT_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace mimic::render {

enum class GlBackend {
  kAuto,    // MIMIC_GL=egl|osmesa when set, else EGL, falling back to OSMesa
  kEgl,
  kOsmesa,
};

absl::StatusOr<GlBackend> ParseGlBackend(absl::string_view name);  // auto | egl | osmesa
const char* GlBackendName(GlBackend backend);

class GlContext {
 public:
  // Creates a context and makes it current on the calling thread. Errors say which library or
  // call failed and what to install (libosmesa6, libegl1 with libegl-mesa0 and libgl1-mesa-dri).
  static absl::StatusOr<std::unique_ptr<GlContext>> Create(GlBackend backend = GlBackend::kAuto);
  ~GlContext();
  GlContext(const GlContext&) = delete;
  GlContext& operator=(const GlContext&) = delete;

  absl::Status MakeCurrent();

  GlBackend backend() const { return backend_; }
  // GL_RENDERER and GL_VERSION, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)", "4.5 (Compatibility
  // Profile) Mesa 22.3.6".
  const std::string& renderer() const { return renderer_; }
  const std::string& version() const { return version_; }
  // A software rasteriser (Mesa's llvmpipe, softpipe or swrast) rather than a GPU.
  bool software() const;
  // "egl (llvmpipe ...)": for logs and benchmark lines.
  std::string Describe() const;

  struct Impl;  // the library handle and the backend's context (gl_context.cc)

 private:
  explicit GlContext(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  GlBackend backend_ = GlBackend::kAuto;
  std::string renderer_, version_;
};

}  // namespace mimic::render

#endif  // MIMIC_RENDER_GL_CONTEXT_H_
