// The preprocessing job service for real over loopback: submit, watch, list, cancel, bad jobs.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/health_check.h"
#include "common/operations_service.h"
#include "gtest/gtest.h"
#include "preprocess/keypoint_loaders.h"
#include "preprocess/preprocess_service.h"
#include "preprocess/stac_job.h"
#include "google/protobuf/text_format.h"

namespace mimic::preprocess {
namespace {
namespace fs = std::filesystem;

class PreprocessServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / "pre_root";
    fs::remove_all(root_);
    fs::create_directories(root_ / "data/models/rodent");
    fs::create_directories(root_ / "in");
    fs::create_directories(root_ / "out");
    fs::copy_file("data/models/rodent/rodent.xml", root_ / "data/models/rodent/rodent.xml");
    // a short STAC config: the bundled mapping with fewer rounds
    auto config = ReadStacConfig("configs/stac_rodent.pbtxt");
    ASSERT_TRUE(config.ok()) << config.status();
    config->set_rounds(2);
    config->set_offset_sample_frames(20);
    config->set_clip_length(30);
    std::string text;
    google::protobuf::TextFormat::PrintToString(*config, &text);
    std::ofstream(root_ / "stac.pbtxt") << text;
    // the first 80 frames of the real recording as CSV, with the mapping's names
    auto mat = LoadKeypoints("data/mocap/rodent_mocap_1000_frames.mat");
    ASSERT_TRUE(mat.ok());
    const char* names[] = {"Snout", "EarL", "EarR", "SpineF", "SpineM", "SpineL", "TailBase", "ShoulderL",
                           "ElbowL", "WristL", "HandL", "ShoulderR", "ElbowR", "WristR", "HandR", "HipL",
                           "KneeL", "AnkleL", "FootL", "HipR", "KneeR", "AnkleR", "FootR"};
    std::ofstream csv(root_ / "in/short.csv");
    for (int k = 0; k < 23; ++k) csv << (k ? "," : "") << names[k] << "_x," << names[k] << "_y," << names[k] << "_z";
    csv << "\n";
    for (int t = 0; t < 80; ++t) {
      for (int k = 0; k < 23; ++k)
        for (int c = 0; c < 3; ++c) csv << ((k || c) ? "," : "") << mat->at(t, k)[c];
      csv << "\n";
    }
    std::ofstream(root_ / "in/broken.mat") << "MATLAB 5.0 MAT-file, but nothing else";
    auto guard = PathGuard::Create(root_.string());
    ASSERT_TRUE(guard.ok());
    guard->Protect((root_ / "jobs.db").string());
    runner_ = std::make_unique<JobRunner>(1);
    preprocess_ = std::make_unique<PreprocessServiceImpl>(runner_.get(), *guard, "stac.pbtxt");
    operations_ = std::make_unique<OperationsServiceImpl>(runner_.get());
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(preprocess_.get());
    builder.RegisterService(operations_.get());
    server_ = builder.BuildAndStart();
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    server_->Shutdown();
    runner_.reset();
  }

  grpc::Status Submit(const std::string& keypoints, const std::string& out, Operation* op) {
    grpc::ClientContext context;
    SubmitStacRequest request;
    request.mutable_spec()->set_keypoints(keypoints);
    request.mutable_spec()->set_out(out);
    return PreprocessService::NewStub(channel_)->SubmitStac(&context, request, op);
  }

  // Watches to the end, returning every state seen and the last operation.
  Operation WatchToEnd(const std::string& id, std::vector<JobState>* states) {
    grpc::ClientContext context;
    OperationRequest request;
    request.set_id(id);
    auto reader = Operations::NewStub(channel_)->WatchOperation(&context, request);
    Operation op;
    while (reader->Read(&op)) states->push_back(op.state());
    EXPECT_TRUE(reader->Finish().ok());
    return op;
  }

  fs::path root_;
  std::unique_ptr<JobRunner> runner_;
  std::unique_ptr<PreprocessServiceImpl> preprocess_;
  std::unique_ptr<OperationsServiceImpl> operations_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  int port_ = 0;
};

TEST_F(PreprocessServiceTest, RunsAStacJobAndStreamsItsProgress) {
  Operation op;
  ASSERT_TRUE(Submit("in/short.csv", "out/clips.h5", &op).ok());
  EXPECT_EQ(op.state(), QUEUED);
  std::vector<JobState> states;
  const Operation done = WatchToEnd(op.id(), &states);
  EXPECT_EQ(done.state(), SUCCEEDED) << done.message();
  EXPECT_EQ(states.back(), SUCCEEDED);
  EXPECT_NE(std::find(states.begin(), states.end(), RUNNING), states.end());
  EXPECT_TRUE(fs::exists(root_ / "out/clips.h5"));
  EXPECT_NE(done.result_json().find("\"mean_mm\""), std::string::npos);
  auto health = CheckHealth(channel_);
  ASSERT_TRUE(health.ok());
  EXPECT_TRUE(*health);
}

TEST_F(PreprocessServiceTest, HostilePathsAreRefusedBeforeQueueing) {
  Operation op;
  EXPECT_EQ(Submit("../../etc/passwd", "out/x.h5", &op).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(Submit("/etc/passwd", "out/x.h5", &op).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(Submit("in/short.csv", "../escape.h5", &op).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(Submit("in/missing.csv", "out/x.h5", &op).error_code(), grpc::NOT_FOUND);
  EXPECT_TRUE(runner_->List().empty());
}

TEST_F(PreprocessServiceTest, EveryFileAJobWritesIsConfined) {
  fs::create_directories(root_.parent_path() / "outside");
  std::ofstream(root_.parent_path() / "outside" / "victim") << "precious";
  // the .svg written beside every output was a link out of the root
  fs::create_symlink(root_.parent_path() / "outside" / "victim", root_ / "out" / "c.stac.svg");
  Operation op;
  const grpc::Status figure = Submit("in/short.csv", "out/c.h5", &op);
  EXPECT_EQ(figure.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_NE(figure.error_message().find("figure"), std::string::npos) << figure.error_message();
  // the root itself (its temporary file would lie outside it) and the job database
  EXPECT_EQ(Submit("in/short.csv", ".", &op).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(Submit("in/short.csv", "in/..", &op).error_code(), grpc::PERMISSION_DENIED);
  const grpc::Status db = Submit("in/short.csv", "jobs.db", &op);
  EXPECT_EQ(db.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_NE(db.error_message().find("job database"), std::string::npos) << db.error_message();
  EXPECT_TRUE(runner_->List().empty());
  std::stringstream victim;
  victim << std::ifstream(root_.parent_path() / "outside" / "victim").rdbuf();
  EXPECT_EQ(victim.str(), "precious");
}

TEST_F(PreprocessServiceTest, AFileSwappedAfterSubmitIsNotFollowed) {
  // checked at submit, then replaced by a link to a file outside the root before the job runs
  fs::create_directories(root_.parent_path() / "outside");
  fs::copy_file(root_ / "in/short.csv", root_.parent_path() / "outside" / "secret.csv",
                fs::copy_options::overwrite_existing);
  absl::Notification release;
  ASSERT_TRUE(runner_->Submit("hold", [&](JobContext&) -> absl::StatusOr<JobOutput> {
    release.WaitForNotification();
    return JobOutput{};
  }).ok());
  Operation op;
  ASSERT_TRUE(Submit("in/short.csv", "out/swapped.h5", &op).ok());
  fs::remove(root_ / "in/short.csv");
  fs::create_symlink(root_.parent_path() / "outside" / "secret.csv", root_ / "in/short.csv");
  release.Notify();
  std::vector<JobState> states;
  const Operation done = WatchToEnd(op.id(), &states);
  EXPECT_EQ(done.state(), FAILED);
  EXPECT_NE(done.message().find("symbolic link"), std::string::npos) << done.message();
  EXPECT_NE(done.message().find("in/short.csv"), std::string::npos) << done.message();
  EXPECT_FALSE(fs::exists(root_ / "out/swapped.h5"));
}

TEST_F(PreprocessServiceTest, ARecordingWithAnImplausibleFrameRateFailsItsJobOnly) {
  // the attack: 12 rows whose time column spans 1.1e6 s
  std::ifstream in(root_ / "in/short.csv");
  std::string header, row;
  std::getline(in, header);
  std::ofstream slow(root_ / "in/slow.csv");
  slow << "time," << header << "\n";
  for (int i = 0; i < 12 && std::getline(in, row); ++i) slow << i * 1e5 << "," << row << "\n";
  slow.close();
  Operation op;
  ASSERT_TRUE(Submit("in/slow.csv", "out/slow.h5", &op).ok());
  std::vector<JobState> states;
  const Operation failed = WatchToEnd(op.id(), &states);
  EXPECT_EQ(failed.state(), FAILED);
  EXPECT_NE(failed.message().find("frame rate"), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("in/slow.csv"), std::string::npos) << failed.message();
  ASSERT_TRUE(Submit("in/short.csv", "out/after.h5", &op).ok());
  EXPECT_EQ(WatchToEnd(op.id(), &states).state(), SUCCEEDED);
}

TEST_F(PreprocessServiceTest, BadJobsFailCleanlyAndTheServiceKeepsServing) {
  Operation bad;
  ASSERT_TRUE(Submit("in/broken.mat", "out/bad.h5", &bad).ok());
  std::vector<JobState> states;
  const Operation failed = WatchToEnd(bad.id(), &states);
  EXPECT_EQ(failed.state(), FAILED);
  EXPECT_NE(failed.message().find("broken.mat"), std::string::npos) << failed.message();
  EXPECT_FALSE(fs::exists(root_ / "out/bad.h5"));
  Operation good;
  ASSERT_TRUE(Submit("in/short.csv", "out/ok.h5", &good).ok());
  EXPECT_EQ(WatchToEnd(good.id(), &states).state(), SUCCEEDED);
  grpc::ClientContext context;
  ListOperationsResponse list;
  ASSERT_TRUE(Operations::NewStub(channel_)->ListOperations(&context, ListOperationsRequest(), &list).ok());
  EXPECT_EQ(list.operations_size(), 2);
}

TEST_F(PreprocessServiceTest, CancelStopsARunningJob) {
  Operation op;
  ASSERT_TRUE(Submit("in/short.csv", "out/cancelled.h5", &op).ok());
  // wait until it runs, then cancel
  Operation now = *runner_->Get(op.id());
  while (now.state() == QUEUED) now = *runner_->WaitForChange(op.id(), now.version(), absl::Now() + absl::Seconds(5));
  grpc::ClientContext context;
  OperationRequest request;
  request.set_id(op.id());
  Operation response;
  ASSERT_TRUE(Operations::NewStub(channel_)->CancelOperation(&context, request, &response).ok());
  std::vector<JobState> states;
  EXPECT_EQ(WatchToEnd(op.id(), &states).state(), CANCELLED);
  EXPECT_FALSE(fs::exists(root_ / "out/cancelled.h5"));
}

}  // namespace
}  // namespace mimic::preprocess
