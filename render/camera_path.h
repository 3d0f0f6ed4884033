// Where the camera looks in each frame. Tracking: the body's centre-of-mass path smoothed with a centred
// moving average, so the camera glides with the rat instead of shaking with each step. Fixed: one
// target (the middle of the ground the rat covers) and a distance that keeps all of it in view.
#ifndef MIMIC_RENDER_CAMERA_PATH_H_
#define MIMIC_RENDER_CAMERA_PATH_H_

#include <array>
#include <vector>

namespace mimic::render {

struct CameraTarget {
  std::array<double, 3> lookat;
  double distance_m;
};

// One target per frame from `centre` (T x 3, the body's centre of mass): its average over
// `window_s` seconds around the frame (shorter at the clip's ends); the height is its average over
// the whole clip (a
// camera that bobs with every rear is hard to watch). `distance_m` is copied to every frame.
std::vector<CameraTarget> TrackingPath(const std::vector<double>& centre, double frame_rate, double distance_m,
                                       double window_s = 1.0);

// One target for all T frames: the middle of the centre's bounding box; the distance grows with
// the box so that, at vertical field of view `fovy_deg`, it stays in view with a body-sized margin.
std::vector<CameraTarget> FixedPath(const std::vector<double>& centre, double distance_m, double fovy_deg = 45);

}  // namespace mimic::render

#endif  // MIMIC_RENDER_CAMERA_PATH_H_
