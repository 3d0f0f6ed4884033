#include "preprocess/keypoint_loaders.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/h5_file.h"
#include "common/h5_test_files.h"
#include "common/read_limits.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "preprocess/keypoint_cleaning.h"
#include "preprocess/stac_model.h"

namespace mimic::preprocess {
namespace {

std::string Temp(const std::string& name) { return (std::filesystem::path(::testing::TempDir()) / name).string(); }

TEST(KeypointLoadersTest, ReadsTheBundledDannceRecording) {
  auto d = LoadKeypoints("data/mocap/rodent_mocap_1000_frames.mat");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->num_frames, 1000);
  EXPECT_EQ(d->num_keypoints, 23);
  EXPECT_TRUE(d->names.empty());
  // AnkleL (DANNCE index 17) in frame 0, as h5dump shows it in the NWB copy: column-major order handled
  EXPECT_NEAR(d->at(0, 17)[0], 321.771, 1e-3);
  EXPECT_NEAR(d->at(0, 17)[1], 8.13162, 1e-3);
  EXPECT_NEAR(d->at(0, 17)[2], 13.3349, 1e-3);
  double span = 0;
  for (int k = 1; k < 23; ++k) span = std::max(span, std::abs(d->at(0, k)[0] - d->at(0, 0)[0]));
  EXPECT_GT(span, 20);   // mm: keypoints are spread over the body
  EXPECT_LT(span, 400);
}

TEST(KeypointLoadersTest, NwbAndMatHoldTheSameRecording) {
  auto mat = LoadKeypoints("data/mocap/rodent_mocap_1000_frames.mat");
  auto nwb = LoadKeypoints("data/mocap/rodent_mocap_1000_frames.nwb");
  ASSERT_TRUE(nwb.ok()) << nwb.status();
  ASSERT_EQ(nwb->names.size(), 23u);
  EXPECT_EQ(nwb->num_frames, 1000);
  EXPECT_NEAR(nwb->frame_rate, 30.0, 1e-6);  // from its timestamps
  EXPECT_EQ(nwb->confidence.size(), 1000u * 23);
  // NWB orders series by name; find Snout (first in DANNCE order) and compare
  const int snout = std::find(nwb->names.begin(), nwb->names.end(), "Snout") - nwb->names.begin();
  ASSERT_LT(snout, 23);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(nwb->at(10, snout)[c], mat->at(10, 0)[c], 1e-3);
}

TEST(KeypointLoadersTest, ParsesCsvWithTimesAndMissingValues) {
  const std::string csv =
      "time,a_x,a_y,a_z,b_x,b_y,b_z\n"
      "0.00,1,2,3,4,5,6\n"
      "0.02,1,2,3,nan,,6\n"
      "0.04,1,2,3,4,5,6\n";
  auto d = ParseKeypointCsv(csv, "test.csv");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d->num_frames, 3);
  EXPECT_NEAR(d->frame_rate, 50.0, 1e-9);
  EXPECT_TRUE(std::isnan(d->at(1, 1)[0]));
  EXPECT_EQ(d->at(2, 1)[2], 6);
}

// The attack: 12 rows whose time column spans 1.1e6 s (a frame rate of 1e-5 Hz would size
// the resampled clips at 5.5e7 frames).
std::string SlowTimeCsv() {
  std::string csv = "time,a_x,a_y,a_z\n";
  for (int i = 0; i < 12; ++i) csv += absl::StrCat(i * 1e5, ",1,2,3\n");
  return csv;
}

TEST(KeypointLoadersTest, RefusesAFrameRateOutsideThePlausibleRange) {
  auto slow = ParseKeypointCsv(SlowTimeCsv(), "slow.csv");
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(slow.status().message().find("frame rate"), std::string::npos) << slow.status();
  EXPECT_NE(slow.status().message().find("slow.csv"), std::string::npos);
  // too fast, and time going backwards
  EXPECT_FALSE(ParseKeypointCsv("time,a_x,a_y,a_z\n0,1,2,3\n0.000001,1,2,3\n", "fast.csv").ok());
  auto backwards = ParseKeypointCsv("time,a_x,a_y,a_z\n0,1,2,3\n0.02,1,2,3\n0.01,1,2,3\n", "back.csv");
  EXPECT_NE(backwards.status().message().find("increase"), std::string::npos) << backwards.status();
  // a long recording at a plausible rate passes the rate check but not a tighter duration limit
  LoadOptions tight;
  tight.limits.max_duration_s = 0.01;
  EXPECT_EQ(ParseKeypointCsv("time,a_x,a_y,a_z\n0,1,2,3\n0.02,1,2,3\n0.04,1,2,3\n", "long.csv", tight).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(KeypointLoadersTest, RefusesDeclaredSizesOverTheReadLimits) {
  // SLEAP tracks declaring 10^8 frames in a file of a few KB
  const std::string huge = Temp("huge_tracks.h5");
  h5_testing::WriteDeclaredOnlyDataset(huge, "/tracks", {100'000'000, 1, 23, 3});
  auto loaded = LoadKeypoints(huge);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kResourceExhausted) << loaded.status();
  // a CSV within the per-array ceiling but over the job's budget
  const std::string csv = Temp("budget.csv");
  {
    std::ofstream out(csv);
    out << "a_x,a_y,a_z\n";
    for (int i = 0; i < 2000; ++i) out << "1,2,3\n";
  }
  ScopedReadBudget budget(20000);
  auto over = LoadKeypoints(csv);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted) << over.status();
}

TEST(KeypointLoadersTest, MalformedCsvIsRefusedWithTheLine) {
  auto ragged = ParseKeypointCsv("a_x,a_y,a_z\n1,2,3\n1,2\n", "r.csv");
  EXPECT_EQ(ragged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(ragged.status().message().find("line 3"), std::string::npos) << ragged.status();
  EXPECT_FALSE(ParseKeypointCsv("a_x,a_y\n1,2\n", "h.csv").ok());
  EXPECT_FALSE(ParseKeypointCsv("a_x,a_y,a_z\n1,zwei,3\n", "n.csv").ok());
  EXPECT_FALSE(ParseKeypointCsv("", "e.csv").ok());
}

TEST(KeypointLoadersTest, ReadsSleapAniposeTracks) {
  const std::string path = Temp("tracks.h5");
  {
    auto f = H5File::Create(path);
    std::vector<double> tracks(4 * 1 * 2 * 3);
    for (size_t i = 0; i < tracks.size(); ++i) tracks[i] = static_cast<double>(i);
    ASSERT_TRUE((*f)->WriteDoubles("/tracks", {4, 1, 2, 3}, tracks.data()).ok());
    ASSERT_TRUE((*f)->WriteStrings("/node_names", {"nose", "tail"}).ok());
    ASSERT_TRUE((*f)->Finish().ok());
  }
  auto d = LoadKeypoints(path);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->num_frames, 4);
  EXPECT_EQ(d->names, (std::vector<std::string>{"nose", "tail"}));
  EXPECT_EQ(d->at(2, 1)[0], (2 * 2 + 1) * 3);
}

TEST(KeypointLoadersTest, WrongShapesCorruptAndUnknownFilesGiveClearErrors) {
  const std::string path = Temp("bad_tracks.h5");
  {
    auto f = H5File::Create(path);
    std::vector<double> flat(12, 0.0);
    ASSERT_TRUE((*f)->WriteDoubles("/tracks", {4, 3}, flat.data()).ok());
    ASSERT_TRUE((*f)->Finish().ok());
  }
  auto shape = LoadKeypoints(path);
  EXPECT_EQ(shape.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find("(T, 1, K, 3)"), std::string::npos);

  const std::string junk = Temp("junk.mat");
  std::ofstream(junk) << "MATLAB 5.0 MAT-file but then garbage";
  EXPECT_FALSE(LoadKeypoints(junk).ok());
  // a truncated copy of the real recording
  const std::string cut = Temp("cut.mat");
  std::filesystem::copy_file("data/mocap/rodent_mocap_1000_frames.mat", cut, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(cut, 4000);
  EXPECT_FALSE(LoadKeypoints(cut).ok());
  EXPECT_EQ(LoadKeypoints(Temp("nothing.mat")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadKeypoints(Temp("x.txt")).status().code(), absl::StatusCode::kInvalidArgument);
}

StacConfig TwoPointConfig() {
  StacConfig config;
  for (const char* name : {"a", "b", "c"}) {
    auto* k = config.add_keypoints();
    k->set_name(name);
    k->set_body("torso");
  }
  config.set_max_gap_frames(2);
  return config;
}

KeypointData Named(int frames) {
  KeypointData d;
  d.source = "mem";
  d.names = {"c", "a", "b"};
  d.num_frames = frames;
  d.num_keypoints = 3;
  for (int t = 0; t < frames; ++t)
    for (int k = 0; k < 3; ++k)
      for (int c = 0; c < 3; ++c) d.xyz.push_back(100.0 * k + c + t);  // mm, ~20 cm apart
  return d;
}

TEST(KeypointCleaningTest, ReordersConvertsAndInterpolatesShortGaps) {
  KeypointData d = Named(6);
  for (int c = 0; c < 3; ++c) d.at(2, 1)[c] = std::nan("");  // 'a' missing at frame 2
  CleaningReport report;
  auto clean = CleanKeypoints(d, TwoPointConfig(), &report);
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_EQ(clean->names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_NEAR(clean->at(0, 0)[0], (100.0 + 0) * 0.001, 1e-12);  // 'a' was file column 1, now metres
  EXPECT_NEAR(clean->at(2, 0)[0], (100.0 + 2) * 0.001, 1e-12);  // interpolated
  EXPECT_EQ(report.interpolated, 1);
  EXPECT_EQ(clean->frame_rate, 50);  // from the config
}

TEST(KeypointCleaningTest, RefusesUnmappedNamesMetresAndEmptyFrames) {
  KeypointData renamed = Named(3);
  renamed.names[0] = "zz";
  auto names = CleanKeypoints(renamed, TwoPointConfig());
  EXPECT_EQ(names.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(names.status().message().find("zz"), std::string::npos) << names.status();

  KeypointData metres = Named(3);
  for (double& v : metres.xyz) v *= 0.001;  // already metres, but unit_scale expects mm
  auto scale = CleanKeypoints(metres, TwoPointConfig());
  EXPECT_EQ(scale.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(scale.status().message().find("implausible"), std::string::npos) << scale.status();

  KeypointData empty = Named(10);
  for (int t = 3; t < 7; ++t)
    for (int k = 0; k < 3; ++k)
      for (int c = 0; c < 3; ++c) empty.at(t, k)[c] = std::nan("");  // 4-frame hole > max_gap 2
  auto holes = CleanKeypoints(empty, TwoPointConfig());
  EXPECT_EQ(holes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(holes.status().message().find("no keypoint at all"), std::string::npos) << holes.status();
}

TEST(StacModelTest, AModelLackingAMappedBodyIsNamed) {
  StacConfig config = TwoPointConfig();
  config.mutable_keypoints(1)->set_body("tail_tip");
  auto model = StacModel::Create(config);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("'tail_tip'"), std::string::npos) << model.status();
  config.mutable_keypoints(1)->set_body("torso");
  config.add_parts()->set_name("fins");
  config.mutable_parts(0)->add_joint_patterns("fin_");
  EXPECT_NE(StacModel::Create(config).status().message().find("fins"), std::string::npos);
}

}  // namespace
}  // namespace mimic::preprocess
