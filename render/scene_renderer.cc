#include "render/scene_renderer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mimic::render {
namespace {

// colours: the reference ghost warm, the real keypoints red, the model's keypoints green
constexpr float kGhostRgb[3] = {1.0f, 0.62f, 0.25f};
// the real keypoints are a translucent halo, so a model keypoint on top of one still shows
constexpr float kKeypointRgba[4] = {1.0f, 0.1f, 0.15f, 0.45f};
constexpr float kModelKeypointRgba[4] = {0.35f, 1.0f, 0.35f, 1.0f};
constexpr float kConnectorRgba[4] = {0.9f, 0.9f, 0.9f, 1.0f};
constexpr double kKeypointRadius = 0.005;        // m
constexpr double kModelKeypointRadius = 0.0035;  // m
constexpr double kConnectorRadius = 0.0008;      // m

bool Finite3(const double* p) { return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]); }

int FontScaleFor(int height) {
  if (height >= 1400) return mjFONTSCALE_250;
  if (height >= 1000) return mjFONTSCALE_200;
  if (height >= 700) return mjFONTSCALE_150;
  return mjFONTSCALE_100;
}

}  // namespace

absl::StatusOr<Layers> ParseLayers(const std::string& list) {
  if (list.empty() || list == "all") return Layers{};
  Layers layers;
  const std::vector<std::string> items = absl::StrSplit(list, ',', absl::SkipEmpty());
  const bool subtract = !items.empty() && items.front()[0] == '-';
  if (!subtract) layers = Layers{false, false, false, false, false, false};
  for (std::string item : items) {
    const bool remove = !item.empty() && item[0] == '-';
    if (remove != subtract) {
      return absl::InvalidArgumentError(
          absl::StrCat("--layers '", list, "': give either the layers to draw or '-' each one to leave out"));
    }
    if (remove) item = item.substr(1);
    bool* flag = nullptr;
    if (item == "body") flag = &layers.body;
    if (item == "ghost") flag = &layers.ghost;
    if (item == "keypoints") flag = &layers.keypoints;
    if (item == "model_keypoints") flag = &layers.model_keypoints;
    if (item == "text") flag = &layers.text;
    if (item == "floor") flag = &layers.floor;
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown layer '", item, "' (body, ghost, keypoints, model_keypoints, text, floor, or all)"));
    }
    *flag = !remove;
  }
  return layers;
}

absl::Status RenderOptions::Validate() const {
  if (width < 16 || height < 16 || width > 7680 || height > 4320 || width % 2 != 0 || height % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolution ", width, "x", height, ": width and height must be even, from 16x16 to 7680x4320"));
  }
  if (side_by_side && width % 4 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("side by side needs a width divisible by 4 (got ", width, ")"));
  }
  if (!(ghost_alpha > 0 && ghost_alpha <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("ghost opacity must be in (0, 1], got ", ghost_alpha));
  }
  if (shadow_size < 64 || shadow_size > 8192) {
    return absl::InvalidArgumentError(absl::StrCat("shadow size must be in [64, 8192], got ", shadow_size));
  }
  if (shadows < -1 || shadows > 1) return absl::InvalidArgumentError("shadows must be -1 (auto), 0 or 1");
  if (multisamples < 0 || multisamples > 16) {
    return absl::InvalidArgumentError(absl::StrCat("multisamples must be in [0, 16], got ", multisamples));
  }
  if (camera.kind == CameraKind::kModel && camera.model_camera.empty()) {
    return absl::InvalidArgumentError("a model camera needs its name");
  }
  if (!(camera.distance_m >= 0 && camera.distance_m < 100)) {
    return absl::InvalidArgumentError(absl::StrCat("camera distance must be in [0, 100) m, got ", camera.distance_m));
  }
  if (!std::isfinite(camera.azimuth_deg) || !(camera.elevation_deg >= -90 && camera.elevation_deg <= 90)) {
    return absl::InvalidArgumentError("camera elevation must be in [-90, 90] degrees and azimuth finite");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SceneRenderer>> SceneRenderer::Create(const mjModel* model,
                                                                     const RenderOptions& options) {
  if (model == nullptr) return absl::InvalidArgumentError("no model to render");
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<SceneRenderer> r(new SceneRenderer());
  r->options_ = options;
  if (options.camera.kind == CameraKind::kModel) {
    r->model_camera_ = mj_name2id(model, mjOBJ_CAMERA, options.camera.model_camera.c_str());
    if (r->model_camera_ < 0) {
      std::string names;
      for (int i = 0; i < model->ncam; ++i) absl::StrAppend(&names, i ? ", " : "", mj_id2name(model, mjOBJ_CAMERA, i));
      return absl::NotFoundError(absl::StrCat("the model has no camera '", options.camera.model_camera,
                                              "' (it has: ", names.empty() ? "none" : names, ")"));
    }
  }
  absl::StatusOr<std::unique_ptr<GlContext>> gl = GlContext::Create(options.backend);
  if (!gl.ok()) return gl.status();
  r->gl_ = *std::move(gl);

  // the render copy: offscreen buffer of the frame's size, the chosen shadow and sampling,
  // a finer, matte floor checker drawn as a coarse grid (the bundled model's 5 mm grid spacing
  // made the floor 200 x 200 quads: half of each frame on a software rasteriser)
  r->model_ = mj_copyModel(nullptr, model);
  mjModel* m = r->model_;
  m->vis.global.offwidth = options.width;
  m->vis.global.offheight = options.height;
  m->vis.quality.offsamples = options.multisamples;
  m->vis.quality.shadowsize = options.shadow_size;
  // builtin geoms (the rat is made of capsules, ellipsoids and spheres) with half MuJoCo's default
  // slices and stacks: llvmpipe lights every vertex, and at 640x480 the difference does not show
  // (measured: 28x16 -> 16x8 took a frame from ~32 to ~18 ms of CPU, docs/benchmarks.md)
  m->vis.quality.numslices = 16;
  m->vis.quality.numstacks = 8;
  m->vis.headlight.ambient[0] = m->vis.headlight.ambient[1] = m->vis.headlight.ambient[2] = 0.25f;
  m->vis.headlight.diffuse[0] = m->vis.headlight.diffuse[1] = m->vis.headlight.diffuse[2] = 0.45f;
  m->vis.headlight.active = 1;
  for (int g = 0; g < m->ngeom; ++g) {
    if (m->geom_type[g] != mjGEOM_PLANE) continue;
    m->geom_size[3 * g + 2] = 0.25;
    if (const int mat = m->geom_matid[g]; mat >= 0) {
      m->mat_texrepeat[2 * mat] = m->mat_texrepeat[2 * mat + 1] = 5;  // 10 cm squares
      m->mat_reflectance[mat] = 0;
    }
  }
  r->body_ = mj_makeData(m);
  r->ghost_ = mj_makeData(m);
  mjv_defaultOption(&r->option_);
  mjv_defaultCamera(&r->camera_);
  const int max_geoms = 2 * m->ngeom + 8 * 64 + 64;
  for (mjvScene& scene : r->scenes_) {
    mjv_defaultScene(&scene);
    mjv_makeScene(m, &scene, max_geoms);
    scene.flags[mjRND_SHADOW] = 0;
    scene.flags[mjRND_REFLECTION] = 0;
    scene.flags[mjRND_SKYBOX] = 0;
  }
  mjr_defaultContext(&r->context_);
  mjr_makeContext(m, &r->context_, FontScaleFor(options.height));
  mjr_setBuffer(mjFB_OFFSCREEN, &r->context_);
  if (r->context_.currentBuffer != mjFB_OFFSCREEN || r->context_.offWidth < options.width ||
      r->context_.offHeight < options.height) {
    return absl::InternalError(absl::StrCat("MuJoCo could not make a ", options.width, "x", options.height,
                                            " offscreen buffer on ", r->gl_->Describe()));
  }
  // shadows: MuJoCo draws the scene again for them, which doubles a frame's cost on a software
  // rasteriser; by default they are drawn only where the GL is hardware
  r->shadows_ = options.shadows > 0 || (options.shadows < 0 && !r->gl_->software());
  for (mjvScene& scene : r->scenes_) scene.flags[mjRND_SHADOW] = r->shadows_ ? 1 : 0;
  r->readback_.resize(static_cast<size_t>(options.width) * options.height * 3);
  return r;
}

SceneRenderer::~SceneRenderer() {
  if (gl_ != nullptr && gl_->MakeCurrent().ok()) mjr_freeContext(&context_);
  for (mjvScene& scene : scenes_) {
    if (scene.maxgeom > 0) mjv_freeScene(&scene);
  }
  if (body_ != nullptr) mj_deleteData(body_);
  if (ghost_ != nullptr) mj_deleteData(ghost_);
  if (model_ != nullptr) mj_deleteModel(model_);
}

void SceneRenderer::SetPose(mjData* data, const double* qpos) {
  std::memcpy(data->qpos, qpos, sizeof(double) * model_->nq);
  mj_kinematics(model_, data);
  mj_comPos(model_, data);    // subtree centres of mass: trackcom lights and cameras
  mj_camlight(model_, data);
}

void SceneRenderer::AddSphere(mjvScene* scene, const double* pos, double radius, const float rgba[4]) {
  if (scene->ngeom >= scene->maxgeom || !Finite3(pos)) return;
  mjvGeom* g = scene->geoms + scene->ngeom++;
  const mjtNum size[3] = {radius, radius, radius};
  mjv_initGeom(g, mjGEOM_SPHERE, size, pos, nullptr, rgba);
  g->category = mjCAT_DECOR;
  g->emission = 0.25f;
  g->transparent = rgba[3] < 1 ? 1 : 0;
}

void SceneRenderer::AddConnector(mjvScene* scene, const double* a, const double* b, double radius,
                                 const float rgba[4]) {
  if (scene->ngeom >= scene->maxgeom || !Finite3(a) || !Finite3(b)) return;
  mjvGeom* g = scene->geoms + scene->ngeom++;
  mjv_initGeom(g, mjGEOM_CAPSULE, nullptr, nullptr, nullptr, rgba);
  mjv_makeConnector(g, mjGEOM_CAPSULE, radius, a[0], a[1], a[2], b[0], b[1], b[2]);
  g->category = mjCAT_DECOR;
  g->transparent = rgba[3] < 1 ? 1 : 0;
}

// One panel's scene. The reference panel (side by side) draws the reference pose solid with the
// real keypoints; the simulation panel the body with the model's keypoints; the only panel all.
void SceneRenderer::BuildPanel(const FrameContent& frame, bool reference_panel, bool only_panel, mjvScene* scene) {
  const Layers& layers = options_.layers;
  const bool draw_body = !reference_panel && layers.body && frame.qpos != nullptr;
  const bool draw_ghost = layers.ghost && frame.ghost_qpos != nullptr && (reference_panel || only_panel);
  const bool draw_keypoints = layers.keypoints && frame.keypoints != nullptr && (reference_panel || only_panel);
  const bool draw_model_keypoints = layers.model_keypoints && frame.model_keypoints != nullptr && !reference_panel;

  // the pose that places lights and model cameras: the body's, else the reference's
  mjData* primary = body_;
  if (frame.qpos != nullptr) SetPose(body_, frame.qpos);
  if (frame.ghost_qpos != nullptr) {
    SetPose(ghost_, frame.ghost_qpos);
    if (frame.qpos == nullptr || reference_panel) primary = ghost_;
  }
  if (frame.qpos == nullptr && frame.ghost_qpos == nullptr) SetPose(body_, model_->qpos0);

  if (options_.camera.kind == CameraKind::kModel) {
    camera_.type = mjCAMERA_FIXED;
    camera_.fixedcamid = model_camera_;
  } else {
    camera_.type = mjCAMERA_FREE;
    for (int i = 0; i < 3; ++i) camera_.lookat[i] = frame.lookat[i];
    camera_.distance = options_.camera.distance_m > 0 ? options_.camera.distance_m : frame.distance_m;
    camera_.azimuth = options_.camera.azimuth_deg;
    camera_.elevation = options_.camera.elevation_deg;
  }
  // static geoms (the floor), lights and the camera; the bodies are added below
  mjv_updateScene(model_, primary, &option_, nullptr, &camera_, layers.floor ? mjCAT_STATIC : 0, scene);
  if (draw_body) mjv_addGeoms(model_, body_, &option_, nullptr, mjCAT_DYNAMIC, scene);
  if (draw_ghost) {
    const int first = scene->ngeom;
    mjv_addGeoms(model_, ghost_, &option_, nullptr, mjCAT_DYNAMIC, scene);
    // a translucent, warm copy of the model; drawn solid in the same colour as the reference panel
    const float alpha = reference_panel ? 1.0f : static_cast<float>(options_.ghost_alpha);
    for (int i = first; i < scene->ngeom; ++i) {
      mjvGeom& g = scene->geoms[i];
      for (int c = 0; c < 3; ++c) g.rgba[c] = kGhostRgb[c];
      g.rgba[3] = alpha;
      g.transparent = alpha < 1 ? 1 : 0;
      g.specular = 0.2f;
    }
  }
  const int k_count = frame.num_keypoints;
  if (draw_keypoints && draw_model_keypoints) {
    for (int k = 0; k < k_count; ++k) {
      AddConnector(scene, frame.keypoints + 3 * k, frame.model_keypoints + 3 * k, kConnectorRadius, kConnectorRgba);
    }
  }
  if (draw_keypoints) {
    for (int k = 0; k < k_count; ++k) AddSphere(scene, frame.keypoints + 3 * k, kKeypointRadius, kKeypointRgba);
  }
  if (draw_model_keypoints) {
    for (int k = 0; k < k_count; ++k) {
      AddSphere(scene, frame.model_keypoints + 3 * k, kModelKeypointRadius, kModelKeypointRgba);
    }
  }
}

absl::Status SceneRenderer::Render(const FrameContent& frame, Image* image) {
  if (absl::Status s = gl_->MakeCurrent(); !s.ok()) return s;
  const int W = options_.width, H = options_.height;
  const int panels = options_.side_by_side ? 2 : 1;
  const int panel_width = W / panels;
  for (int p = 0; p < panels; ++p) {
    const mjrRect viewport = {p * panel_width, 0, panel_width, H};
    BuildPanel(frame, /*reference_panel=*/p == 1, /*only_panel=*/panels == 1, &scenes_[p]);
    mjr_render(viewport, &scenes_[p], &context_);
    last_cameras_[p] = mjv_averageCamera(&scenes_[p].camera[0], &scenes_[p].camera[1]);
    last_viewports_[p] = viewport;
    // panel titles top right; the left one only when the labels do not take that corner's row
    if (panels == 2 && options_.layers.text && !frame.panel_titles[p].empty() && (p == 1 || frame.labels.empty())) {
      mjr_overlay(mjFONT_NORMAL, mjGRID_TOPRIGHT, viewport, frame.panel_titles[p].c_str(), nullptr, &context_);
    }
  }
  if (panels == 2) mjr_rectangle({panel_width - 1, 0, 2, H}, 0.9f, 0.9f, 0.9f, 1.0f);  // the divider
  if (options_.layers.text) {
    const mjrRect whole = {0, 0, W, H};
    const mjrRect left = {0, 0, panel_width, H};
    if (!frame.labels.empty()) {
      mjr_overlay(mjFONT_NORMAL, mjGRID_TOPLEFT, left, frame.labels.c_str(), frame.values.c_str(), &context_);
    }
    if (!frame.notes.empty()) {
      mjr_overlay(mjFONT_NORMAL, mjGRID_BOTTOMLEFT, whole, frame.notes.c_str(), nullptr, &context_);
    }
  }
  mjr_readPixels(readback_.data(), nullptr, {0, 0, W, H}, &context_);
  if (image->width != W || image->height != H) *image = Image(W, H);
  const size_t row = static_cast<size_t>(W) * 3;
  for (int y = 0; y < H; ++y) {
    std::memcpy(image->rgb.data() + y * row, readback_.data() + (H - 1 - y) * row, row);
  }
  return absl::OkStatus();
}

absl::StatusOr<Image> SceneRenderer::Render(const FrameContent& frame) {
  Image image;
  if (absl::Status s = Render(frame, &image); !s.ok()) return s;
  return image;
}

std::optional<std::array<double, 2>> SceneRenderer::Project(const double point[3], int panel) const {
  const int panels = options_.side_by_side ? 2 : 1;
  if (panel < 0 || panel >= panels) return std::nullopt;
  const mjvGLCamera& cam = last_cameras_[panel];
  const mjrRect& vp = last_viewports_[panel];
  // camera frame: forward, up and right = forward x up (OpenGL's gluLookAt)
  double d[3], forward[3], up[3], right[3];
  for (int i = 0; i < 3; ++i) {
    d[i] = point[i] - cam.pos[i];
    forward[i] = cam.forward[i];
    up[i] = cam.up[i];
  }
  mju_cross(right, forward, up);
  mju_normalize3(right);
  const double z = mju_dot3(d, forward);
  if (z <= cam.frustum_near) return std::nullopt;
  const double x_near = cam.frustum_near * mju_dot3(d, right) / z;
  const double y_near = cam.frustum_near * mju_dot3(d, up) / z;
  // the frustum MuJoCo sets: top/bottom from the camera, left/right matching the aspect ratio
  const double half_height = 0.5 * (cam.frustum_top - cam.frustum_bottom);
  const double half_width = half_height * vp.width / vp.height;
  const double ndc_x = (x_near - cam.frustum_center) / half_width;
  const double ndc_y = (y_near - 0.5 * (cam.frustum_top + cam.frustum_bottom)) / half_height;
  const double px = vp.left + 0.5 * (ndc_x + 1) * vp.width;
  const double py_up = vp.bottom + 0.5 * (ndc_y + 1) * vp.height;
  return std::array<double, 2>{px, options_.height - py_up};
}

}  // namespace mimic::render
