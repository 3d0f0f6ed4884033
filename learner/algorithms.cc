#include "learner/algorithms.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "learner/dual.h"
#include "learner/gaussian.h"
#include "learner/mpo_loss.h"
#include "learner/retrace.h"
#include "learner/vmpo_loss.h"
#include "learner/vtrace.h"

namespace mimic {
namespace {

torch::Tensor DualParameter(double init, int64_t size = 1) {
  return torch::full({size}, init);
}

// Target networks: same configuration and values as `online`, excluded from gradients.
Networks FrozenCopyOf(Networks& online) {
  Networks copy(online->config(), online->obs_size(), online->num_actions(), online->critic_kind());
  for (auto& p : copy->parameters()) p.set_requires_grad(false);
  copy->CopyFrom(*online);
  return copy;
}

// Policy outputs on the batch's first T steps, from the stored initial state.
PolicyOutput PolicyOnUnroll(const Batch& batch, Networks& online, const torch::Tensor& obs) {
  const int64_t T = batch.unroll_length();
  return online->policy->Forward(obs.slice(0, 0, T), batch.first.slice(0, 0, T),
                                 batch.initial_state, batch.latent_noise.slice(0, 0, T));
}

// The normalised final observations at the truncated steps `index` ([K, 2]): [K, D].
torch::Tensor FinalObservations(const Batch& batch, Networks& networks, const torch::Tensor& index) {
  const torch::Tensor t = index.select(1, 0), b = index.select(1, 1);
  return networks->normalizer->Normalize(batch.final_observations.index({t, b}));
}

// [T, B] V of the state each transition led to, with a state-value critic: V(x_{t+1}) from
// `values` [T+1, B], or V of the episode's final observation where it was truncated.
torch::Tensor NextStateValuesFromCritic(const Batch& batch, Networks& networks, const torch::Tensor& values) {
  torch::NoGradGuard no_grad;
  const torch::Tensor index = TruncatedIndex(batch);
  torch::Tensor final_values = torch::zeros({0}, values.options());
  if (index.size(0) > 0) final_values = networks->value->forward(FinalObservations(batch, networks, index));
  return NextStateValues(batch, values.detach(), final_values);
}

class VTraceAlgorithm : public Algorithm {
 public:
  VTraceAlgorithm(const LearnerConfig& config) : config_(config), vtrace_(config.vtrace()) {}
  std::string algorithm_name() const override { return "vtrace"; }
  CriticKind critic_kind() const override { return CriticKind::kValue; }

  LossResult Loss(const Batch& batch, Networks& online, at::Generator&) override {
    const int64_t T = batch.unroll_length();
    torch::Tensor obs = online->normalizer->Normalize(batch.observations);
    PolicyOutput policy = PolicyOnUnroll(batch, online, obs);
    torch::Tensor values = online->value->forward(obs);  // [T+1, B]
    torch::Tensor log_pi = GaussianLogProb(policy.action_mean, policy.action_std, batch.actions);
    VTraceOptions options;
    options.lambda = vtrace_.lambda();
    options.clip_rho = options.clip_pg_rho = vtrace_.clip_rho();
    options.clip_c = vtrace_.clip_c();
    VTraceReturns returns =
        ComputeVTrace(log_pi - batch.behaviour_log_prob, TargetDiscounts(batch, config_.discount()),
                      batch.rewards, values.slice(0, 0, T), NextStateValuesFromCritic(batch, online, values),
                      EpisodeContinues(batch), options);
    const double clip = vtrace_.surrogate_clip();
    torch::Tensor advantages = returns.pg_advantages;
    if (clip > 0) {
      // the surrogate applies the ratio itself: r_t + γ v_{t+1} − V(s_t) without V-trace's ρ̄ factor
      advantages = returns.q_estimates - values.slice(0, 0, T).detach();
    }
    if (vtrace_.normalize_advantages()) {
      advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-6);
    }
    torch::Tensor pg_loss = clip > 0 ? ClippedSurrogateLoss(log_pi - batch.behaviour_log_prob, advantages, clip)
                                     : -(log_pi * advantages).mean();
    torch::Tensor baseline_loss =
        vtrace_.baseline_cost() * 0.5 * (returns.vs - values.slice(0, 0, T)).pow(2).mean();
    torch::Tensor entropy = GaussianEntropy(policy.action_std).mean();
    torch::Tensor latent_kl = policy.latent_kl.mean();
    LossResult out;
    out.loss = pg_loss + baseline_loss - vtrace_.entropy_cost() * entropy +
               config_.network().kl_weight() * latent_kl;
    out.stats = {{"policy_loss", pg_loss},
                 {"value_loss", baseline_loss},
                 {"entropy", entropy},
                 {"latent_kl", latent_kl},
                 {"value_mean", values.mean()},
                 {"importance_weight_mean", ClampLogRatio(log_pi - batch.behaviour_log_prob).exp().mean()},
                 {"action_std_mean", policy.action_std.mean()},
                 {"latent_std_mean", policy.latent_std.mean()}};
    out.value_targets = returns.vs;
    return out;
  }

 private:
  LearnerConfig config_;
  VTraceConfig vtrace_;
};

class VmpoAlgorithm : public Algorithm {
 public:
  VmpoAlgorithm(const LearnerConfig& config) : config_(config), vmpo_(config.vmpo()) {
    log_temperature_ = register_parameter("log_temperature",
                                          DualParameter(vmpo_.init_log_temperature()));
    log_alpha_mean_ = register_parameter("log_alpha_mean",
                                         DualParameter(vmpo_.init_log_alpha_mean()));
    log_alpha_std_ = register_parameter("log_alpha_std", DualParameter(vmpo_.init_log_alpha_std()));
  }
  std::string algorithm_name() const override { return "vmpo"; }
  CriticKind critic_kind() const override { return CriticKind::kValue; }
  std::vector<torch::Tensor> Duals() override {
    return {log_temperature_, log_alpha_mean_, log_alpha_std_};
  }

  void Init(Networks& online) override {
    target_ = register_module("target", FrozenCopyOf(online));
  }

  void AfterUpdate(int64_t step, Networks& online) override {
    if (step % vmpo_.target_update_period() == 0) target_->CopyFrom(*online);
  }

  LossResult Loss(const Batch& batch, Networks& online, at::Generator&) override {
    const int64_t T = batch.unroll_length();
    const int64_t A = batch.actions.size(2);
    torch::Tensor old_mean, old_std;
    {
      torch::NoGradGuard no_grad;
      PolicyOutput old = PolicyOnUnroll(batch, target_, online->normalizer->Normalize(batch.observations));
      old_mean = old.action_mean;
      old_std = old.action_std;
    }
    torch::Tensor obs = online->normalizer->Normalize(batch.observations);
    PolicyOutput policy = PolicyOnUnroll(batch, online, obs);
    torch::Tensor values = online->value->forward(obs);
    // n-step returns bootstrapped at the unroll's end: V-trace with ρ = c = 1.
    VTraceOptions returns_options;
    returns_options.clip_rho = returns_options.clip_c = std::numeric_limits<double>::infinity();
    torch::Tensor returns =
        ComputeVTrace(torch::zeros_like(batch.rewards), TargetDiscounts(batch, config_.discount()),
                      batch.rewards, values.slice(0, 0, T), NextStateValuesFromCritic(batch, online, values),
                      EpisodeContinues(batch), returns_options)
            .vs;
    torch::Tensor advantages = (returns - values.slice(0, 0, T)).detach();
    VmpoLossOptions options;
    options.epsilon_temperature = vmpo_.epsilon_temperature();
    options.epsilon_mean = vmpo_.epsilon_mean();
    options.epsilon_std = vmpo_.epsilon_std();
    options.top_fraction = vmpo_.top_fraction();
    VmpoLossOutput vmpo = VmpoPolicyLoss(
        advantages.reshape({-1}), batch.actions.reshape({-1, A}),
        old_mean.reshape({-1, A}), old_std.reshape({-1, A}),
        policy.action_mean.reshape({-1, A}), policy.action_std.reshape({-1, A}),
        log_temperature_, log_alpha_mean_, log_alpha_std_, options);
    torch::Tensor value_loss =
        vmpo_.baseline_cost() * 0.5 * (returns - values.slice(0, 0, T)).pow(2).mean();
    torch::Tensor latent_kl = policy.latent_kl.mean();
    LossResult out;
    out.loss = vmpo.loss + value_loss + config_.network().kl_weight() * latent_kl;
    out.stats = {{"policy_loss", vmpo.loss_policy},
                 {"value_loss", value_loss},
                 {"temperature", vmpo.temperature.mean()},
                 {"alpha_mean", vmpo.alpha_mean.mean()},
                 {"alpha_std", vmpo.alpha_std.mean()},
                 {"kl_mean", vmpo.kl_mean},
                 {"kl_std", vmpo.kl_std},
                 {"latent_kl", latent_kl},
                 {"advantage_mean", advantages.mean()},
                 {"value_mean", values.mean()},
                 {"action_std_mean", policy.action_std.mean()},
                 {"latent_std_mean", policy.latent_std.mean()}};
    out.value_targets = returns;
    return out;
  }

 private:
  LearnerConfig config_;
  VmpoConfig vmpo_;
  torch::Tensor log_temperature_, log_alpha_mean_, log_alpha_std_;
  Networks target_{nullptr};
};

class MpoAlgorithm : public Algorithm {
 public:
  MpoAlgorithm(const LearnerConfig& config) : config_(config), mpo_(config.mpo()) {}
  std::string algorithm_name() const override { return "mpo"; }
  CriticKind critic_kind() const override { return CriticKind::kActionValue; }
  std::vector<torch::Tensor> Duals() override {
    return {log_temperature_, log_alpha_mean_, log_alpha_std_};
  }

  void Init(Networks& online) override {
    const int64_t dual_size = mpo_.per_dim_constraining() ? online->num_actions() : 1;
    log_temperature_ = register_parameter("log_temperature",
                                          DualParameter(mpo_.init_log_temperature()));
    log_alpha_mean_ = register_parameter("log_alpha_mean",
                                         DualParameter(mpo_.init_log_alpha_mean(), dual_size));
    log_alpha_std_ = register_parameter("log_alpha_std",
                                        DualParameter(mpo_.init_log_alpha_std(), dual_size));
    target_ = register_module("target", FrozenCopyOf(online));
  }

  LossResult Loss(const Batch& full, Networks& online, at::Generator& generator) override {
    // Burn-in: the first k steps only recompute the recurrent state (online and target networks)
    // from the stored one; every loss below is on the steps after them.
    const int64_t k = BurnInSteps(full, *online->policy);
    PolicyState online_state = full.initial_state, target_state = full.initial_state;
    if (k > 0) {
      torch::NoGradGuard no_grad;
      const torch::Tensor head = online->normalizer->Normalize(full.observations.slice(0, 0, k));
      const torch::Tensor first = full.first.slice(0, 0, k), noise = full.latent_noise.slice(0, 0, k);
      online_state = online->policy->Forward(head, first, full.initial_state, noise).final_state.Detached();
      target_state = target_->policy->Forward(head, first, full.initial_state, noise).final_state;
    }
    const Batch batch = TimeSuffix(full, k, online_state);
    const int64_t T = batch.unroll_length(), B = batch.batch_size();
    const int64_t A = batch.actions.size(2), N = mpo_.num_samples();
    torch::Tensor obs = online->normalizer->Normalize(batch.observations);  // [T+1, B, D]
    PolicyOutput policy = online->policy->Forward(obs, batch.first, online_state, batch.latent_noise);
    torch::Tensor target_mean, target_std, sampled, q_samples, targets;
    {
      torch::NoGradGuard no_grad;
      PolicyOutput target = target_->policy->Forward(obs, batch.first, target_state, batch.latent_noise);
      target_mean = target.action_mean;
      target_std = target.action_std;
      torch::Tensor noise =
          torch::empty({N, T + 1, B, A}).normal_(0.0, 1.0, generator).to(obs.device());
      sampled = target_mean.unsqueeze(0) + target_std.unsqueeze(0) * noise;
      q_samples = target_->q->forward(obs.unsqueeze(0).expand({N, -1, -1, -1}),
                                      sampled.clamp(-1.0, 1.0));  // [N, T+1, B]
      // Critic targets, bootstrapped with V(s) = E_{a~π_target} Q_target(s, a).
      const torch::Tensor next_values =
          NextStateValues(batch, q_samples.mean(0), FinalStateValues(batch, online, target, generator));
      const torch::Tensor discounts = TargetDiscounts(batch, config_.discount());
      if (mpo_.critic_targets() == "retrace") {
        // traces λ·min(1, π_target/μ) at the replayed actions; Q_target at them
        const torch::Tensor log_ratios =
            GaussianLogProb(target_mean.slice(0, 0, T), target_std.slice(0, 0, T), batch.actions) -
            batch.behaviour_log_prob;
        const torch::Tensor q_taken = target_->q->forward(obs.slice(0, 0, T), batch.actions.clamp(-1.0, 1.0));
        targets = RetraceTargets(batch.rewards, discounts, next_values, EpisodeContinues(batch), q_taken,
                                 RetraceCoefficients(log_ratios, mpo_.retrace_lambda()));
      } else {
        targets = NStepTargets(batch.rewards, discounts, next_values, EpisodeContinues(batch), mpo_.n_step());
      }
    }
    torch::Tensor q_online = online->q->forward(obs.slice(0, 0, T), batch.actions.clamp(-1.0, 1.0));
    torch::Tensor critic_loss = 0.5 * (q_online - targets).pow(2).mean();

    MpoLossOptions options;
    options.epsilon = mpo_.epsilon();
    options.epsilon_mean = mpo_.epsilon_mean();
    options.epsilon_std = mpo_.epsilon_std();
    options.per_dim_constraining = mpo_.per_dim_constraining();
    MpoLossOutput mpo = MpoPolicyLoss(
        q_samples.reshape({N, -1}), sampled.reshape({N, -1, A}), target_mean.reshape({-1, A}),
        target_std.reshape({-1, A}), policy.action_mean.reshape({-1, A}),
        policy.action_std.reshape({-1, A}), log_temperature_, log_alpha_mean_, log_alpha_std_,
        options);
    torch::Tensor latent_kl = policy.latent_kl.mean();
    LossResult out;
    out.loss = critic_loss + mpo.loss + config_.network().kl_weight() * latent_kl;
    out.stats = {{"critic_loss", critic_loss},
                 {"policy_loss", mpo.loss_policy},
                 {"temperature", mpo.temperature.mean()},
                 {"alpha_mean", mpo.alpha_mean.mean()},
                 {"alpha_std", mpo.alpha_std.mean()},
                 {"kl_mean", mpo.kl_mean},
                 {"kl_std", mpo.kl_std},
                 {"kl_estep", mpo.kl_nonparametric},
                 {"latent_kl", latent_kl},
                 {"q_mean", q_online.mean()},
                 {"action_std_mean", policy.action_std.mean()},
                 {"latent_std_mean", policy.latent_std.mean()},
                 {"burn_in_steps", torch::full({}, static_cast<double>(k))}};
    // burn-in steps have no target
    out.value_targets = torch::cat({torch::full({k, B}, NAN, targets.options()), targets}, 0);
    return out;
  }

  void AfterUpdate(int64_t step, Networks& online) override {
    if (step % mpo_.target_update_period() == 0) target_->CopyFrom(*online);
  }

 private:
  // The configured burn-in (automatic: a quarter of the unroll for a recurrent policy), at most T − 1.
  int64_t BurnInSteps(const Batch& batch, const PolicyNetImpl& policy) const {
    const int64_t T = batch.unroll_length();
    const int64_t k = mpo_.burn_in_steps() >= 0 ? mpo_.burn_in_steps() : policy.is_recurrent() ? T / 4 : 0;
    return std::clamp<int64_t>(k, 0, T - 1);
  }

  // V(x) = E_{a~π_target} Q_target(x, a) at the truncated steps' final observations, [K]. The
  // target policy continues from its state after the step that ended the episode; its latent noise
  // is the next step's stored ε (drawn independently of the ended episode).
  torch::Tensor FinalStateValues(const Batch& batch, Networks& online, const PolicyOutput& target,
                                 at::Generator& generator) {
    const torch::Tensor index = TruncatedIndex(batch);
    const int64_t K = index.size(0), N = mpo_.num_samples();
    if (K == 0) return torch::zeros({0}, batch.rewards.options());
    const torch::Tensor obs = FinalObservations(batch, online, index).unsqueeze(0);  // [1, K, D]
    const torch::Tensor noise = batch.latent_noise.index({index.select(1, 0) + 1, index.select(1, 1)});
    PolicyOutput at_final = target_->policy->Forward(obs, torch::zeros({1, K}, obs.options()),
                                                     StateAfterSteps(target, index), noise.unsqueeze(0));
    const int64_t A = at_final.action_mean.size(-1);
    torch::Tensor eps = torch::empty({N, 1, K, A}).normal_(0.0, 1.0, generator).to(obs.device());
    torch::Tensor actions = at_final.action_mean.unsqueeze(0) + at_final.action_std.unsqueeze(0) * eps;
    return target_->q->forward(obs.unsqueeze(0).expand({N, -1, -1, -1}), actions.clamp(-1.0, 1.0)).mean(0)[0];
  }

  LearnerConfig config_;
  MpoConfig mpo_;
  torch::Tensor log_temperature_, log_alpha_mean_, log_alpha_std_;
  Networks target_{nullptr};
};

}  // namespace

absl::StatusOr<std::shared_ptr<Algorithm>> MakeAlgorithm(const LearnerConfig& config) {
  switch (config.algorithm_case()) {
    case LearnerConfig::kVtrace:
      return std::make_shared<VTraceAlgorithm>(config);
    case LearnerConfig::kMpo: {
      const MpoConfig& mpo = config.mpo();
      if (mpo.critic_targets() != "retrace" && mpo.critic_targets() != "n_step") {
        return absl::InvalidArgumentError(absl::StrCat("mpo.critic_targets must be 'retrace' or 'n_step', got '",
                                                       mpo.critic_targets(), "'"));
      }
      if (mpo.retrace_lambda() < 0 || mpo.retrace_lambda() > 1 || mpo.burn_in_steps() < -1 || mpo.n_step() < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "mpo needs retrace_lambda in [0, 1], burn_in_steps >= -1 (-1: automatic) and n_step >= 1; got ",
            mpo.retrace_lambda(), ", ", mpo.burn_in_steps(), ", ", mpo.n_step()));
      }
      return std::make_shared<MpoAlgorithm>(config);
    }
    case LearnerConfig::kVmpo:
      return std::make_shared<VmpoAlgorithm>(config);
    default:
      return absl::InvalidArgumentError(
          "learner config names no algorithm: set one of vtrace, mpo, vmpo");
  }
}

absl::StatusOr<LearnerConfig> WithAlgorithm(LearnerConfig config, const std::string& name) {
  if (name == "vtrace") {
    config.mutable_vtrace();
  } else if (name == "mpo") {
    config.mutable_mpo();
  } else if (name == "vmpo") {
    config.mutable_vmpo();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown algorithm '", name, "': expected vtrace, mpo or vmpo"));
  }
  return config;
}

}  // namespace mimic
