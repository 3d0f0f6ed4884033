#include "envs/model_loader.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace mimic {
namespace {

// Bodies whose subtrees make up the head for the head-mass perturbation.
constexpr const char* kHeadRootBody = "skull";

// Marks which bodies lie in the subtree rooted at `root`.
std::vector<bool> SubtreeOf(const mjModel* m, int root) {
  std::vector<bool> in(m->nbody, false);
  // parents come before children in MuJoCo's body order
  for (int b = 0; b < m->nbody; ++b) {
    in[b] = (b == root) || (b > 0 && in[m->body_parentid[b]]);
  }
  return in;
}

void ScaleBody(mjModel* m, int b, double factor) {
  m->body_mass[b] *= factor;
  for (int k = 0; k < 3; ++k) m->body_inertia[3 * b + k] *= factor;
}

absl::Status ApplyMassPerturbation(mjModel* m, const PerturbationConfig& p) {
  if (!(p.body_mass_scale() > 0) || !std::isfinite(p.body_mass_scale())) {
    return absl::InvalidArgumentError(
        absl::StrCat("perturbation.body_mass_scale must be > 0, got ", p.body_mass_scale()));
  }
  if (!(p.head_mass_share() >= 0 && p.head_mass_share() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("perturbation.head_mass_share must be in [0, 1), got ", p.head_mass_share()));
  }
  const bool scale_total = p.body_mass_scale() != 1.0;
  const bool reshare_head = p.head_mass_share() > 0;
  if (!scale_total && !reshare_head) return absl::OkStatus();

  if (reshare_head) {
    const int head = mj_name2id(m, mjOBJ_BODY, kHeadRootBody);
    if (head < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("head_mass_share needs a body named '", kHeadRootBody, "' in the model"));
    }
    // keep the total mass, move mass between the head and the rest
    const double total = TotalMass(m);
    const double head_mass = HeadMass(m);
    const double head_factor = p.head_mass_share() * total / head_mass;
    const double rest_factor = (1 - p.head_mass_share()) * total / (total - head_mass);
    const std::vector<bool> in_head = SubtreeOf(m, head);
    for (int b = 1; b < m->nbody; ++b) ScaleBody(m, b, in_head[b] ? head_factor : rest_factor);
  }
  if (scale_total) {
    for (int b = 1; b < m->nbody; ++b) ScaleBody(m, b, p.body_mass_scale());
  }
  // recompute derived constants (subtree masses, inverse weights used by the solver)
  mjData* d = mj_makeData(m);
  mj_setConst(m, d);
  mj_deleteData(d);
  return absl::OkStatus();
}

}  // namespace

std::string StripUnsupportedAttributes(const std::string& xml) {
  static const std::regex kLsIterations(R"(\s+ls_iterations\s*=\s*"[^"]*")");
  return std::regex_replace(xml, kLsIterations, "");
}

absl::StatusOr<std::string> TorqueActuatedXml(const std::string& xml, double scale) {
  if (!(scale > 0) || !std::isfinite(scale)) return absl::InvalidArgumentError(absl::StrCat("torque_scale must be > 0, got ", scale));
  const size_t begin = xml.find("<actuator>"), end = xml.find("</actuator>");
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    return absl::InvalidArgumentError("the model has no <actuator> section to make torque-actuated");
  }
  static const std::regex kGeneral(R"(<general\b([^>]*?)/>)");
  static const std::regex kAttribute(R"re((\w+)\s*=\s*"([^"]*)")re");
  const std::string section = xml.substr(begin, end - begin);
  std::string converted;
  size_t last = 0;
  for (std::sregex_iterator it(section.begin(), section.end(), kGeneral), stop; it != stop; ++it) {
    const std::string attributes = (*it)[1].str();
    std::string name, target_kind, target, forcerange;
    for (std::sregex_iterator a(attributes.begin(), attributes.end(), kAttribute); a != stop; ++a) {
      const std::string key = (*a)[1].str(), value = (*a)[2].str();
      if (key == "name") name = value;
      if (key == "joint" || key == "tendon") target_kind = key, target = value;
      if (key == "forcerange") forcerange = value;
    }
    double lo = 0, hi = 0;
    if (target.empty() || std::sscanf(forcerange.c_str(), "%lf %lf", &lo, &hi) != 2) {
      return absl::InvalidArgumentError(absl::StrCat("actuator '", name, "' needs a joint or tendon and a forcerange "
                                                     "to become a torque motor"));
    }
    const double gear = scale * std::max(std::abs(lo), std::abs(hi));  // force per unit ctrl
    converted += section.substr(last, it->position() - last);
    converted += absl::StrCat("<general name=\"", name, "\" ", target_kind, "=\"", target,
                              "\" dyntype=\"none\" gaintype=\"fixed\" gainprm=\"", gear,
                              "\" biastype=\"none\" ctrlrange=\"-1 1\" ctrllimited=\"true\"/>");
    last = it->position() + it->length();
  }
  converted += section.substr(last);
  return xml.substr(0, begin) + converted + xml.substr(end);
}

void ScaleModel(mjModel* m, double s) {
  const double s3 = s * s * s, s5 = s3 * s * s;
  for (int i = 0; i < 3 * m->nbody; ++i) {
    m->body_pos[i] *= s;
    m->body_ipos[i] *= s;
  }
  for (int b = 0; b < m->nbody; ++b) {
    m->body_mass[b] *= s3;
    for (int k = 0; k < 3; ++k) m->body_inertia[3 * b + k] *= s5;
  }
  for (int i = 0; i < 3 * m->njnt; ++i) m->jnt_pos[i] *= s;
  for (int i = 0; i < 3 * m->ngeom; ++i) {
    m->geom_pos[i] *= s;
    m->geom_size[i] *= s;
  }
  for (int g = 0; g < m->ngeom; ++g) m->geom_rbound[g] *= s;
  for (int i = 0; i < 3 * m->nsite; ++i) {
    m->site_pos[i] *= s;
    m->site_size[i] *= s;
  }
  for (int i = 0; i < 3 * m->ncam; ++i) m->cam_pos[i] *= s;
  for (int i = 0; i < 3 * m->nlight; ++i) m->light_pos[i] *= s;
  mjData* d = mj_makeData(m);
  mj_setConst(m, d);
  mj_deleteData(d);
}

absl::StatusOr<ModelPtr> LoadModelFromString(const std::string& xml,
                                             const std::string& virtual_path) {
  auto vfs = std::make_unique<mjVFS>();
  mj_defaultVFS(vfs.get());
  if (mj_makeEmptyFileVFS(vfs.get(), virtual_path.c_str(), static_cast<int>(xml.size())) != 0) {
    return absl::InternalError("cannot stage the model in MuJoCo's virtual file system");
  }
  const int index = mj_findFileVFS(vfs.get(), virtual_path.c_str());
  std::memcpy(vfs->filedata[index], xml.data(), xml.size());
  char error[1024] = {0};
  mjModel* raw = mj_loadXML(virtual_path.c_str(), vfs.get(), error, sizeof(error));
  mj_deleteVFS(vfs.get());
  if (raw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load model ", virtual_path, ": ", error));
  }
  return ModelPtr(raw);
}

absl::StatusOr<ModelPtr> LoadModel(const std::string& path, const PerturbationConfig& perturbation,
                                   double scale) {
  if (!(scale > 0.1 && scale < 10)) {
    return absl::InvalidArgumentError(absl::StrCat("model scale must be in (0.1, 10), got ", scale));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat("model file not found: ", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::PermissionDeniedError(absl::StrCat("cannot read model file: ", path));
  }
  std::string xml = StripUnsupportedAttributes(buffer.str());
  if (perturbation.actuation() == "torque") {
    absl::StatusOr<std::string> torque = TorqueActuatedXml(xml, perturbation.torque_scale());
    if (!torque.ok()) return absl::Status(torque.status().code(), absl::StrCat(path, ": ", torque.status().message()));
    xml = *std::move(torque);
  } else if (perturbation.actuation() != "bundled") {
    return absl::InvalidArgumentError(absl::StrCat("perturbation.actuation must be \"bundled\" or \"torque\", got \"",
                                                   perturbation.actuation(), "\""));
  }

  // compile from an in-memory copy; assets resolve against the model's own folder
  const std::string name = std::filesystem::path(path).filename().string();
  const std::string vfs_path = (std::filesystem::path(path).parent_path() / name).string();
  absl::StatusOr<ModelPtr> loaded = LoadModelFromString(xml, vfs_path);
  if (!loaded.ok()) return loaded.status();
  ModelPtr model = std::move(*loaded);
  if (scale != 1.0) ScaleModel(model.get(), scale);
  absl::Status perturbed = ApplyMassPerturbation(model.get(), perturbation);
  if (!perturbed.ok()) return perturbed;
  return model;
}

ModelSignature SignatureOf(const mjModel* m, double scale) {
  ModelSignature s;
  s.scale = scale;
  s.name = std::string(m->names);  // the model's name comes first in the names buffer
  s.nq = m->nq;
  s.nv = m->nv;
  s.nbody = m->nbody;
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const char* bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(bytes[i]);
      h *= 1099511628211ull;
    }
  };
  for (int j = 0; j < m->njnt; ++j) {
    const char* jname = m->names + m->name_jntadr[j];
    mix(jname, std::strlen(jname) + 1);
    const int type = m->jnt_type[j];
    mix(reinterpret_cast<const char*>(&type), sizeof(type));
  }
  s.hash = h;
  return s;
}

double TotalMass(const mjModel* m) {
  double total = 0;
  for (int b = 1; b < m->nbody; ++b) total += m->body_mass[b];
  return total;
}

double HeadMass(const mjModel* m) {
  const int head = mj_name2id(m, mjOBJ_BODY, kHeadRootBody);
  if (head < 0) return 0;
  const std::vector<bool> in_head = SubtreeOf(m, head);
  double mass = 0;
  for (int b = 1; b < m->nbody; ++b) mass += in_head[b] ? m->body_mass[b] : 0;
  return mass;
}

}  // namespace mimic
