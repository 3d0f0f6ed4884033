// Loading the rodent MJCF into an immutable mjModel, with the perturbations the analyses use.
//
// MuJoCo 2.2.2 (Debian 12) rejects attributes added by later releases (`ls_iterations` on
// <option>); they are stripped in memory so the bundled model loads unchanged.
#ifndef MIMIC_ENVS_MODEL_LOADER_H_
#define MIMIC_ENVS_MODEL_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "proto/env_config.pb.h"

namespace mimic {

struct ModelDeleter {
  void operator()(mjModel* m) const { mj_deleteModel(m); }
};
struct DataDeleter {
  void operator()(mjData* d) const { mj_deleteData(d); }
};
using ModelPtr = std::unique_ptr<mjModel, ModelDeleter>;
using DataPtr = std::unique_ptr<mjData, DataDeleter>;

// What a reference clip must agree with to be played on a model.
struct ModelSignature {
  std::string name;   // the MJCF's model name
  int nq = 0;
  int nv = 0;
  int nbody = 0;
  // FNV-1a over the joint names and types in order: two models with the same kinematic
  // layout share it, whatever their masses, sizes or options.
  uint64_t hash = 0;
  double scale = 1.0;  // the uniform scale applied to the MJCF's lengths (see ScaleModel)
};

// Removes XML attributes MuJoCo 2.2.2 does not know. Exposed for tests.
std::string StripUnsupportedAttributes(const std::string& xml);

// The torque-actuated variant of an MJCF: every <general .../> actuator becomes a direct force
// source on the same joint or tendon — <general name=... joint|tendon=... dyntype="none"
// gainprm="F" biastype="none" ctrlrange="-1 1"/>, actuator force = F ctrl with F the largest
// magnitude of its forcerange (so ctrl in [-1, 1] spans the same forces) — dropping the activation
// filter and the servo's bias. An actuator without a forcerange is an error naming it.
// `scale` multiplies F (perturbation.torque_scale).
absl::StatusOr<std::string> TorqueActuatedXml(const std::string& xml, double scale = 1.0);

// Compiles MJCF text held in memory; `virtual_path` names it in errors and anchors assets.
absl::StatusOr<ModelPtr> LoadModelFromString(const std::string& xml,
                                             const std::string& virtual_path);

// Loads and compiles `path` (the torque-actuated variant when perturbation.actuation is "torque"),
// scales it uniformly by `scale` (1 = as written), then applies mass perturbations. Missing, unreadable or invalid files give NotFound / InvalidArgument with
// MuJoCo's message.
absl::StatusOr<ModelPtr> LoadModel(const std::string& path,
                                   const PerturbationConfig& perturbation = PerturbationConfig(),
                                   double scale = 1.0);

// Scales every length of a compiled model by `s` (body, joint, geom, site positions and sizes),
// masses by s^3 and inertias by s^5, as if the animal were uniformly s times as large.
void ScaleModel(mjModel* model, double s);

// What a clip must agree with to play on `model`, loaded with `scale`.
ModelSignature SignatureOf(const mjModel* model, double scale = 1.0);

// Total mass of the bodies below the world (excluding static world geometry).
double TotalMass(const mjModel* model);
// Mass of the subtrees rooted at the head bodies (skull; the jaw hangs below it).
double HeadMass(const mjModel* model);

}  // namespace mimic

#endif  // MIMIC_ENVS_MODEL_LOADER_H_
