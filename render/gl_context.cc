#include "render/gl_context.h"

#include <dlfcn.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/osmesa.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

namespace mimic::render {
namespace {

constexpr const char* kEglLibrary = "libEGL.so.1";
constexpr const char* kOsmesaLibrary = "libOSMesa.so.8";
constexpr unsigned kGlRenderer = 0x1F01, kGlVersion = 0x1F02, kGlExtensions = 0x1F03;
constexpr unsigned kGlNumExtensions = 0x821D;

// The backend whose GL functions MuJoCo has (or will have) in this process; kAuto = none yet.
absl::Mutex process_mu(absl::kConstInit);
GlBackend process_backend ABSL_GUARDED_BY(process_mu) = GlBackend::kAuto;

using GetProcFn = void* (*)(const char*);

template <typename T>
T Symbol(void* library, const char* name) {
  return reinterpret_cast<T>(dlsym(library, name));
}

// Checks what mjr_makeContext requires (GL >= 1.5 and framebuffer objects) with the context
// current, so a lacking driver is an error here rather than mju_error ending the process.
absl::Status CheckGl(GetProcFn get_proc, std::string* renderer, std::string* version) {
  using GetString = const unsigned char* (*)(unsigned);
  using GetStringi = const unsigned char* (*)(unsigned, unsigned);
  using GetIntegerv = void (*)(unsigned, int*);
  auto get_string = reinterpret_cast<GetString>(get_proc("glGetString"));
  if (get_string == nullptr) return absl::UnavailableError("the GL library has no glGetString");
  const unsigned char* r = get_string(kGlRenderer);
  const unsigned char* v = get_string(kGlVersion);
  if (r == nullptr || v == nullptr) return absl::UnavailableError("glGetString failed: no current context");
  *renderer = reinterpret_cast<const char*>(r);
  *version = reinterpret_cast<const char*>(v);
  int major = 0, minor = 0;
  if (std::sscanf(version->c_str(), "%d.%d", &major, &minor) != 2 || major * 10 + minor < 15) {
    return absl::FailedPreconditionError(
        absl::StrCat("MuJoCo's renderer needs OpenGL 1.5 or newer; the context offers '", *version, "' (",
                     *renderer, ")"));
  }
  bool fbo = false;
  if (const unsigned char* ext = get_string(kGlExtensions); ext != nullptr) {
    fbo = std::strstr(reinterpret_cast<const char*>(ext), "GL_ARB_framebuffer_object") != nullptr;
  } else if (auto get_stringi = reinterpret_cast<GetStringi>(get_proc("glGetStringi")); get_stringi != nullptr) {
    auto get_integerv = reinterpret_cast<GetIntegerv>(get_proc("glGetIntegerv"));
    int n = 0;
    if (get_integerv != nullptr) get_integerv(kGlNumExtensions, &n);
    for (int i = 0; i < n && !fbo; ++i) {
      const unsigned char* e = get_stringi(kGlExtensions, i);
      fbo = e != nullptr && std::strcmp(reinterpret_cast<const char*>(e), "GL_ARB_framebuffer_object") == 0;
    }
  }
  if (!fbo) {
    return absl::FailedPreconditionError(
        absl::StrCat("MuJoCo's offscreen renderer needs GL_ARB_framebuffer_object, which ", *renderer, " lacks"));
  }
  return absl::OkStatus();
}

// Makes `library`'s symbols visible to dlsym on the process, where MuJoCo's loader looks.
absl::Status PublishLibrary(const char* library) {
  if (dlopen(library, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot make ", library, " global: ", dlerror()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GlBackend> ParseGlBackend(absl::string_view name) {
  if (name == "auto" || name.empty()) return GlBackend::kAuto;
  if (name == "egl") return GlBackend::kEgl;
  if (name == "osmesa") return GlBackend::kOsmesa;
  return absl::InvalidArgumentError(absl::StrCat("unknown GL backend '", name, "' (auto, egl or osmesa)"));
}

const char* GlBackendName(GlBackend backend) {
  switch (backend) {
    case GlBackend::kAuto: return "auto";
    case GlBackend::kEgl: return "egl";
    case GlBackend::kOsmesa: return "osmesa";
  }
  return "?";
}

struct GlContext::Impl {
  GlBackend backend = GlBackend::kAuto;
  void* library = nullptr;  // dlopen handle, kept for the process (MuJoCo points into it)
  GetProcFn get_proc = nullptr;
  // OSMesa
  OSMesaContext osmesa = nullptr;
  std::vector<unsigned char> osmesa_buffer;  // the (unused) window buffer OSMesa draws into
  // EGL
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLContext context = EGL_NO_CONTEXT;
  EGLSurface surface = EGL_NO_SURFACE;

  ~Impl() {
    if (osmesa != nullptr) {
      if (auto destroy = Symbol<void (*)(OSMesaContext)>(library, "OSMesaDestroyContext")) destroy(osmesa);
    }
    if (context != EGL_NO_CONTEXT) {
      auto make_current = Symbol<PFNEGLMAKECURRENTPROC>(library, "eglMakeCurrent");
      auto destroy_context = Symbol<PFNEGLDESTROYCONTEXTPROC>(library, "eglDestroyContext");
      auto destroy_surface = Symbol<PFNEGLDESTROYSURFACEPROC>(library, "eglDestroySurface");
      if (make_current) make_current(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
      if (surface != EGL_NO_SURFACE && destroy_surface) destroy_surface(display, surface);
      if (destroy_context) destroy_context(display, context);
    }
  }

  absl::Status MakeCurrent() {
    if (backend == GlBackend::kOsmesa) {
      auto make_current =
          Symbol<GLboolean (*)(OSMesaContext, void*, GLenum, GLsizei, GLsizei)>(library, "OSMesaMakeCurrent");
      if (!make_current(osmesa, osmesa_buffer.data(), GL_UNSIGNED_BYTE, 16, 16)) {
        return absl::InternalError("OSMesaMakeCurrent failed");
      }
      return absl::OkStatus();
    }
    auto make_current = Symbol<PFNEGLMAKECURRENTPROC>(library, "eglMakeCurrent");
    if (!make_current(display, surface, surface, context)) return absl::InternalError("eglMakeCurrent failed");
    return absl::OkStatus();
  }
};

namespace {

absl::StatusOr<std::unique_ptr<GlContext::Impl>> CreateOsmesa() {
  auto impl = std::make_unique<GlContext::Impl>();
  impl->backend = GlBackend::kOsmesa;
  impl->library = dlopen(kOsmesaLibrary, RTLD_NOW | RTLD_LOCAL);
  if (impl->library == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot load ", kOsmesaLibrary, " (Debian package libosmesa6): ", dlerror()));
  }
  auto create_attribs = Symbol<OSMesaContext (*)(const int*, OSMesaContext)>(impl->library, "OSMesaCreateContextAttribs");
  auto create_ext = Symbol<OSMesaContext (*)(GLenum, GLint, GLint, GLint, OSMesaContext)>(impl->library, "OSMesaCreateContextExt");
  impl->get_proc = Symbol<GetProcFn>(impl->library, "OSMesaGetProcAddress");
  if (impl->get_proc == nullptr || (create_attribs == nullptr && create_ext == nullptr)) {
    return absl::UnavailableError(absl::StrCat(kOsmesaLibrary, " lacks the OSMesa entry points"));
  }
  const int attribs[] = {OSMESA_FORMAT,  OSMESA_RGBA,           OSMESA_DEPTH_BITS,
                         24,             OSMESA_STENCIL_BITS,   8,
                         OSMESA_PROFILE, OSMESA_COMPAT_PROFILE, 0};
  if (create_attribs != nullptr) impl->osmesa = create_attribs(attribs, nullptr);
  if (impl->osmesa == nullptr && create_ext != nullptr) impl->osmesa = create_ext(OSMESA_RGBA, 24, 8, 0, nullptr);
  if (impl->osmesa == nullptr) return absl::UnavailableError("OSMesa could not create a context");
  impl->osmesa_buffer.assign(16 * 16 * 4, 0);
  if (absl::Status s = impl->MakeCurrent(); !s.ok()) return s;
  return impl;
}

// One EGL display: initialise, choose an RGBA8 + depth config, create a desktop-GL context and
// make it current (without a surface where the display allows, else on a small pbuffer).
absl::Status StartEglDisplay(GlContext::Impl& impl, EGLDisplay display) {
  auto initialize = Symbol<PFNEGLINITIALIZEPROC>(impl.library, "eglInitialize");
  auto bind_api = Symbol<PFNEGLBINDAPIPROC>(impl.library, "eglBindAPI");
  auto choose_config = Symbol<PFNEGLCHOOSECONFIGPROC>(impl.library, "eglChooseConfig");
  auto create_context = Symbol<PFNEGLCREATECONTEXTPROC>(impl.library, "eglCreateContext");
  auto create_pbuffer = Symbol<PFNEGLCREATEPBUFFERSURFACEPROC>(impl.library, "eglCreatePbufferSurface");
  auto query_string = Symbol<PFNEGLQUERYSTRINGPROC>(impl.library, "eglQueryString");
  auto terminate = Symbol<PFNEGLTERMINATEPROC>(impl.library, "eglTerminate");
  if (!initialize || !bind_api || !choose_config || !create_context || !create_pbuffer || !query_string) {
    return absl::UnavailableError("libEGL lacks core EGL 1.4 entry points");
  }
  if (display == EGL_NO_DISPLAY) return absl::UnavailableError("no EGL display");
  EGLint major = 0, minor = 0;
  if (!initialize(display, &major, &minor)) return absl::UnavailableError("eglInitialize failed");
  auto fail = [&](const char* what) {
    if (terminate) terminate(display);
    return absl::UnavailableError(what);
  };
  if (!bind_api(EGL_OPENGL_API)) return fail("the EGL display offers no desktop OpenGL");
  const EGLint with_pbuffer[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
                                 EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_DEPTH_SIZE, 24,
                                 EGL_NONE};
  const EGLint any_surface[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8,
                                EGL_BLUE_SIZE, 8, EGL_NONE};
  EGLConfig config = nullptr;
  EGLint count = 0;
  bool pbuffer = true;
  if (!choose_config(display, with_pbuffer, &config, 1, &count) || count < 1) {
    pbuffer = false;
    if (!choose_config(display, any_surface, &config, 1, &count) || count < 1) {
      return fail("no EGL config with desktop OpenGL and 8-bit RGB");
    }
  }
  impl.context = create_context(display, config, EGL_NO_CONTEXT, nullptr);
  if (impl.context == EGL_NO_CONTEXT) return fail("eglCreateContext failed");
  impl.display = display;
  const char* extensions = query_string(display, EGL_EXTENSIONS);
  const bool surfaceless = extensions != nullptr && std::strstr(extensions, "EGL_KHR_surfaceless_context") != nullptr;
  if (!surfaceless) {
    if (!pbuffer) return absl::UnavailableError("the EGL display needs a surface but offers no pbuffer");
    const EGLint size[] = {EGL_WIDTH, 16, EGL_HEIGHT, 16, EGL_NONE};
    impl.surface = create_pbuffer(display, config, size);
    if (impl.surface == EGL_NO_SURFACE) return absl::UnavailableError("eglCreatePbufferSurface failed");
  }
  return impl.MakeCurrent();
}

absl::StatusOr<std::unique_ptr<GlContext::Impl>> CreateEgl() {
  void* library = dlopen(kEglLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot load ", kEglLibrary, " (Debian packages libegl1, libegl-mesa0): ", dlerror()));
  }
  auto get_proc = Symbol<GetProcFn>(library, "eglGetProcAddress");
  auto query_string = Symbol<PFNEGLQUERYSTRINGPROC>(library, "eglQueryString");
  if (get_proc == nullptr || query_string == nullptr) {
    return absl::UnavailableError(absl::StrCat(kEglLibrary, " lacks eglGetProcAddress"));
  }
  const char* client = query_string(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  const std::string client_extensions = client != nullptr ? client : "";
  auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(get_proc("eglGetPlatformDisplayEXT"));
  std::vector<std::string> tried;
  // a fresh attempt per display, so a half-made one is cleaned up by its destructor
  auto attempt = [&](EGLDisplay display, const std::string& what) -> std::unique_ptr<GlContext::Impl> {
    auto impl = std::make_unique<GlContext::Impl>();
    impl->backend = GlBackend::kEgl;
    impl->library = library;
    impl->get_proc = get_proc;
    absl::Status s = StartEglDisplay(*impl, display);
    if (s.ok()) return impl;
    tried.push_back(absl::StrCat(what, ": ", s.message()));
    return nullptr;
  };
  // 1. a device (a GPU where the driver offers one; Mesa also lists its software device)
  if (get_platform_display != nullptr && absl::StrContains(client_extensions, "EGL_EXT_platform_device")) {
    auto query_devices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(get_proc("eglQueryDevicesEXT"));
    EGLDeviceEXT devices[8];
    EGLint n = 0;
    if (query_devices != nullptr && query_devices(8, devices, &n)) {
      for (int i = 0; i < n; ++i) {
        auto impl = attempt(get_platform_display(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr), absl::StrCat("device ", i));
        if (impl != nullptr) return impl;
      }
    }
  }
  // 2. Mesa's surfaceless platform (llvmpipe without a GPU)
  if (get_platform_display != nullptr && absl::StrContains(client_extensions, "EGL_MESA_platform_surfaceless")) {
    auto impl = attempt(get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr), "surfaceless");
    if (impl != nullptr) return impl;
  }
  return absl::UnavailableError(absl::StrCat(
      "no usable EGL display (", tried.empty() ? "no device or surfaceless platform" : absl::StrJoin(tried, "; "),
      ")"));
}

}  // namespace

GlContext::GlContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), backend_(impl_->backend) {}
GlContext::~GlContext() = default;

absl::StatusOr<std::unique_ptr<GlContext>> GlContext::Create(GlBackend backend) {
  absl::MutexLock lock(&process_mu);
  if (backend == GlBackend::kAuto) {
    if (process_backend != GlBackend::kAuto) {
      backend = process_backend;
    } else if (const char* env = std::getenv("MIMIC_GL"); env != nullptr && *env != '\0') {
      absl::StatusOr<GlBackend> parsed = ParseGlBackend(env);
      if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat("MIMIC_GL: ", parsed.status().message()));
      backend = *parsed;
    }
  }
  if (process_backend != GlBackend::kAuto && backend != process_backend) {
    return absl::FailedPreconditionError(
        absl::StrCat("this process already renders with ", GlBackendName(process_backend),
                     " (MuJoCo binds the GL functions once per process); cannot switch to ", GlBackendName(backend)));
  }
  absl::StatusOr<std::unique_ptr<Impl>> impl;
  if (backend == GlBackend::kEgl || backend == GlBackend::kAuto) impl = CreateEgl();
  if (backend == GlBackend::kAuto && !impl.ok()) {
    absl::StatusOr<std::unique_ptr<Impl>> osmesa = CreateOsmesa();
    if (!osmesa.ok()) {
      return absl::UnavailableError(absl::StrCat("no offscreen OpenGL: EGL: ", impl.status().message(),
                                                 "; OSMesa: ", osmesa.status().message()));
    }
    impl = std::move(osmesa);
  }
  if (backend == GlBackend::kOsmesa) impl = CreateOsmesa();
  if (!impl.ok()) return impl.status();
  std::unique_ptr<GlContext> context(new GlContext(*std::move(impl)));
  if (absl::Status s = CheckGl(context->impl_->get_proc, &context->renderer_, &context->version_); !s.ok()) {
    return s;
  }
  if (process_backend == GlBackend::kAuto) {
    if (absl::Status s = PublishLibrary(context->backend_ == GlBackend::kEgl ? kEglLibrary : kOsmesaLibrary);
        !s.ok()) {
      return s;
    }
    process_backend = context->backend_;
  }
  return context;
}

absl::Status GlContext::MakeCurrent() { return impl_->MakeCurrent(); }

bool GlContext::software() const {
  return absl::StrContains(renderer_, "llvmpipe") || absl::StrContains(renderer_, "softpipe") ||
         absl::StrContains(renderer_, "swrast");
}

std::string GlContext::Describe() const {
  return absl::StrCat(GlBackendName(backend_), " (", renderer_, ")");
}

}  // namespace mimic::render
