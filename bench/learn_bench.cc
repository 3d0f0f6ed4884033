// `mimic bench learn`: proof that the learner learns, in one process with no gRPC. Trains one
// algorithm on cartpole swing-up (dm_control's definition) or the rodent imitation task with
// several seeds one after another, printing each evaluation (the deterministic policy over
// --eval_episodes episodes) as a JSON line, then one summary line whose ratio is the score —
// the mean over seeds of the mean of each seed's last --last evaluations — over the target
// (cartpole), and an SVG of the curves.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/benchmarks.h"
#include "bench/rounds.h"
#include "common/args.h"
#include "common/svg_chart.h"
#include "envs/batched_env.h"
#include "envs/cartpole.h"
#include "envs/clip_io.h"
#include "envs/clip_recorder.h"
#include "envs/env_context.h"
#include "google/protobuf/text_format.h"
#include "learner/algorithms.h"
#include "learner/learner.h"
#include "learner/local_trainer.h"

namespace mimic::bench {
namespace {

// A JSON number, or null where there is none (no episode finished yet).
std::string Json(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.6g", value) : std::string("null");
}

struct TaskSetup {
  std::unique_ptr<VectorEnv> train, eval;
  LearnerConfig config;
  LocalTrainingOptions options;
  double target = 0;  // the return target (cartpole) or 0
};

// Cartpole presets: small networks sized for 2 CPU cores (documented in docs/benchmarks.md).
absl::StatusOr<TaskSetup> CartpoleSetup(const std::string& algo, int envs_override, int eval_episodes) {
  TaskSetup setup;
  LearnerConfig config;
  NetworkConfig* net = config.mutable_network();
  net->add_encoder_sizes(256);
  net->set_latent_size(16);
  net->set_decoder("mlp");
  net->add_decoder_sizes(256);
  net->add_decoder_sizes(256);
  net->add_critic_sizes(256);
  net->add_critic_sizes(256);
  net->set_init_action_std(0.7);
  config.set_policy_learning_rate(3e-4);
  config.set_critic_learning_rate(3e-4);
  auto with_algo = WithAlgorithm(config, algo);
  if (!with_algo.ok()) return with_algo.status();
  setup.config = *with_algo;
  int envs = 32;
  if (algo == "mpo") {
    setup.config.mutable_mpo()->set_target_update_period(25);
    envs = 8;
    setup.options.env_steps = 1'000'000;
    setup.options.unroll_length = 10;
    setup.options.batch_size = 32;
    setup.options.samples_per_insert = 8;
    setup.options.min_replay_sequences = 100;
    setup.options.eval_every_steps = 25'000;
    setup.target = 700;
  } else {
    if (algo == "vmpo") setup.config.mutable_vmpo()->set_target_update_period(10);
    if (algo == "vtrace") {
      // The policy gradient drives an unbounded std to a bound within ~0.5M steps (1e-4 or 1) and the
      // policy settles on spinning the pole; keeping it within [0.1, 0.41] keeps exploring while the
      // mean learns to catch it. With several passes per batch, the clipped surrogate keeps each pass
      // near the actor's policy.
      NetworkConfig* vnet = setup.config.mutable_network();
      vnet->set_min_action_std(0.1);
      vnet->set_init_action_std(0.4);
      vnet->set_max_action_std(0.41);
      VTraceConfig* vtrace = setup.config.mutable_vtrace();
      vtrace->set_lambda(0.95);
      vtrace->set_entropy_cost(0);
      vtrace->set_normalize_advantages(true);
      vtrace->set_surrogate_clip(0.2);
    }
    setup.options.env_steps = 5'000'000;
    setup.options.unroll_length = 20;
    // 4 passes over each fresh batch in 4 minibatches of 8 unrolls: 16 updates per 640 steps.
    // One update per batch (7.8k updates in 5M steps) left both short of 300.
    setup.options.epochs_per_batch = 4;
    setup.options.minibatches = 4;
    setup.options.eval_every_steps = 100'000;
    setup.target = 400;
  }
  setup.options.eval_max_steps = 1000;
  if (envs_override > 0) envs = envs_override;
  auto train = CartpoleSwingup::Create(envs, 1);
  auto eval = CartpoleSwingup::Create(eval_episodes, 2);
  if (!train.ok()) return train.status();
  if (!eval.ok()) return eval.status();
  setup.train = std::move(*train);
  setup.eval = std::move(*eval);
  return setup;
}

// The rodent sanity run: the default (paper-sized) policy imitating one clip.
absl::StatusOr<TaskSetup> RodentSetup(const std::string& algo, const Args& args) {
  TaskSetup setup;
  absl::StatusOr<EnvConfig> env_config = ReadEnvConfigOrDefaults(args.String("config"));
  if (!env_config.ok()) return env_config.status();
  std::vector<ReferenceClip> clips;
  if (args.Has("clips")) {
    auto read = ReadClips(args.String("clips"));
    if (!read.ok()) return read.status();
    clips = {read->front()};
    if (!args.Has("config")) env_config->set_model_scale(clips.front().model_scale);
  } else {
    RecordOptions record;
    auto recorded = RecordClip(*env_config, record);
    if (!recorded.ok()) return recorded.status();
    clips = {recorded->clip};
  }
  auto context = EnvContext::Create(*env_config, clips);
  if (!context.ok()) return context.status();
  BatchedEnvOptions train_options;
  train_options.num_envs = 16;
  train_options.num_threads = 2;
  train_options.seed = 1;
  BatchedEnvOptions eval_options = train_options;
  eval_options.num_envs = args.Int("eval_episodes");
  eval_options.seed = 2;
  auto train = BatchedEnv::Create(*context, train_options);
  auto eval = BatchedEnv::Create(*context, eval_options);
  if (!train.ok()) return train.status();
  if (!eval.ok()) return eval.status();
  LearnerConfig config;
  config.mutable_network()->set_proprioception_size(
      (*context)->spec().observation.proprioception_size());
  config.set_policy_learning_rate(3e-4);
  config.set_critic_learning_rate(3e-4);
  auto with_algo = WithAlgorithm(config, algo);
  if (!with_algo.ok()) return with_algo.status();
  setup.config = *with_algo;
  // a short budget: refresh V-MPO's π_old often enough for the policy to move
  if (algo == "vmpo") setup.config.mutable_vmpo()->set_target_update_period(10);
  setup.options.env_steps = 200'000;
  setup.options.unroll_length = 20;
  setup.options.eval_every_steps = 25'000;
  setup.options.eval_max_steps = 500;
  setup.train = std::move(*train);
  setup.eval = std::move(*eval);
  return setup;
}

const CommandSpec& Spec() {
  static const auto* spec = new CommandSpec{
      "bench learn",
      "learning curves of one algorithm in one process (no gRPC) over several seeds: cartpole swing-up "
      "(dm_control's) against the issue's return target, or the rodent imitation task; score = mean over "
      "seeds of each seed's last evaluations",
      {
          {"task", FlagType::kString, "cartpole", "cartpole|rodent", "the task"},
          {"algo", FlagType::kString, "mpo", "mpo|vmpo|vtrace", "the algorithm (presets in docs/benchmarks.md)"},
          {"seeds", FlagType::kInt, "2", "seeds", "seeds trained one after another (1, 2, ...)"},
          {"seed", FlagType::kInt, "1", "seed", "the first seed"},
          {"steps", FlagType::kDouble, "", "env steps", "budget per seed (default: the preset's; MPO 1M, V-MPO/V-trace 5M)"},
          {"eval_every", FlagType::kDouble, "", "env steps", "steps between evaluations (default: the preset's)"},
          {"eval_episodes", FlagType::kInt, "20", "episodes", "deterministic episodes per evaluation"},
          {"last", FlagType::kInt, "3", "evaluations", "the score averages each seed's last this-many evaluations"},
          {"stop_at", FlagType::kDouble, "0", "return", "stop a seed once an evaluation reaches this (0 = never)"},
          {"threads", FlagType::kInt, "1", "threads", "LibTorch intra-op threads"},
          {"envs", FlagType::kInt, "0", "envs", "training environments (0 = the preset's)"},
          {"unroll", FlagType::kInt, "0", "steps", "unroll length (0 = the preset's)"},
          {"epochs", FlagType::kInt, "0", "passes", "on-policy passes per batch (0 = the preset's)"},
          {"minibatches", FlagType::kInt, "0", "minibatches", "on-policy minibatches per pass (0 = the preset's)"},
          {"lr", FlagType::kDouble, "0", "", "policy and critic learning rate (0 = the preset's)"},
          {"learner", FlagType::kString, "", "TEXT", "a LearnerConfig text proto merged over the preset, e.g. 'vtrace { lambda: 0.9 }'"},
          {"svg", FlagType::kString, "", "FILE", "the curves (default runs/bench_learn_<task>_<algo>.svg)"},
          {"checkpoint_dir", FlagType::kString, "", "DIR", "checkpoints of the last seed (empty = none)"},
          {"clips", FlagType::kString, "", "FILE", "rodent: a clips file (its first clip; default: a self-recorded clip)"},
          {"config", FlagType::kString, "", "FILE", "rodent: an EnvConfig"},
      },
      {"./mimic bench learn --task cartpole --algo vmpo --steps 200000 --seeds 1 --eval_every 100000"},
  };
  return *spec;
}

struct SeedRun {
  int seed = 0;
  std::vector<TrainingPoint> points;
  double score = 0;  // mean return of the last evaluations
};

}  // namespace

int BenchLearn(const Argv& argv) {
  int exit_code;
  auto args = ParseCommandLine(Spec(), argv, &exit_code);
  if (!args) return exit_code;
  const std::string task = args->String("task");
  const std::string algo = args->String("algo");
  const int seeds = args->Int("seeds"), last_k = args->Int("last");
  if (seeds < 1 || last_k < 1 || args->Int("eval_episodes") < 1 || args->Int("threads") < 1) {
    return Fail("bench learn", absl::InvalidArgumentError("--seeds, --last, --eval_episodes and --threads must be positive"));
  }
  std::vector<SeedRun> runs;
  double target = 0;
  for (int s = 0; s < seeds; ++s) {
    const int seed = args->Int("seed") + s;
    absl::StatusOr<TaskSetup> setup =
        task == "cartpole" ? CartpoleSetup(algo, args->Int("envs"), args->Int("eval_episodes"))
        : task == "rodent" ? RodentSetup(algo, *args)
                           : absl::InvalidArgumentError(absl::StrCat(
                                 "unknown task '", task, "': expected cartpole or rodent"));
    if (!setup.ok()) return Fail("bench learn", setup.status());
    target = setup->target;
    LocalTrainingOptions& options = setup->options;
    if (args->Has("steps")) options.env_steps = static_cast<int64_t>(args->Double("steps"));
    if (args->Has("eval_every")) options.eval_every_steps = static_cast<int64_t>(args->Double("eval_every"));
    if (args->Int("unroll") > 0) options.unroll_length = args->Int("unroll");
    if (args->Int("epochs") > 0) options.epochs_per_batch = args->Int("epochs");
    if (args->Int("minibatches") > 0) options.minibatches = args->Int("minibatches");
    options.stop_at_eval_return = args->Double("stop_at");
    options.seed = seed;
    options.checkpoint_dir = s + 1 == seeds ? args->String("checkpoint_dir") : "";
    setup->config.set_intra_op_threads(args->Int("threads"));
    setup->config.set_seed(seed);
    if (args->Double("lr") > 0) {
      setup->config.set_policy_learning_rate(args->Double("lr"));
      setup->config.set_critic_learning_rate(args->Double("lr"));
    }
    if (args->Has("learner")) {
      // a LearnerConfig text proto merged over the preset, e.g. 'vtrace { lambda: 0.95 }'
      LearnerConfig override_config;
      if (!google::protobuf::TextFormat::ParseFromString(args->String("learner"), &override_config)) {
        return Fail("bench learn", absl::InvalidArgumentError("--learner is not a LearnerConfig text proto"));
      }
      setup->config.MergeFrom(override_config);
    }
    auto learner = Learner::Create(setup->config, setup->train->obs_size(), setup->train->num_actions());
    if (!learner.ok()) return Fail("bench learn", learner.status());
    std::fprintf(stderr, "bench learn: %s on %s, seed %d (%d of %d), %d envs, %lld env steps, %d-episode evaluations\n",
                 algo.c_str(), task.c_str(), seed, s + 1, seeds, setup->train->num_envs(),
                 static_cast<long long>(options.env_steps), setup->eval->num_envs());
    SeedRun run;
    run.seed = seed;
    auto points = TrainLocally(learner->get(), setup->train.get(), setup->eval.get(), options,
                               [&](const TrainingPoint& p) {
                                 std::printf(
                                     "{\"seed\":%d,\"env_steps\":%lld,\"updates\":%lld,\"wall_s\":%.1f,"
                                     "\"train_return\":%s,\"eval_return\":%.2f,\"eval_episodes\":%d,"
                                     "\"eval_length\":%.1f,\"eval_reward_per_step\":%.4f,\"learner\":{%s}}\n",
                                     seed, static_cast<long long>(p.env_steps), static_cast<long long>(p.updates),
                                     p.wall_seconds, Json(p.train_return).c_str(), p.eval.mean_return,
                                     p.eval.episodes, p.eval.mean_length, p.eval.mean_reward_per_step,
                                     absl::StrJoin(p.last_update.values, ",", [](std::string* out, const auto& kv) {
                                       absl::StrAppend(out, "\"", kv.first, "\":", Json(kv.second));
                                     }).c_str());
                                 std::fflush(stdout);
                               });
    if (!points.ok()) return Fail("bench learn", points.status());
    run.points = *points;
    const size_t k = std::min<size_t>(last_k, run.points.size());
    for (size_t i = run.points.size() - k; i < run.points.size(); ++i) run.score += run.points[i].eval.mean_return / k;
    runs.push_back(std::move(run));
  }

  // the score: the mean over seeds of each seed's last evaluations
  double score = 0, best = 0, min_score = 1e300, max_score = -1e300, wall = 0;
  int64_t env_steps = 0, updates = 0;
  for (const SeedRun& r : runs) {
    score += r.score / runs.size();
    min_score = std::min(min_score, r.score);
    max_score = std::max(max_score, r.score);
    for (const TrainingPoint& p : r.points) best = std::max(best, p.eval.mean_return);
    env_steps += r.points.back().env_steps;
    updates += r.points.back().updates;
    wall += r.points.back().wall_seconds;
  }
  const std::string svg = args->Has("svg") ? args->String("svg") : absl::StrCat("runs/bench_learn_", task, "_", algo, ".svg");
  ChartOptions chart;
  chart.title = absl::StrCat(algo, " on ", task, ": deterministic evaluation return (", args->Int("eval_episodes"),
                             " episodes per point)");
  chart.x_label = "environment steps";
  chart.y_label = "return";
  std::vector<double> x;
  for (const TrainingPoint& p : runs.front().points) x.push_back(static_cast<double>(p.env_steps));
  std::vector<Series> eval_series, train_series, length_series;
  for (const SeedRun& r : runs) {
    std::vector<double> eval, train, length;
    for (size_t i = 0; i < x.size(); ++i) {
      const bool has = i < r.points.size();
      eval.push_back(has ? r.points[i].eval.mean_return : std::nan(""));
      train.push_back(has ? r.points[i].train_return : std::nan(""));
      length.push_back(has ? r.points[i].eval.mean_length : std::nan(""));
    }
    eval_series.push_back({absl::StrCat("seed ", r.seed, ": evaluation"), eval, ""});
    train_series.push_back({absl::StrCat("seed ", r.seed, ": training episodes"), train, ""});
    length_series.push_back({absl::StrCat("seed ", r.seed), length, ""});
  }
  ChartOptions training = chart;
  training.title = "training episodes (the policy's noise on)";
  std::vector<std::string> charts = {LineChartSvg(chart, x, eval_series), LineChartSvg(training, x, train_series)};
  if (task == "rodent") {
    ChartOptions lengths = chart;
    lengths.title = "evaluation episode length";
    lengths.y_label = "steps";
    charts.push_back(LineChartSvg(lengths, x, length_series));
  }
  std::ofstream(svg) << StackSvg(charts, chart.width);

  const TrainingPoint& first = runs.front().points.front();
  JsonLine line("learn");
  line.Add("task", task)
      .Add("algo", algo)
      .Add("seeds", seeds)
      .Add("env_steps", env_steps)
      .Add("updates", updates)
      .Add("wall_s", wall)
      .Add("eval_episodes", args->Int("eval_episodes"))
      .Add("last_evaluations", last_k)
      .Add("initial_eval_return", first.eval.mean_return)
      .Add("best_eval_return", best)
      .Add("score_min_seed", min_score)
      .Add("score_max_seed", max_score)
      .Add("score", score)
      .Add("target", target)
      .Add("svg", svg);
  if (target > 0) {
    std::printf("%s\n", line.Finish(score / target).c_str());
  } else {
    // rodent: the last evaluations' episode length against the untrained policy's
    double last_length = 0;
    for (const SeedRun& r : runs) {
      const size_t k = std::min<size_t>(last_k, r.points.size());
      for (size_t i = r.points.size() - k; i < r.points.size(); ++i) last_length += r.points[i].eval.mean_length / (k * runs.size());
    }
    line.Add("initial_eval_length", first.eval.mean_length).Add("last_eval_length", last_length);
    std::printf("%s\n", line.Finish(last_length / std::max(1.0, first.eval.mean_length)).c_str());
  }
  return 0;
}

}  // namespace mimic::bench
