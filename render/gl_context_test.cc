#include "render/gl_context.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace mimic::render {
namespace {

// The backend this test binary asks for (its BUILD target sets MIMIC_TEST_GL): each backend
// runs in its own process, since MuJoCo binds one GL per process.
GlBackend RequestedBackend() {
  const char* name = std::getenv("MIMIC_TEST_GL");
  absl::StatusOr<GlBackend> backend = ParseGlBackend(name == nullptr ? "auto" : name);
  return backend.ok() ? *backend : GlBackend::kAuto;
}

TEST(GlContextTest, ParsesBackendNamesAndRefusesUnknownOnes) {
  EXPECT_EQ(*ParseGlBackend("egl"), GlBackend::kEgl);
  EXPECT_EQ(*ParseGlBackend("osmesa"), GlBackend::kOsmesa);
  EXPECT_EQ(*ParseGlBackend("auto"), GlBackend::kAuto);
  absl::StatusOr<GlBackend> bad = ParseGlBackend("glx");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'glx'"), std::string::npos);
}

TEST(GlContextTest, MakesAnOffscreenContextThatMuJoCoCanUse) {
  absl::StatusOr<std::unique_ptr<GlContext>> gl = GlContext::Create(RequestedBackend());
  ASSERT_TRUE(gl.ok()) << gl.status();
  if (RequestedBackend() != GlBackend::kAuto) {
    EXPECT_EQ((*gl)->backend(), RequestedBackend());
  }
  EXPECT_FALSE((*gl)->renderer().empty());
  EXPECT_FALSE((*gl)->version().empty());
  EXPECT_TRUE((*gl)->MakeCurrent().ok());
  // a second context of the same backend is fine
  absl::StatusOr<std::unique_ptr<GlContext>> second = GlContext::Create((*gl)->backend());
  ASSERT_TRUE(second.ok()) << second.status();
}

TEST(GlContextTest, RefusesToSwitchBackendsWithinAProcess) {
  absl::StatusOr<std::unique_ptr<GlContext>> gl = GlContext::Create(RequestedBackend());
  ASSERT_TRUE(gl.ok()) << gl.status();
  const GlBackend other = (*gl)->backend() == GlBackend::kEgl ? GlBackend::kOsmesa : GlBackend::kEgl;
  absl::StatusOr<std::unique_ptr<GlContext>> switched = GlContext::Create(other);
  ASSERT_FALSE(switched.ok());
  EXPECT_EQ(switched.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(switched.status().message().find(GlBackendName((*gl)->backend())), std::string::npos);
  // auto follows the backend the process has
  absl::StatusOr<std::unique_ptr<GlContext>> automatic = GlContext::Create(GlBackend::kAuto);
  ASSERT_TRUE(automatic.ok()) << automatic.status();
  EXPECT_EQ((*automatic)->backend(), (*gl)->backend());
}

}  // namespace
}  // namespace mimic::render
