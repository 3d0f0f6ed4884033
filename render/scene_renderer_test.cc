#include "render/scene_renderer.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "envs/model_loader.h"
#include "gtest/gtest.h"
#include "render/png_io.h"

namespace mimic::render {
namespace {

constexpr int kWidth = 320, kHeight = 240;

// With MIMIC_RENDER_TEST_DUMP=DIR, the frames a test checks are written there to look at.
void Dump(const std::string& name, const Image& image) {
  if (const char* dir = std::getenv("MIMIC_RENDER_TEST_DUMP")) WritePng(std::string(dir) + "/" + name + ".png", image).IgnoreError();
}

class SceneRendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ModelPtr> model = LoadModel("data/models/rodent/rodent.xml");
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    data_.reset(mj_makeData(model_.get()));
    qpos_.assign(model_->qpos0, model_->qpos0 + model_->nq);
  }

  RenderOptions Options() const {
    RenderOptions options;
    options.width = kWidth;
    options.height = kHeight;
    options.layers.text = false;
    return options;
  }

  // A frame looking at the body from 0.6 m; `qpos` null draws the empty scene.
  FrameContent Frame(const double* qpos) const {
    FrameContent frame;
    frame.qpos = qpos;
    frame.lookat = {qpos_[0], qpos_[1], 0.05};
    frame.distance_m = 0.6;
    return frame;
  }

  // World positions of the walker's bodies (not the world or the floor) in the pose `qpos`.
  std::vector<std::array<double, 3>> BodyPositions(const std::vector<double>& qpos) {
    std::copy(qpos.begin(), qpos.end(), data_->qpos);
    mj_kinematics(model_.get(), data_.get());
    std::vector<std::array<double, 3>> out;
    const int walker = mj_name2id(model_.get(), mjOBJ_BODY, "walker");
    for (int b = walker + 1; b < model_->nbody; ++b) {
      out.push_back({data_->xpos[3 * b], data_->xpos[3 * b + 1], data_->xpos[3 * b + 2]});
    }
    return out;
  }

  ModelPtr model_;
  DataPtr data_;
  std::vector<double> qpos_;
};

// Pixels that differ from `empty` by more than a little (the body, its shadow excluded by colour
// distance being large on the body itself).
std::vector<uint8_t> Silhouette(const Image& scene, const Image& empty, int* count) {
  std::vector<uint8_t> mask(static_cast<size_t>(scene.width) * scene.height, 0);
  *count = 0;
  for (int y = 0; y < scene.height; ++y) {
    for (int x = 0; x < scene.width; ++x) {
      const uint8_t* a = scene.pixel(x, y);
      const uint8_t* b = empty.pixel(x, y);
      const int d = std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
      if (d > 60) {
        mask[static_cast<size_t>(y) * scene.width + x] = 1;
        ++*count;
      }
    }
  }
  return mask;
}

bool NearMask(const std::vector<uint8_t>& mask, int width, int height, double px, double py, int radius) {
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      const int x = static_cast<int>(std::lround(px)) + dx, y = static_cast<int>(std::lround(py)) + dy;
      if (x >= 0 && y >= 0 && x < width && y < height && mask[static_cast<size_t>(y) * width + x]) return true;
    }
  }
  return false;
}

void Centroid(const std::vector<uint8_t>& mask, int width, double* cx, double* cy) {
  double sx = 0, sy = 0, n = 0;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    sx += i % width;
    sy += i / width;
    ++n;
  }
  *cx = sx / n;
  *cy = sy / n;
}

TEST_F(SceneRendererTest, TheBodysSilhouetteLiesWhereItsBodiesProject) {
  RenderOptions options = Options();
  options.shadows = 1;  // the shadow's dark edge must stay near the body too
  auto renderer = SceneRenderer::Create(model_.get(), options);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  absl::StatusOr<Image> empty = (*renderer)->Render(Frame(nullptr));
  ASSERT_TRUE(empty.ok()) << empty.status();
  absl::StatusOr<Image> body = (*renderer)->Render(Frame(qpos_.data()));
  ASSERT_TRUE(body.ok()) << body.status();
  Dump("silhouette_empty", *empty);
  Dump("silhouette_body", *body);
  ASSERT_EQ(body->width, kWidth);
  ASSERT_EQ(body->height, kHeight);
  int count = 0;
  const std::vector<uint8_t> mask = Silhouette(*body, *empty, &count);
  // the rat fills a few percent of the frame at 0.6 m, not nothing and not everything
  EXPECT_GT(count, kWidth * kHeight / 100);
  EXPECT_LT(count, kWidth * kHeight / 2);

  // every body origin that projects into the frame lands on (or within 2 px of) the silhouette
  int inside = 0, hits = 0;
  double min_x = 1e9, max_x = -1e9, min_y = 1e9, max_y = -1e9;
  for (const auto& p : BodyPositions(qpos_)) {
    auto pixel = (*renderer)->Project(p.data());
    ASSERT_TRUE(pixel.has_value());
    const double x = (*pixel)[0], y = (*pixel)[1];
    if (x < 0 || y < 0 || x >= kWidth || y >= kHeight) continue;
    ++inside;
    hits += NearMask(mask, kWidth, kHeight, x, y, 2) ? 1 : 0;
    min_x = std::min(min_x, x), max_x = std::max(max_x, x), min_y = std::min(min_y, y), max_y = std::max(max_y, y);
  }
  ASSERT_GT(inside, 40);
  EXPECT_EQ(hits, inside);
  // and the silhouette does not spread far beyond the projected bodies (the geoms' radii and
  // the shadow's dark edge stay within 40 px at this distance)
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      if (!mask[static_cast<size_t>(y) * kWidth + x]) continue;
      EXPECT_TRUE(x > min_x - 40 && x < max_x + 40 && y > min_y - 40 && y < max_y + 40)
          << "silhouette pixel (" << x << ", " << y << ") far from the projected bodies";
      if (HasFailure()) return;
    }
  }
}

TEST_F(SceneRendererTest, TheSilhouetteMovesWithThePose) {
  RenderOptions options = Options();
  options.shadows = 0;
  auto renderer = SceneRenderer::Create(model_.get(), options);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  FrameContent frame = Frame(nullptr);
  const Image empty = *(*renderer)->Render(frame);
  frame.qpos = qpos_.data();
  const Image before = *(*renderer)->Render(frame);
  // the same camera, the body 8 cm along +y and with its head turned
  std::vector<double> moved = qpos_;
  moved[1] += 0.08;
  frame.qpos = moved.data();
  const Image after = *(*renderer)->Render(frame);
  Dump("moved", after);
  int n_before = 0, n_after = 0;
  const auto mask_before = Silhouette(before, empty, &n_before);
  const auto mask_after = Silhouette(after, empty, &n_after);
  ASSERT_GT(n_before, 500);
  ASSERT_GT(n_after, 500);
  double bx, by, ax, ay;
  Centroid(mask_before, kWidth, &bx, &by);
  Centroid(mask_after, kWidth, &ax, &ay);
  // the centroid shifts as the root's projection does
  const double root_before[3] = {qpos_[0], qpos_[1], qpos_[2]};
  const double root_after[3] = {moved[0], moved[1], moved[2]};
  const auto p0 = *(*renderer)->Project(root_before);
  const auto p1 = *(*renderer)->Project(root_after);
  const double expected_dx = p1[0] - p0[0], expected_dy = p1[1] - p0[1];
  ASSERT_GT(std::hypot(expected_dx, expected_dy), 20);
  EXPECT_NEAR(ax - bx, expected_dx, 0.25 * std::hypot(expected_dx, expected_dy));
  EXPECT_NEAR(ay - by, expected_dy, 0.25 * std::hypot(expected_dx, expected_dy));
}

TEST_F(SceneRendererTest, RenderingTheSameStateTwiceGivesTheSameImage) {
  auto renderer = SceneRenderer::Create(model_.get(), Options());
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  std::vector<double> other = qpos_;
  other[0] += 0.05;
  const Image first = *(*renderer)->Render(Frame(qpos_.data()));
  const Image between = *(*renderer)->Render(Frame(other.data()));
  const Image second = *(*renderer)->Render(Frame(qpos_.data()));
  EXPECT_EQ(first.rgb, second.rgb);
  EXPECT_NE(first.rgb, between.rgb);
}

TEST_F(SceneRendererTest, KeypointSpheresAppearWhereTheyProject) {
  RenderOptions options = Options();
  options.layers.body = false;
  auto renderer = SceneRenderer::Create(model_.get(), options);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  FrameContent frame = Frame(qpos_.data());
  const std::vector<double> real = {qpos_[0] + 0.05, qpos_[1], 0.06};
  const std::vector<double> model = {qpos_[0] - 0.05, qpos_[1] + 0.02, 0.04};
  frame.num_keypoints = 1;
  frame.keypoints = real.data();
  frame.model_keypoints = model.data();
  const Image image = *(*renderer)->Render(frame);
  Dump("keypoints", image);
  const auto pr = *(*renderer)->Project(real.data());
  const auto pm = *(*renderer)->Project(model.data());
  frame.num_keypoints = 0;
  const Image empty = *(*renderer)->Render(frame);
  const int rx = static_cast<int>(pr[0]), ry = static_cast<int>(pr[1]);
  const uint8_t* red = image.pixel(rx, ry);
  const uint8_t* green = image.pixel(static_cast<int>(pm[0]), static_cast<int>(pm[1]));
  // the real keypoint is a translucent red halo over the floor; the model's is solid green
  EXPECT_GT(red[0], empty.pixel(rx, ry)[0] + 50) << "real keypoint: red expected";
  EXPECT_GT(red[0], red[1] + 30) << "real keypoint: red expected";
  EXPECT_GT(green[1], green[0] + 60) << "model keypoint: green expected";
}

TEST_F(SceneRendererTest, TheGhostIsTranslucent) {
  RenderOptions options = Options();
  options.shadows = 0;
  options.ghost_alpha = 0.35;
  auto renderer = SceneRenderer::Create(model_.get(), options);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  FrameContent frame = Frame(nullptr);
  const Image empty = *(*renderer)->Render(frame);
  frame.ghost_qpos = qpos_.data();
  const Image ghost = *(*renderer)->Render(frame);
  Dump("ghost", ghost);
  // at the torso, the ghost's warm colour mixes with the floor behind it
  const int torso = mj_name2id(model_.get(), mjOBJ_BODY, "torso");
  const auto bodies = BodyPositions(qpos_);
  const int walker = mj_name2id(model_.get(), mjOBJ_BODY, "walker");
  const auto p = *(*renderer)->Project(bodies[torso - walker - 1].data());
  const uint8_t* g = ghost.pixel(static_cast<int>(p[0]), static_cast<int>(p[1]));
  const uint8_t* e = empty.pixel(static_cast<int>(p[0]), static_cast<int>(p[1]));
  EXPECT_GT(g[0], e[0] + 30) << "the ghost is drawn";
  EXPECT_LT(g[0], 230) << "and not opaque";
}

TEST_F(SceneRendererTest, ParsesLayerLists) {
  EXPECT_TRUE(ParseLayers("all")->ghost);
  absl::StatusOr<Layers> some = ParseLayers("body,keypoints");
  ASSERT_TRUE(some.ok());
  EXPECT_TRUE(some->body);
  EXPECT_TRUE(some->keypoints);
  EXPECT_FALSE(some->ghost);
  EXPECT_FALSE(some->floor);
  absl::StatusOr<Layers> without = ParseLayers("-ghost,-text");
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->ghost);
  EXPECT_FALSE(without->text);
  EXPECT_TRUE(without->floor);
  EXPECT_FALSE(ParseLayers("body,-ghost").ok());
  absl::StatusOr<Layers> unknown = ParseLayers("bodies");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'bodies'"), std::string::npos);
}

TEST_F(SceneRendererTest, RefusesBadOptionsAndUnknownModelCameras) {
  RenderOptions odd = Options();
  odd.width = 321;
  EXPECT_EQ(SceneRenderer::Create(model_.get(), odd).status().code(), absl::StatusCode::kInvalidArgument);
  RenderOptions alpha = Options();
  alpha.ghost_alpha = 0;
  EXPECT_EQ(SceneRenderer::Create(model_.get(), alpha).status().code(), absl::StatusCode::kInvalidArgument);
  RenderOptions camera = Options();
  camera.camera.kind = CameraKind::kModel;
  camera.camera.model_camera = "overhead";
  absl::StatusOr<std::unique_ptr<SceneRenderer>> r = SceneRenderer::Create(model_.get(), camera);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("close_profile"), std::string::npos) << r.status();
}

TEST_F(SceneRendererTest, AModelCameraFramesTheRat) {
  RenderOptions options = Options();
  options.camera.kind = CameraKind::kModel;
  options.camera.model_camera = "side";
  auto renderer = SceneRenderer::Create(model_.get(), options);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  const Image empty = *(*renderer)->Render(Frame(nullptr));
  const Image body = *(*renderer)->Render(Frame(qpos_.data()));
  Dump("model_camera_side", body);
  int count = 0;
  Silhouette(body, empty, &count);
  EXPECT_GT(count, kWidth * kHeight / 200);
  // the camera tracks the centre of mass: the torso projects near the middle
  const auto bodies = BodyPositions(qpos_);
  const auto p = *(*renderer)->Project(bodies[1].data());
  EXPECT_NEAR(p[0], kWidth / 2, kWidth / 4);
}

TEST_F(SceneRendererTest, SideBySidePanelsShowTheSimulationAndTheReference) {
  RenderOptions options = Options();
  options.side_by_side = true;
  options.shadows = 0;
  auto renderer = SceneRenderer::Create(model_.get(), options);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  const Image empty = *(*renderer)->Render(Frame(nullptr));
  FrameContent frame = Frame(qpos_.data());
  const Image body_only = *(*renderer)->Render(frame);
  int count = 0;
  auto mask = Silhouette(body_only, empty, &count);
  int left = 0, right = 0;
  for (size_t i = 0; i < mask.size(); ++i) (i % kWidth < kWidth / 2 ? left : right) += mask[i];
  EXPECT_GT(left, 200) << "the body is in the simulation panel";
  EXPECT_EQ(right, 0) << "and not in the reference panel";
  frame.qpos = nullptr;
  frame.ghost_qpos = qpos_.data();
  const Image reference_only = *(*renderer)->Render(frame);
  Dump("side_by_side_reference", reference_only);
  Dump("side_by_side_body", body_only);
  mask = Silhouette(reference_only, empty, &count);
  left = right = 0;
  for (size_t i = 0; i < mask.size(); ++i) (i % kWidth < kWidth / 2 ? left : right) += mask[i];
  EXPECT_GT(right, 200) << "the reference pose is in the reference panel";
  EXPECT_EQ(left, 0);
}

}  // namespace
}  // namespace mimic::render
