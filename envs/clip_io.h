// Reading and writing reference clips as HDF5 (architecture contract 2).
//
// Layout: root attribute `format` = "mimic.clips", `version` = 2; one group per clip under /clips:
//   /clips/<name>/qpos (T, nq)   qvel (T, nv)   xpos (T, nbody, 3)   xquat (T, nbody, 4)
//                 keypoints (T, K, 3) [optional]  labels (T) int32 [optional]  label_names [optional]
//                 markers/{keypoint_names (K), bodies (K), groups (K), offsets (K, 3)} [optional,
//                   version 2: the STAC marker of each keypoint; version-1 files have none and
//                   still load]
//   attributes on the clip group: frame_rate, model_name, model_hash (16 hex digits),
//   source_file, source_frame_start, source_frame_end.
#ifndef MIMIC_ENVS_CLIP_IO_H_
#define MIMIC_ENVS_CLIP_IO_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/h5_file.h"
#include "envs/reference_clip.h"

namespace mimic {

// Writes every clip (validated first) atomically to `path`; `extra`, when given, adds more
// datasets (e.g. registration results) before the file is published.
absl::Status WriteClips(const std::string& path, const std::vector<ReferenceClip>& clips,
                        const std::function<absl::Status(H5File&)>& extra = nullptr);

// Reads and validates every clip in `path`. Errors name the file, the clip and the problem.
absl::StatusOr<std::vector<ReferenceClip>> ReadClips(const std::string& path);

}  // namespace mimic

#endif  // MIMIC_ENVS_CLIP_IO_H_
