// STAC end to end: a synthetic round trip with known poses and offsets, and the bundled real
// recording against the stac-mjx quality level.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "envs/env_context.h"
#include "envs/rodent_env.h"
#include "google/protobuf/text_format.h"
#include "envs/model_keypoints.h"
#include "gtest/gtest.h"
#include "preprocess/clip_builder.h"
#include "preprocess/ground_alignment.h"
#include "preprocess/keypoint_cleaning.h"
#include "preprocess/keypoint_loaders.h"
#include "preprocess/pose_fitter.h"
#include "preprocess/stac_pipeline.h"
#include "preprocess/stac_report.h"

namespace mimic::preprocess {
namespace {

StacConfig BundledConfig() {
  std::ifstream in("configs/stac_rodent.pbtxt");
  std::stringstream text;
  text << in.rdbuf();
  StacConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &config));
  return config;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(StacTest, RecoversKnownPosesAndOffsetsFromNoisySyntheticKeypoints) {
  StacConfig config = BundledConfig();
  config.set_offset_sample_frames(60);
  auto stac = StacModel::Create(config);
  ASSERT_TRUE(stac.ok()) << stac.status();
  const mjModel* m = (*stac)->model();
  const int T = 150, K = (*stac)->num_keypoints(), nq = m->nq;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> noise(0, 0.001);  // 1 mm per axis
  // true offsets: the initial ones moved by up to 4 mm
  // true offsets: the initial ones moved by up to 4 mm, except where the config regularises them
  std::vector<double> true_offsets = (*stac)->initial_offsets();
  for (int k = 0; k < K; ++k)
    for (int c = 0; c < 3; ++c) true_offsets[3 * k + c] += (*stac)->regularized(k) ? 0.0 : 0.004 * u(rng);
  // joints that keypoints observe move smoothly; the rest stay at the default pose
  std::vector<int> moving;
  for (const PartPass& part : (*stac)->parts()) {
    for (int dof : part.dofs) moving.push_back(m->jnt_qposadr[m->dof_jntid[dof]]);
  }
  std::sort(moving.begin(), moving.end());
  moving.erase(std::unique(moving.begin(), moving.end()), moving.end());
  std::vector<double> phase(nq), freq(nq);
  for (int i = 0; i < nq; ++i) {
    phase[i] = 3 * u(rng);
    freq[i] = 0.5 + 0.5 * std::abs(u(rng));
  }
  std::vector<double> true_qpos(static_cast<size_t>(T) * nq);
  KeypointData kp;
  kp.source = "synthetic";
  kp.num_frames = T;
  kp.num_keypoints = K;
  kp.frame_rate = 50;
  kp.xyz.resize(static_cast<size_t>(T) * K * 3);
  PoseFitter truth(**stac);
  std::vector<double> markers(3 * K);
  for (int t = 0; t < T; ++t) {
    double* q = true_qpos.data() + static_cast<size_t>(t) * nq;
    std::copy(m->qpos0, m->qpos0 + nq, q);
    const double time = t / 50.0;
    q[0] = 0.05 * time;
    q[1] = 0.02 * std::sin(time);
    q[2] = 0.03;
    const double yaw = 0.3 * std::sin(0.7 * time);
    q[3] = std::cos(yaw / 2);
    q[4] = q[5] = 0;
    q[6] = std::sin(yaw / 2);
    for (int i : moving) {
      const int j = [&] { for (int jj = 0; jj < m->njnt; ++jj) if (m->jnt_qposadr[jj] == i) return jj; return 0; }();
      const double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1];
      const double mid = 0.5 * (lo + hi), half = 0.25 * (hi - lo);
      q[i] = mid + half * std::sin(freq[i] * 2 * M_PI * time + phase[i]);
    }
    truth.MarkerPositions(q, true_offsets.data(), markers.data());
    for (int k = 0; k < K; ++k)
      for (int c = 0; c < 3; ++c) kp.at(t, k)[c] = markers[3 * k + c] + noise(rng);
  }

  StacOptions options;
  options.threads = 2;
  auto result = RunStac(**stac, kp, options);
  ASSERT_TRUE(result.ok()) << result.status();
  const StacReport report = Summarize(**stac, *result);
  // residuals at the noise level (1 mm per axis is 1.6 mm in 3-D on average)
  EXPECT_LT(report.overall.mean_mm, 1.3);  // documented: 1.14 mm
  EXPECT_GT(report.overall.mean_mm, 0.5);  // a fit below the noise would be overfitting
  // offsets move from their initial guess toward the truth
  std::vector<double> offset_err, initial_err;
  for (int k = 0; k < K; ++k) {
    if ((*stac)->regularized(k)) continue;
    double sq = 0, sq0 = 0;
    for (int c = 0; c < 3; ++c) {
      sq += std::pow(result->offsets[3 * k + c] - true_offsets[3 * k + c], 2);
      sq0 += std::pow((*stac)->initial_offsets()[3 * k + c] - true_offsets[3 * k + c], 2);
    }
    offset_err.push_back(std::sqrt(sq));
    initial_err.push_back(std::sqrt(sq0));
  }
  EXPECT_LT(Median(offset_err), 0.6 * Median(initial_err)) << "offsets did not move toward the truth";  // 2.31 of 4.47 mm
  // the recovered pose puts the true (noise-free) markers where they were
  std::vector<double> marker_err;
  PoseFitter fitted(**stac);
  std::vector<double> fit_markers(3 * K);
  for (int t = 0; t < T; t += 3) {
    truth.MarkerPositions(true_qpos.data() + static_cast<size_t>(t) * nq, true_offsets.data(), markers.data());
    fitted.MarkerPositions(result->qpos.data() + static_cast<size_t>(t) * nq, result->offsets.data(), fit_markers.data());
    for (int k = 0; k < K; ++k) {
      double sq = 0;
      for (int c = 0; c < 3; ++c) sq += std::pow(fit_markers[3 * k + c] - markers[3 * k + c], 2);
      marker_err.push_back(std::sqrt(sq));
    }
  }
  EXPECT_LT(Median(marker_err), 0.0012) << "median marker reconstruction error (m)";  // documented: 1.05 mm
  // limb flexion, which four keypoints per limb pin down, comes back close to the truth (twists
  // about a bone's own axis move no keypoint, and the many-jointed spine is redundant for 23
  // keypoints: neither is compared)
  std::vector<double> joint_err;
  for (int j = 1; j < m->njnt; ++j) {
    const std::string name = m->names + m->name_jntadr[j];
    bool limb = false;
    for (const char* p : {"knee_", "ankle_", "elbow_", "hip_L_extend", "hip_R_extend", "shoulder_L", "shoulder_R"}) {
      limb |= name == p || name.rfind(p, 0) == 0;
    }
    limb &= name.find("_sup") == std::string::npos;
    if (!limb) continue;
    const int i = m->jnt_qposadr[j];
    for (int t = 0; t < T; t += 5) {
      joint_err.push_back(std::abs(result->qpos[static_cast<size_t>(t) * nq + i] - true_qpos[static_cast<size_t>(t) * nq + i]));
    }
  }
  EXPECT_LT(Median(joint_err), 0.1) << "median limb flexion error (rad)";
  std::printf("synthetic: residual %.2f mm, markers %.2f mm, offsets %.2f mm (initial %.2f), limb joints %.3f rad (medians)\n",
              report.overall.mean_mm, 1000 * Median(marker_err), 1000 * Median(offset_err), 1000 * Median(initial_err),
              Median(joint_err));
}

TEST(StacTest, RegistersTheBundledRecordingAtStacMjxQuality) {
  const StacConfig config = BundledConfig();
  auto stac = StacModel::Create(config);
  ASSERT_TRUE(stac.ok());
  auto raw = LoadKeypoints("data/mocap/rodent_mocap_1000_frames.mat");
  ASSERT_TRUE(raw.ok());
  auto kp = CleanKeypoints(*raw, config);
  ASSERT_TRUE(kp.ok()) << kp.status();
  StacOptions options;
  options.threads = 2;
  auto result = RunStac(**stac, *kp, options);
  ASSERT_TRUE(result.ok()) << result.status();
  const StacReport report = Summarize(**stac, *result);
  // the figures docs/benchmarks.md reports (mean 1.95 mm, p95 4.87 mm, worst keypoint SpineL 4.57 mm,
  // joint steps 0.0028 rad mean and 0.531 rad max), with ~10% of margin
  EXPECT_LE(report.overall.mean_mm, 2.2);
  EXPECT_LE(report.overall.p95_mm, 5.4);
  for (const auto& k : report.keypoints) EXPECT_LE(k.mean_mm, 5.0) << k.name;
  // smooth: no joint flips between frames
  EXPECT_LT(report.max_joint_step, 0.6);
  EXPECT_LT(report.mean_joint_step, 0.0035);
  std::printf("real: %s", ReportTable(report).c_str());

  // grounding: the recording's body floats above the model's floor (1.7-10 mm, median 8.7) until
  // the poses and keypoints are shifted down together; then it rests on the floor in the
  // configured share of frames, and the registration (residuals, below) is unchanged
  auto grounding = GroundRecording((*stac)->model(), config.ground_percentile(), &*kp, &*result);
  ASSERT_TRUE(grounding.ok()) << grounding.status();
  EXPECT_TRUE(grounding->applied);
  EXPECT_GT(grounding->median_gap_m, 0.005);
  EXPECT_LT(grounding->shift_m, -0.003);
  auto gaps = FloorGaps((*stac)->model(), result->qpos, kp->num_frames);
  ASSERT_TRUE(gaps.ok()) << gaps.status();
  const double touching = std::count_if(gaps->begin(), gaps->end(), [](double g) { return g <= 1e-9; });
  EXPECT_NEAR(touching / gaps->size(), config.ground_percentile() / 100, 0.01);
  EXPECT_GT(*std::min_element(gaps->begin(), gaps->end()), -0.006);  // no frame deep in the floor

  // the clips play in the environment at the registration's scale and hold the reference
  std::vector<ReferenceClip> clips = BuildClips(**stac, *kp, *result);
  ASSERT_EQ(clips.size(), 4u);  // 1000 frames at 50 Hz in clips of 250
  EXPECT_EQ(clips[1].source_frame_start, 250);
  EnvConfig env_config;
  env_config.set_model_scale(config.model_scale());
  auto context = EnvContext::Create(env_config, clips);
  ASSERT_TRUE(context.ok()) << context.status();
  RodentEnv env(*context, 1);
  std::vector<float> obs((*context)->spec().observation.size());
  ASSERT_TRUE(env.Reset(2, 10, obs.data()).ok());
  EXPECT_NEAR(env.CurrentTerms().total, 5.0, 1e-6);
  // every clip carries the markers: on the reference pose, the model's keypoints are the
  // registration's markers, so their errors are exactly the STAC residuals of those frames
  const int K = (*stac)->num_keypoints();
  for (const ReferenceClip& c : clips) {
    ASSERT_TRUE(c.has_markers()) << c.name;
    EXPECT_EQ(c.keypoint_names.size(), static_cast<size_t>(K));
    EXPECT_EQ(c.keypoint_names[0], "Snout");
    EXPECT_EQ(c.marker_bodies[0], "skull");
    EXPECT_EQ(c.keypoint_groups[0], "head");
    EXPECT_EQ(c.marker_offsets, result->offsets);
    EXPECT_EQ(KeypointsUnavailableReason(c), "");
  }
  const ClipFeatures& clip2 = (*context)->library().clip(2);
  DataPtr data(mj_makeData((*context)->model()));
  std::vector<double> errors(K);
  for (int t = 0; t < clip2.clip.num_frames; t += 7) {
    std::copy(clip2.clip.qpos_at(t), clip2.clip.qpos_at(t) + clip2.clip.nq, data->qpos);
    mj_kinematics((*context)->model(), data.get());
    KeypointErrors(data.get(), clip2, t, errors.data());
    for (int k = 0; k < K; ++k) {
      EXPECT_NEAR(errors[k], result->residuals[static_cast<size_t>(500 + t) * K + k], 1e-6) << "frame " << t << " " << k;
    }
  }
  // a clip made at another scale is refused
  EnvConfig unscaled;
  EXPECT_EQ(EnvContext::Create(unscaled, clips).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StacTest, VelocitiesAreCentralDifferencesOverTheFramePeriod) {
  const StacConfig config = BundledConfig();
  auto stac = StacModel::Create(config);
  ASSERT_TRUE(stac.ok());
  const mjModel* m = (*stac)->model();
  // a root that translates at 0.1 m/s and yaws at 1 rad/s, sampled at 100 Hz and output at 50 Hz
  const int T = 101;
  StacResult result;
  result.qpos.resize(static_cast<size_t>(T) * m->nq);
  KeypointData kp;
  kp.source = "unit";
  kp.num_frames = T;
  kp.num_keypoints = (*stac)->num_keypoints();
  kp.frame_rate = 100;
  kp.xyz.assign(static_cast<size_t>(T) * kp.num_keypoints * 3, 0.0);
  for (int t = 0; t < T; ++t) {
    double* q = result.qpos.data() + static_cast<size_t>(t) * m->nq;
    std::copy(m->qpos0, m->qpos0 + m->nq, q);
    q[0] = 0.1 * t / 100.0;
    q[3] = std::cos(0.5 * t / 100.0);
    q[6] = std::sin(0.5 * t / 100.0);
  }
  result.residuals.assign(static_cast<size_t>(T) * kp.num_keypoints, 0.0);
  auto clips = BuildClips(**stac, kp, result);
  ASSERT_EQ(clips.size(), 1u);
  EXPECT_EQ(clips[0].num_frames, 51);
  const double* v = clips[0].qvel_at(20);
  EXPECT_NEAR(v[0], 0.1, 1e-9);
  EXPECT_NEAR(v[5], 1.0, 1e-6);  // yaw rate about the body z axis
  EXPECT_NEAR(v[3], 0.0, 1e-9);
  EXPECT_NEAR(clips[0].qpos_at(20)[0], 0.1 * 20 / 50.0, 1e-12);
}

}  // namespace
}  // namespace mimic::preprocess
