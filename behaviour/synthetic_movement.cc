#include "behaviour/synthetic_movement.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"

namespace mimic::behaviour {
namespace {

enum Planted { kStill = 0, kWalk = 1, kRear = 2, kGroom = 3 };

// Joint angles of behaviour b at time t (s) with per-bout phases.
void Pose(int b, double t, const std::vector<double>& phase, std::vector<double>& q) {
  std::fill(q.begin(), q.end(), 0.0);
  const double w4 = 2 * M_PI * 4, w7 = 2 * M_PI * 7, w05 = 2 * M_PI * 0.5;
  switch (b) {
    case kWalk:
      for (int j = 0; j < 4; ++j) q[j] = 0.4 * std::sin(w4 * t + phase[0] + j * M_PI / 2);
      for (int j = 4; j < 8; ++j) q[j] = 0.2 * std::sin(w4 * t + phase[0] + j * M_PI / 2);
      break;
    case kRear:
      for (int j = 12; j < 16; ++j) q[j] = 0.5 + 0.05 * std::sin(w05 * t + phase[1]);
      for (int j = 4; j < 8; ++j) q[j] = -0.3;
      break;
    case kGroom:
      for (int j = 4; j < 12; ++j) q[j] = 0.3 * std::sin(w7 * t + phase[2 + (j % 4)]);
      q[12] = q[13] = -0.3;
      break;
    default:
      break;
  }
}

}  // namespace

SyntheticMovement MakeSyntheticMovement(const SyntheticMovementOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::normal_distribution<double> normal(0, 1);
  const int J = std::max(16, o.joints);
  const double dt = 1 / o.frame_rate;
  const int fade = std::max(1, static_cast<int>(0.2 * o.frame_rate));
  SyntheticMovement out;
  int previous = -1;
  for (int c = 0; c < o.clips; ++c) {
    ReferenceClip clip;
    clip.name = absl::StrCat("synth_", c);
    clip.frame_rate = o.frame_rate;
    clip.num_frames = o.frames_per_clip;
    clip.nq = 7 + J;
    clip.nv = 6 + J;
    clip.nbody = 2;
    std::vector<double> q(J), q_prev(J), noise(J, 0.0), phase(6);
    double x = 0, bout_end = 0;
    int current = -1, last = -1, since = 0;
    std::vector<double> last_phase(6);
    for (int f = 0; f < o.frames_per_clip; ++f) {
      const double t = f * dt;
      if (t >= bout_end) {
        // a new bout of another behaviour
        int next;
        do next = static_cast<int>(uniform(rng) * 4) % 4;
        while (next == current || next == previous);
        last = current;
        last_phase = phase;
        current = next;
        previous = -1;
        for (double& p : phase) p = 2 * M_PI * uniform(rng);
        bout_end = t + o.min_bout_s + (o.max_bout_s - o.min_bout_s) * uniform(rng);
        since = 0;
      }
      // cross-fade from the previous behaviour over `fade` frames
      const double w = last >= 0 && since < fade ? static_cast<double>(since + 1) / (fade + 1) : 1.0;
      Pose(current, t, phase, q);
      if (w < 1) {
        Pose(last, t, last_phase, q_prev);
        for (int j = 0; j < J; ++j) q[j] = w * q[j] + (1 - w) * q_prev[j];
      }
      const double walking = (current == kWalk ? w : 0) + (last == kWalk ? 1 - w : 0);
      const double rearing = (current == kRear ? w : 0) + (last == kRear ? 1 - w : 0);
      x += 0.15 * walking * dt;
      for (int j = 0; j < J; ++j) noise[j] = 0.9 * noise[j] + std::sqrt(1 - 0.81) * o.noise * normal(rng);
      clip.qpos.insert(clip.qpos.end(), {x, 0.0, 0.05 + 0.06 * rearing, 1, 0, 0, 0});
      for (int j = 0; j < J; ++j) clip.qpos.push_back(q[j] + noise[j]);
      clip.xpos.insert(clip.xpos.end(), {0, 0, 0, x, 0.0, 0.05 + 0.06 * rearing});
      clip.xquat.insert(clip.xquat.end(), {1, 0, 0, 0, 1, 0, 0, 0});
      out.planted.push_back(current);
      ++since;
    }
    previous = current;
    // velocities by central differences (root angular velocity zero: the root does not turn)
    const int T = o.frames_per_clip;
    for (int f = 0; f < T; ++f) {
      const int a = std::max(0, f - 1), b = std::min(T - 1, f + 1);
      const double span = (b - a) * dt;
      const double* qa = clip.qpos_at(a);
      const double* qb = clip.qpos_at(b);
      clip.qvel.insert(clip.qvel.end(), {(qb[0] - qa[0]) / span, (qb[1] - qa[1]) / span, (qb[2] - qa[2]) / span, 0, 0, 0});
      for (int j = 0; j < J; ++j) clip.qvel.push_back((qb[7 + j] - qa[7 + j]) / span);
    }
    out.clips.push_back(std::move(clip));
  }
  return out;
}

}  // namespace mimic::behaviour
