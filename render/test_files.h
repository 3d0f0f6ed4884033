// Test inputs for the renderer, generated in the test: a clips file with a STAC-like registration
// (three keypoints on the torso, skull and pelvis) and a rollouts file whose body is the
// reference shifted 1 cm along x, with a too_far end at step 20 (when the clip is longer).
#ifndef MIMIC_RENDER_TEST_FILES_H_
#define MIMIC_RENDER_TEST_FILES_H_

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "common/h5_file.h"
#include "envs/clip_io.h"
#include "envs/clip_recorder.h"
#include "envs/model_loader.h"
#include "render/keypoint_sites.h"

namespace mimic::render::testing {

inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

constexpr double kScale = 0.9;           // the clips' model scale, as STAC's
constexpr double kShift = 0.01;          // the rollout's body: the reference 1 cm along +x
constexpr double kKeypointNoise = 0.002; // m, per coordinate, on the "measured" keypoints
constexpr int kEndStep = 20;             // the rollout's episode end (too_far)

struct TestFiles {
  std::string clips, rollouts;
  ReferenceClip clip;
  KeypointSites sites;
  ModelPtr model;  // at kScale
};

inline KeypointSites TestSites(const mjModel* m) {
  KeypointSites sites;
  sites.names = {"SpineM", "Snout", "SpineL"};
  sites.groups = {"spine", "head", "spine"};
  for (const char* body : {"torso", "skull", "pelvis"}) sites.bodies.push_back(mj_name2id(m, mjOBJ_BODY, body));
  sites.offsets = {0, 0, 0.02, 0.03, 0, 0, 0, 0, 0.01};
  return sites;
}

// Writes `name`.clips.h5 and `name`.rollouts.h5 with `frames` frames; `rollout_extra` may add or
// remove datasets in the rollouts file before it is published.
inline TestFiles MakeTestFiles(const std::string& name, int frames = 40,
                               const std::function<void(H5File&, const std::string& group)>& rollout_extra = nullptr) {
  TestFiles f;
  EnvConfig config;
  config.set_model_path("data/models/rodent/rodent.xml");
  config.set_model_scale(kScale);
  RecordOptions record;
  record.num_frames = frames;
  record.seed = 3;
  record.name = "clip_a";
  f.clip = RecordClip(config, record).value().clip;
  f.model = LoadModel(config.model_path(), PerturbationConfig(), kScale).value();
  const mjModel* m = f.model.get();
  f.sites = TestSites(m);
  // the "measured" keypoints: the sites on the reference pose, plus noise
  const int K = f.sites.size();
  DataPtr data(mj_makeData(m));
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, kKeypointNoise);
  f.clip.num_keypoints = K;
  f.clip.keypoints.resize(static_cast<size_t>(frames) * K * 3);
  for (int t = 0; t < frames; ++t) {
    std::copy(f.clip.qpos_at(t), f.clip.qpos_at(t) + m->nq, data->qpos);
    mj_kinematics(m, data.get());
    double* kp = f.clip.keypoints.data() + static_cast<size_t>(t) * K * 3;
    PlaceKeypoints(m, data.get(), f.sites, kp);
    for (int i = 0; i < 3 * K; ++i) kp[i] += noise(rng);
  }
  ReferenceClip other = f.clip;
  other.name = "clip_b";
  f.clips = TempPath(name + ".clips.h5");
  absl::Status written = WriteClips(f.clips, {f.clip, other}, [&](H5File& file) -> absl::Status {
    std::vector<std::string> bodies;
    for (int b : f.sites.bodies) bodies.push_back(mj_id2name(m, mjOBJ_BODY, b));
    if (absl::Status s = file.WriteStrings("/stac/keypoint_names", f.sites.names); !s.ok()) return s;
    if (absl::Status s = file.WriteStrings("/stac/keypoint_bodies", bodies); !s.ok()) return s;
    if (absl::Status s = file.WriteStrings("/stac/keypoint_groups", f.sites.groups); !s.ok()) return s;
    return file.WriteDoubles("/stac/offsets", {K, 3}, f.sites.offsets.data());
  });
  if (!written.ok()) std::abort();

  // the rollout: the reference shifted, frames 0..T-1, a too_far end at kEndStep
  f.rollouts = TempPath(name + ".rollouts.h5");
  auto file = H5File::Create(f.rollouts).value();
  const std::string g = "/clips/clip_a";
  std::vector<double> qpos = f.clip.qpos, xpos(static_cast<size_t>(frames) * m->nbody * 3);
  std::vector<int32_t> frame(frames), termination(frames, 0), end(frames, 0);
  for (int t = 0; t < frames; ++t) {
    qpos[static_cast<size_t>(t) * m->nq] += kShift;
    std::copy(qpos.begin() + static_cast<size_t>(t) * m->nq, qpos.begin() + static_cast<size_t>(t + 1) * m->nq,
              data->qpos);
    mj_kinematics(m, data.get());
    std::copy(data->xpos, data->xpos + 3 * m->nbody, xpos.begin() + static_cast<size_t>(t) * m->nbody * 3);
    frame[t] = t;
  }
  if (kEndStep < frames - 1) {
    termination[kEndStep] = 1;
    end[kEndStep] = 1;  // too_far
  }
  end[frames - 1] = 16;  // clip_end
  bool ok = file->CreateGroup(g).ok() && file->WriteDoubles(g + "/qpos", {frames, m->nq}, qpos.data()).ok() &&
            file->WriteDoubles(g + "/xpos", {frames, m->nbody, 3}, xpos.data()).ok() &&
            file->WriteInts(g + "/frame", {frames}, frame.data()).ok() &&
            file->WriteInts(g + "/termination", {frames}, termination.data()).ok() &&
            file->WriteInts(g + "/episode_end", {frames}, end.data()).ok() &&
            file->SetAttribute(g, "frame_rate", 50.0).ok() &&
            file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok() &&
            file->SetAttribute("/", "control_timestep", 0.02).ok();
  if (!ok) std::abort();
  if (rollout_extra) rollout_extra(*file, g);
  if (!file->Finish().ok()) std::abort();
  return f;
}

}  // namespace mimic::render::testing

#endif  // MIMIC_RENDER_TEST_FILES_H_
