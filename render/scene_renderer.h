// Draws frames of the rat with MuJoCo's own renderer (mjv_* scene, mjr_* OpenGL) into RGB images,
// offscreen: the body in a given pose, the reference pose as a translucent ghost of the same
// model, the real rat's keypoints and the model's keypoints as small spheres (joined by thin
// lines that show the error), a camera, and a text overlay. Side by side, the left panel shows
// the simulation (body, model keypoints) and the right one the reference (its pose drawn solid,
// the real keypoints).
//
// The renderer owns its OpenGL context and a copy of the model with render settings applied
// (offscreen size, shadows, floor); use it from one thread at a time.
#ifndef MIMIC_RENDER_SCENE_RENDERER_H_
#define MIMIC_RENDER_SCENE_RENDERER_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "render/gl_context.h"
#include "render/image.h"

namespace mimic::render {

enum class CameraKind {
  kTracking,  // follows the target each frame (the caller smooths the path: camera_path.h)
  kFixed,     // one target for the whole clip, far enough to keep the rat in view
  kModel,     // a camera of the MJCF by name (the rodent has close_profile, back, side, top, ...)
};

struct CameraOptions {
  CameraKind kind = CameraKind::kTracking;
  std::string model_camera;    // kModel: the camera's name
  double distance_m = 0;       // 0: from the body's size (tracking) or the clip's extent (fixed)
  double azimuth_deg = 135;    // 0 looks along +x; 90 along +y (MuJoCo's free camera)
  double elevation_deg = -20;  // negative looks down
};

// What a frame may draw; absent data draws nothing whatever the flag.
struct Layers {
  bool body = true;             // the simulated (or registered) body
  bool ghost = true;            // the reference pose, translucent
  bool keypoints = true;        // the real rat's keypoints
  bool model_keypoints = true;  // the model's keypoints (STAC marker offsets on the bodies)
  bool text = true;             // overlay: clip, frame, error, episode ends, legend
  bool floor = true;
};

// "all", or a comma list of body, ghost, keypoints, model_keypoints, text, floor; a leading '-'
// removes one from all ("-ghost,-text").
absl::StatusOr<Layers> ParseLayers(const std::string& list);

struct RenderOptions {
  int width = 640;   // pixels of the whole frame (both panels when side by side); even
  int height = 480;  // even (H.264 in 4:2:0 needs even sizes)
  CameraOptions camera;
  double ghost_alpha = 0.35;  // opacity of the reference ghost, (0, 1]
  Layers layers;
  bool side_by_side = false;
  // the tracking light's shadow: 1 on, 0 off, -1 on only with a hardware GL (MuJoCo draws the
  // scene again for it: twice a frame's cost on a software rasteriser)
  int shadows = -1;
  int shadow_size = 1024;  // its depth map, pixels square
  int multisamples = 0;   // MSAA samples of the offscreen buffer (costly on a software rasteriser)
  GlBackend backend = GlBackend::kAuto;

  absl::Status Validate() const;
};

struct FrameContent {
  const double* qpos = nullptr;        // (nq) the body; null = not drawn
  const double* ghost_qpos = nullptr;  // (nq) the reference pose; null = not drawn
  int num_keypoints = 0;               // K
  const double* keypoints = nullptr;        // (K x 3) the real rat, metres, world frame; NaN = missing
  const double* model_keypoints = nullptr;  // (K x 3) the model's keypoints
  std::array<double, 3> lookat = {0, 0, 0.05};  // camera target (tracking and fixed cameras)
  double distance_m = 0.6;                      // camera distance when the options leave it at 0
  // overlay text: top-left labels and their values (one per line), bottom-left notes
  std::string labels, values, notes;
  std::string panel_titles[2] = {"simulation", "reference"};  // side by side, top right of each panel
};

class SceneRenderer {
 public:
  // `model` is copied; it may be freed afterwards.
  static absl::StatusOr<std::unique_ptr<SceneRenderer>> Create(const mjModel* model, const RenderOptions& options);
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  // Renders one frame into `image` (sized to width x height).
  absl::Status Render(const FrameContent& frame, Image* image);
  absl::StatusOr<Image> Render(const FrameContent& frame);

  // Where a world point appeared in the last rendered frame: pixel (x from the left, y from the
  // top) in the whole image, for panel 0 (the only one, or the left) or 1 (right); nullopt when
  // the point is behind the camera.
  std::optional<std::array<double, 2>> Project(const double point[3], int panel = 0) const;

  const mjModel* model() const { return model_; }
  const RenderOptions& options() const { return options_; }
  const GlContext& gl() const { return *gl_; }
  bool shadows() const { return shadows_; }

 private:
  SceneRenderer() = default;
  void BuildPanel(const FrameContent& frame, bool reference_panel, bool only_panel, mjvScene* scene);
  void AddSphere(mjvScene* scene, const double* pos, double radius, const float rgba[4]);
  void AddConnector(mjvScene* scene, const double* a, const double* b, double radius, const float rgba[4]);
  void SetPose(mjData* data, const double* qpos);

  RenderOptions options_;
  std::unique_ptr<GlContext> gl_;
  mjModel* model_ = nullptr;  // the render copy
  mjData* body_ = nullptr;
  mjData* ghost_ = nullptr;
  mjvScene scenes_[2];
  mjvOption option_;
  mjvCamera camera_;
  mjrContext context_;
  int model_camera_ = -1;
  bool shadows_ = false;
  std::vector<unsigned char> readback_;  // bottom-up rows from mjr_readPixels
  mjvGLCamera last_cameras_[2];
  mjrRect last_viewports_[2];
};

}  // namespace mimic::render

#endif  // MIMIC_RENDER_SCENE_RENDERER_H_
