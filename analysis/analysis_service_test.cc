// The analysis service over loopback gRPC: an encoding job on a synthetic session with planted
// tuning recovers it and writes HDF5 results and a figure; bearer tokens, data-root confinement,
// bad input and cancellation behave, and the service keeps serving after a failed job.
#include "analysis/analysis_service.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "analysis/synthetic.h"
#include "common/bearer_auth.h"
#include "common/h5_file.h"
#include "common/h5_test_files.h"
#include "common/operations_service.h"
#include "behaviour/synthetic_movement.h"
#include "envs/clip_io.h"

#include <random>

namespace mimic::analysis {
namespace {

namespace fs = std::filesystem;

void WriteCsv(const std::string& path, const Eigen::MatrixXd& m) {
  std::ofstream out(path);
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) out << (c ? "," : "") << m(r, c);
    out << "\n";
  }
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AnalysisServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/analysis_root";
    fs::remove_all(root_);
    fs::create_directories(root_ + "/session");
    fs::create_directories(root_ + "/results");
    SynthOptions options;
    options.bins = 3000;
    options.tuned_per_class = 4;
    options.untuned = 4;
    options.lags = {0};
    session_ = MakeSyntheticSession(options);
    for (const FeatureClass& c : session_.classes) WriteCsv(root_ + "/session/" + c.name + ".csv", c.features);
    WriteCsv(root_ + "/session/counts.csv", session_.counts);
    std::ofstream(root_ + "/session/corrupt.csv") << "1,2\n3\n";

    guard_ = std::make_unique<PathGuard>(PathGuard::Create(root_).value());
    runner_ = std::make_unique<JobRunner>(1);
    service_ = std::make_unique<AnalysisServiceImpl>(runner_.get(), *guard_, AnalysisLimits{}, "s3cret");
    operations_ = std::make_unique<OperationsServiceImpl>(runner_.get(), "s3cret");
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    builder.RegisterService(operations_.get());
    server_ = builder.BuildAndStart();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials());
    stub_ = AnalysisService::NewStub(channel);
    ops_ = Operations::NewStub(channel);
  }
  void TearDown() override { server_->Shutdown(); }

  EncodingJobSpec Spec(const std::string& counts = "session/counts.csv") {
    EncodingJobSpec spec;
    for (const FeatureClass& c : session_.classes) (*spec.mutable_features())[c.name] = "session/" + c.name + ".csv";
    spec.set_counts(counts);
    spec.set_out("results/encoding.h5");
    return spec;
  }

  grpc::Status Submit(const EncodingJobSpec& spec, Operation* op, const std::string& token = "s3cret") {
    grpc::ClientContext context;
    AddBearer(&context, token);
    SubmitEncodingRequest request;
    *request.mutable_spec() = spec;
    return stub_->SubmitEncoding(&context, request, op);
  }

  Operation WaitFinished(const std::string& id) {
    Operation op;
    for (int i = 0; i < 600; ++i) {
      grpc::ClientContext context;
      AddBearer(&context, "s3cret");
      OperationRequest request;
      request.set_id(id);
      EXPECT_TRUE(ops_->GetOperation(&context, request, &op).ok());
      if (IsFinished(op.state())) return op;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return op;
  }

  std::string root_;
  SynthSession session_;
  std::unique_ptr<PathGuard> guard_;
  std::unique_ptr<JobRunner> runner_;
  std::unique_ptr<AnalysisServiceImpl> service_;
  std::unique_ptr<OperationsServiceImpl> operations_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<AnalysisService::Stub> stub_;
  std::unique_ptr<Operations::Stub> ops_;
  int port_ = 0;
};

TEST_F(AnalysisServiceTest, EncodingJobRecoversPlantedTuningAndWritesResults) {
  fs::create_directories(root_ + "/results");
  Operation op;
  ASSERT_TRUE(Submit(Spec(), &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  ASSERT_EQ(op.outputs_size(), 2);
  EXPECT_EQ(op.outputs(1), "results/encoding.svg");
  EXPECT_TRUE(fs::file_size(root_ + "/results/encoding.svg") > 1000);
  auto file = H5File::Open(root_ + "/results/encoding.h5").value();
  const auto classes = file->ReadStrings("/classes").value();
  const auto best = file->ReadInts("/best_class").value();
  ASSERT_EQ(best.values.size(), session_.true_class.size());
  int tuned = 0, recovered = 0, false_positives = 0;
  for (size_t n = 0; n < best.values.size(); ++n) {
    const int truth = session_.true_class[n];
    if (truth < 0) {
      false_positives += best.values[n] >= 0;
      continue;
    }
    ++tuned;
    // classes in the results are in the spec's map order (by name), the truth in session order
    recovered += best.values[n] >= 0 && classes[best.values[n]] == session_.classes[truth].name;
  }
  EXPECT_GE(recovered, 0.9 * tuned) << recovered << " of " << tuned;
  EXPECT_LE(false_positives, 1);
  EXPECT_NE(op.result_json().find("\"neurons\":12"), std::string::npos) << op.result_json();
  EXPECT_EQ(file->Shape("/cv_llr_bits_per_spike").value(), (std::vector<int64_t>{12, 2}));
  // one representational (joint_angles) and one computational (latent) class: compared
  EXPECT_NE(op.result_json().find("\"computational_vs_representational\""), std::string::npos) << op.result_json();
  const double p = file->GetDoubleAttribute("/", "p_computational_greater").value();
  EXPECT_GT(p, 0.0);
  EXPECT_LE(p, 1.0);
}

TEST_F(AnalysisServiceTest, TokensAreCheckedOnEveryCall) {
  Operation op;
  EXPECT_EQ(Submit(Spec(), &op, "").error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(Submit(Spec(), &op, "wrong").error_code(), grpc::UNAUTHENTICATED);
  grpc::ClientContext context;
  ListOperationsResponse list;
  EXPECT_EQ(ops_->ListOperations(&context, ListOperationsRequest(), &list).error_code(), grpc::UNAUTHENTICATED);
}

TEST_F(AnalysisServiceTest, PathsOutsideTheDataRootAreRefusedBeforeQueueing) {
  Operation op;
  EncodingJobSpec escape = Spec("../outside.csv");
  grpc::Status status = Submit(escape, &op);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_message().find("counts"), std::string::npos) << status.error_message();
  fs::create_symlink("/etc", root_ + "/session/link");
  status = Submit(Spec("session/link/passwd"), &op);
  EXPECT_FALSE(status.ok()) << "a symlink out of the root was followed";
  EncodingJobSpec out = Spec();
  out.set_out("/tmp/elsewhere.h5");
  EXPECT_FALSE(Submit(out, &op).ok());
  EncodingJobSpec bad_lags = Spec();
  bad_lags.set_lag_min(5);
  bad_lags.set_lag_max(-5);
  EXPECT_EQ(Submit(bad_lags, &op).error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_TRUE(runner_->List().empty());  // nothing was queued
}

TEST_F(AnalysisServiceTest, TheFigureBesideAnOutputAndTheRootAreRefusedAsOutputs) {
  std::ofstream(::testing::TempDir() + "/analysis_victim") << "precious";
  fs::create_symlink(::testing::TempDir() + "/analysis_victim", root_ + "/results/encoding.svg");
  Operation op;
  const grpc::Status figure = Submit(Spec(), &op);
  EXPECT_EQ(figure.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_NE(figure.error_message().find("figure"), std::string::npos) << figure.error_message();
  EncodingJobSpec root = Spec();
  root.set_out(".");
  EXPECT_EQ(Submit(root, &op).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_TRUE(runner_->List().empty());
}

TEST_F(AnalysisServiceTest, BadInputFailsTheJobAndTheServiceKeepsServing) {
  fs::create_directories(root_ + "/results");
  Operation op;
  ASSERT_TRUE(Submit(Spec("session/corrupt.csv"), &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("counts"), std::string::npos) << op.message();
  // mismatched lengths: counts with fewer bins than the features
  WriteCsv(root_ + "/session/short.csv", session_.counts.topRows(100));
  ASSERT_TRUE(Submit(Spec("session/short.csv"), &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("bins"), std::string::npos) << op.message();
  // NaN in a feature class
  Eigen::MatrixXd with_nan = session_.classes[0].features;
  with_nan(10, 0) = std::nan("");
  WriteCsv(root_ + "/session/" + session_.classes[0].name + ".csv", with_nan);
  ASSERT_TRUE(Submit(Spec(), &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("NaN"), std::string::npos) << op.message();
}

TEST_F(AnalysisServiceTest, AFileDeclaringAHugeArrayFailsItsJobAndTheServiceKeepsServing) {
  // the attack: 1.4 KB of HDF5 declaring 200000 x 200000 doubles as the counts
  h5_testing::WriteDeclaredOnlyDataset(root_ + "/session/huge.h5", "/data", {200000, 200000});
  ASSERT_LT(fs::file_size(root_ + "/session/huge.h5"), 10000u);
  Operation op;
  ASSERT_TRUE(Submit(Spec("session/huge.h5"), &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("/data"), std::string::npos) << op.message();
  EXPECT_NE(op.message().find("RESOURCE_EXHAUSTED"), std::string::npos) << op.message();
  ASSERT_TRUE(Submit(Spec(), &op).ok());
  EXPECT_EQ(WaitFinished(op.id()).state(), SUCCEEDED);
}

TEST_F(AnalysisServiceTest, AJobOverTheServersReadLimitFailsNamingTheFile) {
  // the session's arrays (~3000 x 30 values as text and doubles) against a 200 KB job limit
  JobRunnerOptions small;
  small.max_read_bytes_per_job = 200 << 10;
  runner_ = std::make_unique<JobRunner>(small);
  service_ = std::make_unique<AnalysisServiceImpl>(runner_.get(), *guard_, AnalysisLimits{}, "s3cret");
  operations_ = std::make_unique<OperationsServiceImpl>(runner_.get(), "s3cret");
  server_->Shutdown();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  builder.RegisterService(operations_.get());
  server_ = builder.BuildAndStart();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials());
  stub_ = AnalysisService::NewStub(channel);
  ops_ = Operations::NewStub(channel);
  Operation op;
  ASSERT_TRUE(Submit(Spec(), &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("read limit"), std::string::npos) << op.message();
  EXPECT_NE(op.message().find("session/"), std::string::npos) << op.message();
}

TEST_F(AnalysisServiceTest, CancellingARunningJobStopsIt) {
  fs::create_directories(root_ + "/results");
  EncodingJobSpec slow = Spec();
  slow.set_lag_min(-40);
  slow.set_lag_max(40);
  Operation op;
  ASSERT_TRUE(Submit(slow, &op).ok());
  absl::SleepFor(absl::Milliseconds(300));
  grpc::ClientContext context;
  AddBearer(&context, "s3cret");
  OperationRequest request;
  request.set_id(op.id());
  Operation cancelled;
  ASSERT_TRUE(ops_->CancelOperation(&context, request, &cancelled).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), CANCELLED) << op.message();
}

TEST_F(AnalysisServiceTest, SpikeTimesAreBinnedToFrameTimesFromAFile) {
  // the same planted session as spike times: one spike per count at the bin's start
  const double dt = 0.02;
  {
    std::ofstream times(root_ + "/session/frames.csv");
    for (Eigen::Index f = 0; f < session_.counts.rows(); ++f) times << 100 + f * dt << "\n";
    std::ofstream spikes(root_ + "/session/spikes.csv");
    spikes << "unit,time\n";
    for (Eigen::Index n = 0; n < session_.counts.cols(); ++n) {
      for (Eigen::Index f = 0; f < session_.counts.rows(); ++f) {
        for (int k = 0; k < session_.counts(f, n); ++k) spikes << n << "," << 100 + f * dt + 0.001 * (k + 1) << "\n";
      }
    }
  }
  EncodingJobSpec spec = Spec("");
  spec.clear_counts();
  spec.set_spikes("session/spikes.csv");
  spec.set_frame_times("csv:session/frames.csv");
  Operation op;
  ASSERT_TRUE(Submit(spec, &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  EXPECT_NE(op.result_json().find("\"neurons\":12"), std::string::npos) << op.result_json();
  // a frame-times path outside the root is refused before queueing
  spec.set_frame_times("csv:../frames.csv");
  EXPECT_FALSE(Submit(spec, &op).ok());
}

TEST_F(AnalysisServiceTest, EncodingComparesTheNetworkWithTheRealRatsMovement) {
  // the real rat's clip (a free root and 2 hinges) swings joint 1; the simulated body in the
  // rollouts barely follows it; neurons are driven by the real joint angle
  const int T = 2000;
  ReferenceClip clip;
  clip.name = "c0";
  clip.frame_rate = 50;
  clip.num_frames = T;
  clip.nq = 9;
  clip.nv = 8;
  clip.nbody = 2;
  std::vector<double> qpos_sim, time;
  std::vector<int32_t> frames;
  std::vector<float> latent;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 1);
  Eigen::MatrixXd counts(T, 4);
  double phase = 0;
  for (int t = 0; t < T; ++t) {
    phase += 0.05 + 0.03 * std::sin(t / 97.0);
    const double angle = std::sin(phase);
    clip.qpos.insert(clip.qpos.end(), {0, 0, 0.05, 1, 0, 0, 0, angle, 0.1 * std::cos(t / 50.0)});
    clip.qvel.insert(clip.qvel.end(), {0, 0, 0, 0, 0, 0, 0, 0});
    clip.xpos.insert(clip.xpos.end(), {0, 0, 0, 0, 0, 0.05});
    clip.xquat.insert(clip.xquat.end(), {1, 0, 0, 0, 1, 0, 0, 0});
    qpos_sim.insert(qpos_sim.end(), {0, 0, 0.05, 1, 0, 0, 0, 0.2 * angle + 0.3 * noise(rng), 0});
    frames.push_back(t);
    time.push_back(t / 50.0);
    latent.push_back(static_cast<float>(noise(rng)));
    latent.push_back(static_cast<float>(noise(rng)));
    for (int n = 0; n < 4; ++n) {
      counts(t, n) = std::poisson_distribution<int>(std::exp(-0.5 + (n < 3 ? 0.9 * angle : 0.0)))(rng);
    }
  }
  ASSERT_TRUE(WriteClips(root_ + "/session/clips.h5", {clip}).ok());
  {
    auto file = H5File::Create(root_ + "/session/rollouts_c.h5").value();
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/qpos", {T, 9}, qpos_sim.data()).ok());
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/time", {T}, time.data()).ok());
    ASSERT_TRUE(file->WriteInts("/clips/c0/frame", {T}, frames.data()).ok());
    ASSERT_TRUE(file->WriteFloats("/clips/c0/layers/latent/mean", {T, 2}, latent.data()).ok());
    ASSERT_TRUE(file->WriteStrings("/layer_names", {"latent/mean"}).ok());
    ASSERT_TRUE(file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok());
    ASSERT_TRUE(file->Finish().ok());
  }
  WriteCsv(root_ + "/session/counts_c.csv", counts);
  EncodingJobSpec spec;
  spec.set_rollouts("session/rollouts_c.h5");
  spec.set_clips("session/clips.h5");
  spec.add_classes("latent/mean");
  spec.add_classes("joint_angles");
  spec.add_classes("clips/joint_angles");
  spec.set_counts("session/counts_c.csv");
  spec.set_lag_min(-5);
  spec.set_lag_max(0);
  spec.set_lag_step(5);
  spec.set_out("results/real.h5");
  Operation op;
  ASSERT_TRUE(Submit(spec, &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  auto file = H5File::Open(root_ + "/results/real.h5").value();
  EXPECT_EQ(file->ReadStrings("/classes").value(),
            (std::vector<std::string>{"latent/mean", "joint_angles", "clips/joint_angles"}));
  const auto sources = file->ReadStrings("/class_sources").value();
  EXPECT_NE(sources[0].find("network layer"), std::string::npos) << sources[0];
  EXPECT_NE(sources[1].find("simulated body"), std::string::npos) << sources[1];
  EXPECT_NE(sources[2].find("real rat"), std::string::npos) << sources[2];
  const auto best = file->ReadInts("/best_class").value();
  for (int n = 0; n < 3; ++n) EXPECT_EQ(best.values[n], 2) << "neuron " << n << " follows the real joint angle";
  // the comparison takes the real rat as the representational model, and it wins here
  EXPECT_EQ(file->GetStringAttribute("/", "representational_source").value(), "real rat (clips)");
  EXPECT_GT(file->GetDoubleAttribute("/", "mean_best_llr_representational").value(),
            file->GetDoubleAttribute("/", "mean_best_llr_computational").value());
  EXPECT_NE(op.result_json().find("\"representational\":\"real rat (clips)\""), std::string::npos) << op.result_json();
  // coefficients per neuron, lag and class with standard errors; the penalty was chosen per neuron
  EXPECT_EQ(file->Shape("/coefficients/2/weights").value(), (std::vector<int64_t>{4, 2, 2}));
  EXPECT_EQ(file->Shape("/coefficients/2/standard_errors").value(), (std::vector<int64_t>{4, 2, 2}));
  EXPECT_EQ(file->ReadInts("/lags").value().values, (std::vector<int32_t>{-5, 0}));
  EXPECT_EQ(file->GetStringAttribute("/coefficients/2", "class").value(), "clips/joint_angles");
  EXPECT_EQ(file->GetStringAttribute("/", "ridge_selection").value(), "nested cross-validation");
  const auto w = file->ReadDoubles("/coefficients/2/weights").value();
  const auto se = file->ReadDoubles("/coefficients/2/standard_errors").value();
  // neuron 0, lag 0 (index 1), the driving joint (index 0)
  EXPECT_GT(w.values[2] / se.values[2], 10) << "the driving joint's weight stands far outside its error";

  // a clips class without a clips file is refused when the job runs
  spec.clear_clips();
  spec.set_out("results/real2.h5");
  ASSERT_TRUE(Submit(spec, &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("clips"), std::string::npos) << op.message();
}

TEST_F(AnalysisServiceTest, RsaJobBuildsRdmsPerClassAndComparesThemWithNeuralRdms) {
  // a rollouts file with 3 labelled behaviours whose latent means differ by behaviour
  const int T = 300;
  std::vector<double> qpos(T * 9, 0.0), time(T);
  std::vector<float> latent(T * 3);
  std::ofstream labels(root_ + "/session/labels.csv");
  labels << "label\n";
  const double centres[3][3] = {{1, 0, 0}, {0, 1, 0}, {0.9, 0.1, 1}};
  const char* names[3] = {"still", "walk", "rear"};
  for (int t = 0; t < T; ++t) {
    const int b = (t / 25) % 3;
    labels << names[b] << "\n";
    time[t] = t * 0.02;
    qpos[t * 9 + 3] = 1;
    for (int k = 0; k < 3; ++k) latent[t * 3 + k] = static_cast<float>(centres[b][k] + 0.01 * ((t * 7 + k) % 5));
  }
  labels.close();
  {
    auto file = H5File::Create(root_ + "/session/rollouts.h5").value();
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/qpos", {T, 9}, qpos.data()).ok());
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/qvel", {T, 8}, std::vector<double>(T * 8, 0.0).data()).ok());
    ASSERT_TRUE(file->WriteDoubles("/clips/c0/time", {T}, time.data()).ok());
    ASSERT_TRUE(file->WriteFloats("/clips/c0/layers/latent/mean", {T, 3}, latent.data()).ok());
    ASSERT_TRUE(file->WriteStrings("/layer_names", {"latent/mean"}).ok());
    ASSERT_TRUE(file->SetAttribute("/", "control_timestep", 0.02).ok());
    ASSERT_TRUE(file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok());
    ASSERT_TRUE(file->Finish().ok());
  }
  // two "subjects" whose RDMs share the latent structure: still-rear close, walk far from both
  std::ofstream(root_ + "/session/neural.csv") << "behaviours,still,walk,rear\ns1,0.9,0.2,0.8\ns2,1.0,0.3,0.9\ns3,0.95,0.25,0.9\n";
  RsaJobSpec spec;
  spec.set_rollouts("session/rollouts.h5");
  spec.add_classes("latent/mean");
  spec.set_labels("session/labels.csv");
  spec.set_neural_rdms("session/neural.csv");
  spec.set_out("results/rsa.h5");
  grpc::ClientContext context;
  AddBearer(&context, "s3cret");
  SubmitRsaRequest request;
  *request.mutable_spec() = spec;
  Operation op;
  ASSERT_TRUE(stub_->SubmitRsa(&context, request, &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  auto file = H5File::Open(root_ + "/results/rsa.h5").value();
  EXPECT_EQ(file->ReadStrings("/behaviours").value(), (std::vector<std::string>{"still", "walk", "rear"}));
  const auto wuc = file->ReadDoubles("/wuc").value();
  ASSERT_EQ(wuc.values.size(), 3u);
  EXPECT_GT(wuc.values[0], 0.8) << "the model RDM should match the planted neural structure";
  EXPECT_TRUE(file->HasAttribute("/", "noise_ceiling_lower"));
  // across-subject tests: the latent RDM shares the neural structure, so it is above zero
  EXPECT_EQ(file->ReadDoubles("/wuc_sem").value().values.size(), 1u);
  EXPECT_LT(file->ReadDoubles("/p_above_zero_bonferroni").value().values[0], 0.05);
  EXPECT_EQ(file->ReadDoubles("/noise_ceiling_lower_by_subject").value().values.size(), 3u);
  EXPECT_NE(op.result_json().find("\"above_zero\":true"), std::string::npos) << op.result_json();
  EXPECT_NE(ReadText(root_ + "/results/rsa.svg").find("noise ceiling"), std::string::npos);
  EXPECT_NE(op.result_json().find("\"mean_correlation\":"), std::string::npos) << op.result_json();
  EXPECT_GT(fs::file_size(root_ + "/results/rsa.svg"), 1000u);

  // crossnobis over 2 contiguous folds (every behaviour occurs in both halves)
  spec.set_metric("crossnobis");
  spec.set_out("results/rsa_cn.h5");
  grpc::ClientContext crossnobis;
  AddBearer(&crossnobis, "s3cret");
  *request.mutable_spec() = spec;
  ASSERT_TRUE(stub_->SubmitRsa(&crossnobis, request, &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  EXPECT_EQ(H5File::Open(root_ + "/results/rsa_cn.h5").value()->GetStringAttribute("/", "metric").value(), "crossnobis");
  spec.set_metric("cosine");
  grpc::ClientContext unknown;
  AddBearer(&unknown, "s3cret");
  *request.mutable_spec() = spec;
  EXPECT_EQ(stub_->SubmitRsa(&unknown, request, &op).error_code(), grpc::INVALID_ARGUMENT);
  spec.set_metric("correlation");
  spec.set_out("results/rsa.h5");

  // neural RDMs over other behaviours are refused by name
  std::ofstream(root_ + "/session/neural_bad.csv") << "behaviours,still,groom,rear\ns1,0.9,0.2,0.8\n";
  spec.set_neural_rdms("session/neural_bad.csv");
  grpc::ClientContext again;
  AddBearer(&again, "s3cret");
  *request.mutable_spec() = spec;
  ASSERT_TRUE(stub_->SubmitRsa(&again, request, &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), FAILED);
  EXPECT_NE(op.message().find("groom"), std::string::npos) << op.message();
}

TEST_F(AnalysisServiceTest, BehaviourMapJobLabelsTheFramesThatRsaJobsThenRead) {
  behaviour::SyntheticMovementOptions synth;
  synth.clips = 2;
  synth.frames_per_clip = 600;
  const behaviour::SyntheticMovement movement = behaviour::MakeSyntheticMovement(synth);
  ASSERT_TRUE(WriteClips(root_ + "/session/moves.h5", movement.clips).ok());
  BehaviourMapJobSpec map_spec;
  map_spec.set_clips("session/moves.h5");
  map_spec.set_out("results/map.h5");
  map_spec.set_training_frames(600);
  map_spec.set_iterations(300);
  grpc::ClientContext context;
  AddBearer(&context, "s3cret");
  SubmitBehaviourMapRequest request;
  *request.mutable_spec() = map_spec;
  Operation op;
  ASSERT_TRUE(stub_->SubmitBehaviourMap(&context, request, &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  ASSERT_EQ(op.outputs_size(), 3);
  EXPECT_EQ(op.outputs(2), "results/map_labels.csv");
  EXPECT_TRUE(fs::exists(root_ + "/results/map.svg"));
  EXPECT_NE(op.result_json().find("\"behaviours\":{"), std::string::npos) << op.result_json();

  // rollouts over the same clips (every frame), a latent layer that follows the planted behaviour
  const auto map = H5File::Open(root_ + "/results/map.h5").value();
  const auto names = map->ReadStrings("/behaviour_names").value();
  {
    auto file = H5File::Create(root_ + "/session/moves_rollouts.h5").value();
    for (int c = 0; c < 2; ++c) {
      const std::string g = "/clips/synth_" + std::to_string(c);
      std::vector<int32_t> frames;
      std::vector<double> qpos, time;
      std::vector<float> latent;
      for (int f = 0; f < 600; ++f) {
        frames.push_back(f);
        time.push_back(f / 50.0);
        const double* q = movement.clips[c].qpos_at(f);
        qpos.insert(qpos.end(), q, q + movement.clips[c].nq);
        const int planted = movement.planted[c * 600 + f];
        for (int k = 0; k < 4; ++k) latent.push_back(k == planted ? 1.f : 0.1f * k);
      }
      ASSERT_TRUE(file->WriteInts(g + "/frame", {600}, frames.data()).ok());
      ASSERT_TRUE(file->WriteDoubles(g + "/time", {600}, time.data()).ok());
      ASSERT_TRUE(file->WriteDoubles(g + "/qpos", {600, movement.clips[c].nq}, qpos.data()).ok());
      ASSERT_TRUE(file->WriteFloats(g + "/layers/latent/mean", {600, 4}, latent.data()).ok());
    }
    ASSERT_TRUE(file->WriteStrings("/layer_names", {"latent/mean"}).ok());
    ASSERT_TRUE(file->SetAttribute("/", "format", std::string("mimic.rollouts")).ok());
    ASSERT_TRUE(file->Finish().ok());
  }
  RsaJobSpec rsa;
  rsa.set_rollouts("session/moves_rollouts.h5");
  rsa.add_classes("latent/mean");
  rsa.set_labels("results/map.h5");
  rsa.set_out("results/map_rsa.h5");
  grpc::ClientContext rsa_context;
  AddBearer(&rsa_context, "s3cret");
  SubmitRsaRequest rsa_request;
  *rsa_request.mutable_spec() = rsa;
  ASSERT_TRUE(stub_->SubmitRsa(&rsa_context, rsa_request, &op).ok());
  op = WaitFinished(op.id());
  ASSERT_EQ(op.state(), SUCCEEDED) << op.message();
  // the RSA ran over the map's behaviours
  const auto used = H5File::Open(root_ + "/results/map_rsa.h5").value()->ReadStrings("/behaviours").value();
  for (const std::string& b : used) EXPECT_NE(std::find(names.begin(), names.end(), b), names.end()) << b;
  EXPECT_GE(used.size(), 3u);
  // the map's clusters as labels
  rsa.set_labels("results/map.h5:clusters");
  rsa.set_out("results/map_rsa_clusters.h5");
  grpc::ClientContext clusters_context;
  AddBearer(&clusters_context, "s3cret");
  *rsa_request.mutable_spec() = rsa;
  ASSERT_TRUE(stub_->SubmitRsa(&clusters_context, rsa_request, &op).ok());
  op = WaitFinished(op.id());
  EXPECT_EQ(op.state(), SUCCEEDED) << op.message();

  // a clips path outside the data root is refused before queueing
  map_spec.set_clips("../moves.h5");
  grpc::ClientContext refused;
  AddBearer(&refused, "s3cret");
  *request.mutable_spec() = map_spec;
  EXPECT_FALSE(stub_->SubmitBehaviourMap(&refused, request, &op).ok());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AnalysisServiceTlsTest, ServesOverTlsAndRefusesPlaintextClients) {
  const std::string cert = ReadFile("analysis/testdata/tls_test_cert.pem");
  const std::string key = ReadFile("analysis/testdata/tls_test_key.pem");
  ASSERT_FALSE(cert.empty());
  const std::string root = ::testing::TempDir() + "/tls_root";
  fs::create_directories(root);
  JobRunner runner(1);
  AnalysisServiceImpl service(&runner, PathGuard::Create(root).value(), AnalysisLimits{}, "tok");
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({key, cert});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_TRUE(server);
  const std::string address = "localhost:" + std::to_string(port);

  grpc::SslCredentialsOptions client_ssl;
  client_ssl.pem_root_certs = cert;
  auto secure = AnalysisService::NewStub(grpc::CreateChannel(address, grpc::SslCredentials(client_ssl)));
  SubmitEncodingRequest request;  // incomplete on purpose: the answer proves the call got through
  Operation op;
  grpc::ClientContext context;
  AddBearer(&context, "tok");
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const grpc::Status over_tls = secure->SubmitEncoding(&context, request, &op);
  EXPECT_EQ(over_tls.error_code(), grpc::INVALID_ARGUMENT) << over_tls.error_message();

  auto plain = AnalysisService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  AddBearer(&plain_context, "tok");
  plain_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  EXPECT_EQ(plain->SubmitEncoding(&plain_context, request, &op).error_code(), grpc::UNAVAILABLE);
  server->Shutdown();
}

}  // namespace
}  // namespace mimic::analysis
