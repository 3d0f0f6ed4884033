#include "preprocess/clip_builder.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace mimic::preprocess {
namespace {

void Slerp(const double* a, const double* b, double w, double* out) {
  double bb[4] = {b[0], b[1], b[2], b[3]};
  double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  if (dot < 0) {  // take the short way round
    for (double& v : bb) v = -v;
    dot = -dot;
  }
  double wa = 1 - w, wb = w;
  if (dot < 0.9995) {
    const double theta = std::acos(std::min(1.0, dot));
    wa = std::sin((1 - w) * theta) / std::sin(theta);
    wb = std::sin(w * theta) / std::sin(theta);
  }
  for (int i = 0; i < 4; ++i) out[i] = wa * a[i] + wb * bb[i];
  mju_normalize4(out);
}

}  // namespace

std::vector<ReferenceClip> BuildClips(const StacModel& stac, const KeypointData& kp, const StacResult& result) {
  const mjModel* m = stac.model();
  const StacConfig& config = stac.config();
  const int nq = m->nq, nv = m->nv, k_count = kp.num_keypoints;
  const double src_rate = kp.frame_rate, out_rate = config.output_rate();
  const int t_src = kp.num_frames;
  const int t_out = static_cast<int>(std::floor((t_src - 1) * out_rate / src_rate + 1e-9)) + 1;

  // resample poses and keypoints to the output rate
  std::vector<double> qpos(static_cast<size_t>(t_out) * nq), keypoints(static_cast<size_t>(t_out) * k_count * 3);
  std::vector<int64_t> source_frame(t_out);
  for (int j = 0; j < t_out; ++j) {
    const double s = j * src_rate / out_rate;
    const int i = std::min(static_cast<int>(std::floor(s)), t_src - 1);
    const int i1 = std::min(i + 1, t_src - 1);
    const double w = s - i;
    const double* a = result.qpos.data() + static_cast<size_t>(i) * nq;
    const double* b = result.qpos.data() + static_cast<size_t>(i1) * nq;
    double* q = qpos.data() + static_cast<size_t>(j) * nq;
    for (int d = 0; d < nq; ++d) q[d] = (1 - w) * a[d] + w * b[d];
    Slerp(a + 3, b + 3, w, q + 3);
    for (int k = 0; k < k_count; ++k)
      for (int c = 0; c < 3; ++c)
        keypoints[3 * (static_cast<size_t>(j) * k_count + k) + c] = (1 - w) * kp.at(i, k)[c] + w * kp.at(i1, k)[c];
    source_frame[j] = kp.frame_ids.empty() ? i : kp.frame_ids[i];
  }

  // velocities by central differences over the output period
  const double dt = 1.0 / out_rate;
  std::vector<double> qvel(static_cast<size_t>(t_out) * nv, 0.0);
  for (int j = 0; j < t_out && t_out > 1; ++j) {
    const int lo = std::max(0, j - 1), hi = std::min(t_out - 1, j + 1);
    const double span = (hi - lo) * dt;
    const double* qa = qpos.data() + static_cast<size_t>(lo) * nq;
    const double* qb = qpos.data() + static_cast<size_t>(hi) * nq;
    double* v = qvel.data() + static_cast<size_t>(j) * nv;
    mj_differentiatePos(m, v, span, qa, qb);
  }

  // each keypoint's STAC marker, shared by every clip: what the environment needs to place the
  // model's keypoints (body xpos + xmat * offset) for keypoint errors
  std::vector<std::string> names, bodies, groups;
  for (int k = 0; k < k_count; ++k) {
    names.push_back(stac.name(k));
    const char* body = mj_id2name(m, mjOBJ_BODY, stac.body(k));
    bodies.push_back(body ? body : "");
    groups.push_back(config.keypoints(k).group());
  }

  // split into clips and fill body poses by forward kinematics
  const ModelSignature signature = SignatureOf(m, config.model_scale());
  DataPtr data(mj_makeData(m));
  std::vector<ReferenceClip> clips;
  const int length = config.clip_length();
  for (int start = 0; start < t_out; start += length) {
    const int frames = std::min(length, t_out - start);
    if (frames < kMinClipFrames) break;
    ReferenceClip c;
    c.name = absl::StrFormat("%s_%03d", config.clip_prefix(), static_cast<int>(clips.size()));
    c.frame_rate = out_rate;
    c.num_frames = frames;
    c.nq = nq;
    c.nv = nv;
    c.nbody = m->nbody;
    c.model_name = signature.name;
    c.model_hash = signature.hash;
    c.model_scale = config.model_scale();
    c.source_file = kp.source;
    c.source_frame_start = source_frame[start];
    c.source_frame_end = source_frame[start + frames - 1] + 1;
    c.num_keypoints = k_count;
    if (static_cast<int>(result.offsets.size()) == 3 * k_count) {
      c.keypoint_names = names;
      c.marker_bodies = bodies;
      c.keypoint_groups = groups;
      c.marker_offsets = result.offsets;
    }
    c.qpos.assign(qpos.begin() + static_cast<size_t>(start) * nq, qpos.begin() + static_cast<size_t>(start + frames) * nq);
    c.qvel.assign(qvel.begin() + static_cast<size_t>(start) * nv, qvel.begin() + static_cast<size_t>(start + frames) * nv);
    c.keypoints.assign(keypoints.begin() + static_cast<size_t>(start) * k_count * 3,
                       keypoints.begin() + static_cast<size_t>(start + frames) * k_count * 3);
    for (int t = 0; t < frames; ++t) {
      std::copy(c.qpos_at(t), c.qpos_at(t) + nq, data->qpos);
      mj_kinematics(m, data.get());
      c.xpos.insert(c.xpos.end(), data->xpos, data->xpos + 3 * m->nbody);
      c.xquat.insert(c.xquat.end(), data->xquat, data->xquat + 4 * m->nbody);
    }
    clips.push_back(std::move(c));
  }
  return clips;
}

}  // namespace mimic::preprocess
