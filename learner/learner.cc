#include "learner/learner.h"

#include <cmath>
#include <limits>

#include <filesystem>
#include <fstream>

#include <ATen/CPUGeneratorImpl.h>
#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "learner/checkpoint_files.h"
#include "learner/learner_config_check.h"
#include "learner/learning_rate_schedule.h"

namespace mimic {

namespace {
constexpr char kFormat[] = "mimic-learner-checkpoint-v1";
constexpr char kConfigFile[] = "learner_config.pbtxt";
}  // namespace

struct Learner::State {
  Networks networks{nullptr};
  Networks acting{nullptr};  // == networks on the CPU
  std::shared_ptr<Algorithm> algorithm;
  std::unique_ptr<torch::optim::Adam> optimizer;
  std::unique_ptr<torch::optim::Adam> dual_optimizer;  // null when the algorithm has no duals
  at::Generator generator;
  int64_t step = 0;
  int64_t refused_updates = 0;
};

double LearnerMetrics::Get(const std::string& name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Learner::Learner(const LearnerConfig& config, int obs_size, int num_actions, torch::Device device)
    : config_(config),
      obs_size_(obs_size),
      num_actions_(num_actions),
      device_(device) {}

namespace {

absl::StatusOr<torch::Device> ResolveDevice(const std::string& name) {
  const bool cuda = torch::cuda::is_available();
  if (name == "auto") return cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda") {
    if (!cuda) {
      return absl::FailedPreconditionError(
          "learner device 'cuda' asked for, but this LibTorch has no CUDA or no GPU is visible (Debian's "
          "LibTorch is CPU-only); use device 'auto' or 'cpu'");
    }
    return torch::Device(torch::kCUDA);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown learner device '", name, "': expected auto, cpu or cuda"));
}

// The gradient norm of `parameters` (in float64, so huge but finite gradients do not overflow
// it), then gradients scaled so it is at most max_norm. NaN or infinite when a gradient is.
double ClipGradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> squares;
  for (const torch::Tensor& p : parameters) {
    if (p.grad().defined()) squares.push_back(p.grad().to(torch::kFloat64).pow(2).sum());
  }
  if (squares.empty()) return 0;
  const double norm = std::sqrt(torch::stack(squares).sum().item<double>());
  if (!std::isfinite(norm)) return norm;
  const double scale = max_norm / (norm + 1e-6);
  if (scale < 1) {
    for (const torch::Tensor& p : parameters) {
      if (p.grad().defined()) p.grad().mul_(scale);
    }
  }
  return norm;
}

// The batch's tensors on `device` (the same tensors when they are already there).
Batch BatchOn(const Batch& batch, torch::Device device) {
  if (batch.observations.device() == device) return batch;
  return MapBatch(batch, [device](const torch::Tensor& t, int64_t) { return t.to(device); });
}

}  // namespace

Learner::~Learner() = default;

absl::StatusOr<std::unique_ptr<Learner>> Learner::Create(const LearnerConfig& config,
                                                         int obs_size, int num_actions) {
  if (obs_size <= 0 || num_actions <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("learner needs positive sizes, got obs ",
                                                   obs_size, ", actions ", num_actions));
  }
  LearnerConfig complete = config;
  *complete.mutable_network() = WithNetworkDefaults(config.network(), obs_size);
  const NetworkConfig& net = complete.network();
  if (net.decoder() != "lstm" && net.decoder() != "mlp") {
    return absl::InvalidArgumentError(
        absl::StrCat("network.decoder must be 'lstm' or 'mlp', got '", net.decoder(), "'"));
  }
  if (net.proprioception_offset() < 0 ||
      net.proprioception_offset() + net.proprioception_size() > obs_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "network proprioception slice [", net.proprioception_offset(), ", ",
        net.proprioception_offset() + net.proprioception_size(), ") exceeds the observation (",
        obs_size, ")"));
  }
  if (net.latent_posterior() != "autoregressive" && net.latent_posterior() != "independent") {
    return absl::InvalidArgumentError(absl::StrCat(
        "network.latent_posterior must be 'autoregressive' or 'independent', got '", net.latent_posterior(), "'"));
  }
  if (net.latent_size() <= 0 || net.prior_alpha() < 0 || net.prior_alpha() >= 1) {
    return absl::InvalidArgumentError("network needs latent_size > 0 and prior_alpha in [0, 1)");
  }
  if (net.min_action_std() < 0 || net.init_action_std() <= net.min_action_std() ||
      (net.max_action_std() > 0 && net.init_action_std() >= net.max_action_std())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "network action std needs 0 <= min_action_std < init_action_std < max_action_std (or max 0 = "
        "unbounded); got min ", net.min_action_std(), ", init ", net.init_action_std(), ", max ",
        net.max_action_std()));
  }
  MIMIC_RETURN_IF_ERROR(CheckLearnerConfig(complete));
  MIMIC_ASSIGN_OR_RETURN(torch::Device device, ResolveDevice(complete.device()));
  std::unique_ptr<Learner> learner(new Learner(complete, obs_size, num_actions, device));
  MIMIC_RETURN_IF_ERROR(learner->Init());
  return learner;
}

absl::Status Learner::Init() {
  if (config_.intra_op_threads() > 0) torch::set_num_threads(config_.intra_op_threads());
  MIMIC_ASSIGN_OR_RETURN(std::shared_ptr<Algorithm> algorithm, MakeAlgorithm(config_));
  algorithm_name_ = algorithm->algorithm_name();
  torch::manual_seed(config_.seed());  // parameter initialisation
  auto state = std::make_unique<State>();
  state->algorithm = algorithm;
  state->networks = Networks(config_.network(), obs_size_, num_actions_, algorithm->critic_kind());
  algorithm->Init(state->networks);
  // targets and duals live in the algorithm module: both move with it
  state->networks->to(device_);
  algorithm->to(device_);
  if (device_.is_cpu()) {
    state->acting = state->networks;
  } else {
    state->acting = Networks(config_.network(), obs_size_, num_actions_, algorithm->critic_kind());
    for (auto& p : state->acting->parameters()) p.set_requires_grad(false);
    state->acting->CopyFrom(*state->networks);
  }
  state->generator = at::make_generator<at::CPUGeneratorImpl>(config_.seed());

  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(state->networks->PolicyParameters(),
                      std::make_unique<torch::optim::AdamOptions>(config_.policy_learning_rate()));
  groups.emplace_back(state->networks->CriticParameters(),
                      std::make_unique<torch::optim::AdamOptions>(config_.critic_learning_rate()));
  state->optimizer = std::make_unique<torch::optim::Adam>(
      std::move(groups), torch::optim::AdamOptions(config_.policy_learning_rate()));
  std::vector<torch::Tensor> duals = algorithm->Duals();
  if (!duals.empty()) {
    state->dual_optimizer = std::make_unique<torch::optim::Adam>(
        duals, torch::optim::AdamOptions(config_.dual_learning_rate()));
  }
  state_ = std::move(state);
  return absl::OkStatus();
}

Networks& Learner::networks() { return state_->networks; }
Networks& Learner::acting_networks() { return state_->acting; }

// Param group 0 is the policy, 1 the critic (Init); the duals' optimiser keeps its rate.
double Learner::ScheduleLearningRates() {
  const double scale =
      config_.has_learning_rate_decay() ? LearningRateScale(config_.learning_rate_decay(), state_->step) : 1.0;
  auto& groups = state_->optimizer->param_groups();
  const double policy_rate = config_.policy_learning_rate() * scale;
  static_cast<torch::optim::AdamOptions&>(groups[0].options()).lr(policy_rate);
  static_cast<torch::optim::AdamOptions&>(groups[1].options()).lr(config_.critic_learning_rate() * scale);
  return policy_rate;
}

void Learner::RefreshActingNetworks() {
  if (!device_.is_cpu()) state_->acting->CopyFrom(*state_->networks);
}
int64_t Learner::step() const { return state_->step; }
int64_t Learner::refused_updates() const { return state_->refused_updates; }
std::vector<torch::Tensor> Learner::duals() { return state_->algorithm->Duals(); }

std::string Learner::Signature() const {
  NetworkConfig net = config_.network();
  // The independent posterior is the form every checkpoint had before latent_posterior existed:
  // printed as absent, so those checkpoints still match a learner configured with it.
  if (net.latent_posterior() == "independent") net.clear_latent_posterior();
  return absl::StrCat("algorithm=", algorithm_name_, " obs=", obs_size_, " actions=", num_actions_,
                      " network={", net.ShortDebugString(), "}");
}

absl::StatusOr<LearnerMetrics> Learner::Update(const Batch& batch) {
  State& s = *state_;
  PolicyNet& policy = s.networks->policy;
  MIMIC_RETURN_IF_ERROR(ValidateBatch(batch, obs_size_, num_actions_, policy->latent_size(),
                                      policy->lstm_hidden_sizes()));

  const Batch on_device = BatchOn(batch, device_);
  // Nothing may change when the update is refused: the loss draws from the generator (MPO).
  const torch::Tensor rng_before = s.generator.get_state();
  auto refuse = [&](const std::string& why) {
    s.optimizer->zero_grad();
    if (s.dual_optimizer) s.dual_optimizer->zero_grad();
    s.generator.set_state(rng_before);
    ++s.refused_updates;
    return absl::AbortedError(absl::StrCat(why, " at learner step ", s.step, "; update refused, nothing changed"));
  };
  LossResult result = s.algorithm->Loss(on_device, s.networks, s.generator);
  const double loss = result.loss.item<double>();
  if (!std::isfinite(loss)) return refuse(absl::StrCat("loss is ", loss));
  s.optimizer->zero_grad();
  if (s.dual_optimizer) s.dual_optimizer->zero_grad();
  result.loss.backward();
  // Gradients are checked (not only the loss) before any parameter moves: a finite loss can still
  // backpropagate infinities (e.g. a log-probability's 1/σ terms far from the mean).
  const double policy_norm = ClipGradients(s.networks->PolicyParameters(), config_.max_grad_norm());
  const double critic_norm = ClipGradients(s.networks->CriticParameters(), config_.max_grad_norm());
  const double dual_norm = ClipGradients(s.algorithm->Duals(), std::numeric_limits<double>::infinity());
  if (!std::isfinite(policy_norm) || !std::isfinite(critic_norm) || !std::isfinite(dual_norm)) {
    return refuse(absl::StrCat("gradients are not finite (norms: policy ", policy_norm, ", critic ", critic_norm,
                               ", duals ", dual_norm, ")"));
  }
  const double learning_rate = ScheduleLearningRates();
  s.optimizer->step();
  if (s.dual_optimizer) s.dual_optimizer->step();
  // The observation statistics take in the batch only once its update went through, so a refused
  // batch leaves no trace (the loss used the statistics the acting policy had).
  s.networks->normalizer->Update(on_device.observations.slice(0, 0, on_device.unroll_length()));
  ++s.step;
  s.algorithm->AfterUpdate(s.step, s.networks);
  RefreshActingNetworks();

  LearnerMetrics metrics;
  metrics.step = s.step;
  metrics.values.emplace_back("loss", loss);
  for (const auto& [name, value] : result.stats) metrics.values.emplace_back(name, value.item<double>());
  metrics.values.emplace_back("policy_grad_norm", policy_norm);
  metrics.values.emplace_back("critic_grad_norm", critic_norm);
  metrics.values.emplace_back("learning_rate", learning_rate);
  metrics.values.emplace_back("refused_updates", static_cast<double>(s.refused_updates));
  return metrics;
}

absl::StatusOr<std::unique_ptr<Learner>> Learner::FromCheckpointDir(const std::string& dir,
                                                                    int obs_size, int num_actions) {
  MIMIC_ASSIGN_OR_RETURN(LearnerConfig config,
                         ReadTextProto<LearnerConfig>(dir + "/" + kConfigFile));
  // Learners write the posterior's form into this file; one without it predates the option, and
  // its checkpoints hold the independent posterior q(z_t | x_t).
  if (!config.network().has_latent_posterior()) config.mutable_network()->set_latent_posterior("independent");
  MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<Learner> learner,
                         Learner::Create(config, obs_size, num_actions));
  // the newest checkpoint that passes its checksum and loads (a damaged newest one is skipped)
  MIMIC_RETURN_IF_ERROR(
      RestoreNewestValid(dir, [&](const std::string& path) { return learner->RestoreCheckpoint(path); }).status());
  return learner;
}

absl::StatusOr<std::string> Learner::SaveCheckpoint(const std::string& dir) {
  State& s = *state_;
  std::string text;
  google::protobuf::TextFormat::PrintToString(config_, &text);
  const std::string config_path = dir + "/" + kConfigFile;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  {
    std::ofstream out(config_path + ".tmp");
    out << text;
    if (!out.good()) return absl::InternalError("cannot write " + config_path);
  }
  std::filesystem::rename(config_path + ".tmp", config_path, error);
  if (error) return absl::InternalError("cannot write " + config_path + ": " + error.message());
  return WriteCheckpointAtomically(
      dir, s.step, config_.checkpoints_to_keep(), [&](const std::string& temp) -> absl::Status {
        try {
          torch::serialize::OutputArchive archive;
          archive.write("format", c10::IValue(std::string(kFormat)));
          archive.write("signature", c10::IValue(Signature()));
          archive.write("step", c10::IValue(s.step));
          archive.write("rng", s.generator.get_state());
          torch::serialize::OutputArchive networks, algorithm, optimizer, duals;
          s.networks->save(networks);
          s.algorithm->save(algorithm);
          s.optimizer->save(optimizer);
          archive.write("networks", networks);
          archive.write("algorithm", algorithm);
          archive.write("optimizer", optimizer);
          if (s.dual_optimizer) {
            s.dual_optimizer->save(duals);
            archive.write("dual_optimizer", duals);
          }
          archive.save_to(temp);
        } catch (const c10::Error& e) {
          return absl::InternalError(absl::StrCat("cannot write checkpoint: ", e.what_without_backtrace()));
        }
        return absl::OkStatus();
      });
}

absl::Status Learner::RestoreCheckpoint(const std::string& path) {
  // Load into a fresh learner; only a complete, compatible load replaces this one's state.
  std::unique_ptr<Learner> scratch(new Learner(config_, obs_size_, num_actions_, device_));
  MIMIC_RETURN_IF_ERROR(scratch->Init());
  State& s = *scratch->state_;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device_);
    c10::IValue format, signature, step;
    if (!archive.try_read("format", format) || !format.isString() ||
        format.toStringRef() != kFormat) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint ", path, " is not a mimic learner checkpoint"));
    }
    if (!archive.try_read("signature", signature) || signature.toStringRef() != Signature()) {
      const std::string theirs = signature.isString() ? signature.toStringRef() : std::string("no signature");
      const bool posterior_differs =
          (theirs.find("latent_posterior") == std::string::npos) != (Signature().find("latent_posterior") == std::string::npos);
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint ", path, " is incompatible with this learner: it holds ", theirs, "; this learner is ",
          Signature(),
          posterior_differs ? ". The latent posteriors differ: a checkpoint without latent_posterior holds the "
                              "independent form q(z_t | x_t); set network { latent_posterior: \"independent\" } to "
                              "load it"
                            : ""));
    }
    archive.read("step", step);
    torch::Tensor rng;
    archive.read("rng", rng);
    torch::serialize::InputArchive networks, algorithm, optimizer, duals;
    archive.read("networks", networks);
    archive.read("algorithm", algorithm);
    archive.read("optimizer", optimizer);
    s.networks->load(networks);
    s.algorithm->load(algorithm);
    s.optimizer->load(optimizer);
    if (s.dual_optimizer) {
      archive.read("dual_optimizer", duals);
      s.dual_optimizer->load(duals);
    }
    s.generator.set_state(rng.cpu());
    s.step = step.toInt();
  } catch (const c10::Error& e) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path,
                                            " is corrupt or unreadable: ",
                                            e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("checkpoint ", path, " is corrupt or unreadable: ", e.what()));
  }
  state_ = std::move(scratch->state_);
  RefreshActingNetworks();
  return absl::OkStatus();
}

}  // namespace mimic
