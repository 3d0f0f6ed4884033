#include "analysis/spikes.h"

#include <filesystem>
#include <fstream>

#include "common/h5_file.h"
#include "gtest/gtest.h"

namespace mimic::analysis {
namespace {

std::string Temp(const std::string& name) { return (std::filesystem::path(::testing::TempDir()) / name).string(); }

std::string WriteUnits(const std::string& name, const std::vector<double>& times, const std::vector<double>& index) {
  const std::string path = Temp(name);
  auto f = H5File::Create(path);
  EXPECT_TRUE((*f)->WriteDoubles("/units/spike_times", {static_cast<int64_t>(times.size())}, times.data()).ok());
  EXPECT_TRUE((*f)->WriteDoubles("/units/spike_times_index", {static_cast<int64_t>(index.size())}, index.data()).ok());
  EXPECT_TRUE((*f)->Finish().ok());
  return path;
}

TEST(SpikesTest, ReadsNwbRaggedUnitsAndBinsThemToFrames) {
  // unit 0: 0.01, 0.03, 0.05; unit 1: 0.02
  auto s = LoadSpikes(WriteUnits("units.nwb", {0.05, 0.01, 0.03, 0.02}, {3, 4}));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->times.size(), 2u);
  EXPECT_EQ(s->times[0], (std::vector<double>{0.01, 0.03, 0.05}));
  auto counts = BinSpikes(*s, {0.0, 0.02, 0.04});  // bins [0,.02) [.02,.04) [.04,.06)
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ((*counts)(0, 0), 1);
  EXPECT_EQ((*counts)(1, 0), 1);
  EXPECT_EQ((*counts)(2, 0), 1);
  EXPECT_EQ((*counts)(1, 1), 1);
  EXPECT_EQ(counts->sum(), 4);
}

TEST(SpikesTest, ObsIntervalsAreReadPerUnitAndChecked) {
  auto write = [](const std::string& name, const std::vector<double>& intervals, const std::vector<double>& ends) {
    const std::string path = Temp(name);
    auto f = H5File::Create(path).value();
    const std::vector<double> times = {0.5, 1.5, 2.5}, index = {2, 3};
    EXPECT_TRUE(f->WriteDoubles("/units/spike_times", {3}, times.data()).ok());
    EXPECT_TRUE(f->WriteDoubles("/units/spike_times_index", {2}, index.data()).ok());
    EXPECT_TRUE(f->WriteDoubles("/units/obs_intervals", {static_cast<int64_t>(intervals.size() / 2), 2}, intervals.data()).ok());
    EXPECT_TRUE(f->WriteDoubles("/units/obs_intervals_index", {static_cast<int64_t>(ends.size())}, ends.data()).ok());
    EXPECT_TRUE(f->Finish().ok());
    return path;
  };
  // unit 0 observed over [0, 1) and [1.2, 2); unit 1 over [2, 3)
  auto s = LoadSpikesNwb(write("obs.nwb", {0, 1, 1.2, 2, 2, 3}, {2, 3}));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->obs_intervals.size(), 2u);
  EXPECT_EQ(s->obs_intervals[0].size(), 2u);
  EXPECT_EQ(s->obs_intervals[1][0], (std::pair<double, double>{2, 3}));
  // unit 0's spike at 1.5 s falls in its observed time only if [1.2, 2) is there
  auto outside = LoadSpikesNwb(write("obs_bad.nwb", {0, 1, 2, 3}, {1, 2}));
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("outside its obs_intervals"), std::string::npos) << outside.status();
  EXPECT_FALSE(LoadSpikesNwb(write("obs_ragged.nwb", {0, 1, 2, 3}, {2, 1})).ok());
}

TEST(SpikesTest, UnitLocationsFromTheElectrodesTableSelectARegion) {
  const std::string path = Temp("located.nwb");
  {
    auto f = H5File::Create(path).value();
    const std::vector<double> times = {0.1, 0.2, 0.3}, index = {1, 2, 3};
    ASSERT_TRUE(f->WriteDoubles("/units/spike_times", {3}, times.data()).ok());
    ASSERT_TRUE(f->WriteDoubles("/units/spike_times_index", {3}, index.data()).ok());
    // unit 0 on electrodes 1 and 0, unit 1 on electrode 2, unit 2 on electrode 0
    const std::vector<double> rows = {1, 0, 2, 0}, ends = {2, 3, 4};
    ASSERT_TRUE(f->WriteDoubles("/units/electrodes", {4}, rows.data()).ok());
    ASSERT_TRUE(f->WriteDoubles("/units/electrodes_index", {3}, ends.data()).ok());
    ASSERT_TRUE(f->WriteStrings("/general/extracellular_ephys/electrodes/location", {"MC", "DLS", "DLS"}).ok());
    ASSERT_TRUE(f->Finish().ok());
  }
  auto s = LoadSpikes(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->locations, (std::vector<std::string>{"DLS", "DLS", "MC"}));
  auto dls = SelectLocation(*s, "DLS");
  ASSERT_TRUE(dls.ok());
  EXPECT_EQ(dls->unit_ids, (std::vector<int64_t>{0, 1}));
  auto none = SelectLocation(*s, "CA1");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("DLS, MC"), std::string::npos) << none.status();
}

TEST(SpikesTest, Hdf5UnitTimePairs) {
  const std::string path = Temp("pairs.h5");
  {
    auto f = H5File::Create(path).value();
    const std::vector<double> pairs = {4, 0.3, 2, 0.1, 4, 0.2};
    ASSERT_TRUE(f->WriteDoubles("/spikes", {3, 2}, pairs.data()).ok());
    ASSERT_TRUE(f->Finish().ok());
  }
  auto s = LoadSpikes(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->unit_ids, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(s->times[1], (std::vector<double>{0.2, 0.3}));
  const std::string bad = Temp("pairs_bad.h5");
  {
    auto f = H5File::Create(bad).value();
    const std::vector<double> pairs = {1.5, 0.3};
    ASSERT_TRUE(f->WriteDoubles("/spikes", {1, 2}, pairs.data()).ok());
    ASSERT_TRUE(f->Finish().ok());
  }
  EXPECT_FALSE(LoadSpikes(bad).ok());
}

TEST(SpikesTest, IdsAndIndicesBeyondWholeNumbersAreRefused) {
  // found by fuzzing: casting such a double to an integer is undefined behaviour
  {
    const std::string path = Temp("huge_unit.h5");
    auto f = H5File::Create(path).value();
    const double pairs[4] = {1, 0.5, -3.1e231, 0.7};
    ASSERT_TRUE(f->WriteDoubles("/spikes", {2, 2}, pairs).ok());
    ASSERT_TRUE(f->Finish().ok());
    auto s = LoadSpikes(path);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
    EXPECT_NE(s.status().message().find("row 1"), std::string::npos) << s.status();
  }
  EXPECT_FALSE(LoadSpikes(WriteUnits("huge_index.nwb", {0.1, 0.2}, {1e300})).ok());
  {
    const std::string path = WriteUnits("huge_id.nwb", {0.1, 0.2}, {2});
    auto f = H5File::Create(path + ".tmp.h5").value();
    const double times[2] = {0.1, 0.2}, index[1] = {2}, id[1] = {1e19};
    ASSERT_TRUE(f->WriteDoubles("/units/spike_times", {2}, times).ok());
    ASSERT_TRUE(f->WriteDoubles("/units/spike_times_index", {1}, index).ok());
    ASSERT_TRUE(f->WriteDoubles("/units/id", {1}, id).ok());
    ASSERT_TRUE(f->Finish().ok());
    EXPECT_EQ(LoadSpikesNwb(path + ".tmp.h5").status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(SpikesTest, RaggedIndexThatDisagreesIsRefused) {
  auto bad = LoadSpikes(WriteUnits("bad.nwb", {0.1, 0.2}, {1, 5}));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("ragged"), std::string::npos) << bad.status();
  auto short_index = LoadSpikes(WriteUnits("short.nwb", {0.1, 0.2, 0.3}, {1}));
  EXPECT_FALSE(short_index.ok());
}

TEST(SpikesTest, SpikesOutsideTheSessionAreNamedOrClipped) {
  const std::string path = Temp("spikes.csv");
  std::ofstream(path) << "unit,time\n7,0.5\n7,9.0\n3,0.25\n";
  auto s = LoadSpikes(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->unit_ids, (std::vector<int64_t>{3, 7}));
  auto strict = BinSpikes(*s, {0.0, 0.5, 1.0});
  EXPECT_EQ(strict.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(strict.status().message().find("unit 7"), std::string::npos) << strict.status();
  auto clipped = BinSpikes(*s, {0.0, 0.5, 1.0}, /*clip=*/true);
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(clipped->sum(), 2);
  std::ofstream(path) << "unit,time\n1,abc\n";
  EXPECT_FALSE(LoadSpikes(path).ok());
  EXPECT_FALSE(BinSpikes(*s, {0.0, 0.0, 1.0}).ok());
}

}  // namespace
}  // namespace mimic::analysis

#include "analysis/frame_times.h"

namespace mimic::analysis {
namespace {

TEST(FrameTimesTest, NwbTimeSeriesWithTimestampsOrARate) {
  const std::string path = ::testing::TempDir() + "/behaviour.nwb";
  {
    auto file = H5File::Create(path).value();
    const std::vector<double> stamps = {10.0, 10.02, 10.04, 10.06};
    ASSERT_TRUE(file->WriteDoubles("/processing/behavior/pose/timestamps", {4}, stamps.data()).ok());
    const std::vector<double> start = {5.0};
    ASSERT_TRUE(file->WriteDoubles("/acquisition/video/starting_time", {}, start.data()).ok());
    ASSERT_TRUE(file->SetAttribute("/acquisition/video/starting_time", "rate", 50.0).ok());
    const std::vector<double> data(6 * 2, 0.0);
    ASSERT_TRUE(file->WriteDoubles("/acquisition/video/data", {6, 2}, data.data()).ok());
    const std::vector<double> backwards = {1.0, 0.5};
    ASSERT_TRUE(file->WriteDoubles("/acquisition/bad/timestamps", {2}, backwards.data()).ok());
    ASSERT_TRUE(file->Finish().ok());
  }
  auto stamps = LoadFrameTimes("nwb:" + path + ":/processing/behavior/pose");
  ASSERT_TRUE(stamps.ok()) << stamps.status();
  EXPECT_EQ(*stamps, (std::vector<double>{10.0, 10.02, 10.04, 10.06}));
  auto rated = LoadFrameTimesNwb(path, "/acquisition/video");
  ASSERT_TRUE(rated.ok()) << rated.status();
  ASSERT_EQ(rated->size(), 6u);
  EXPECT_DOUBLE_EQ((*rated)[5], 5.1);
  auto bad = LoadFrameTimesNwb(path, "/acquisition/bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("frame 1"), std::string::npos) << bad.status();
  EXPECT_TRUE(absl::IsNotFound(LoadFrameTimesNwb(path, "/acquisition").status()));
  EXPECT_FALSE(LoadFrameTimes("mp4:" + path).ok());
}

TEST(FrameTimesTest, CsvTimesBinSpikesToFrames) {
  const std::string path = ::testing::TempDir() + "/frames.csv";
  std::ofstream(path) << "time\n0.0\n0.1\n0.2\n";
  auto times = LoadFrameTimes("csv:" + path);
  ASSERT_TRUE(times.ok()) << times.status();
  SpikeTrains spikes;
  spikes.unit_ids = {7};
  spikes.times = {{0.05, 0.15, 0.16, 0.25}};
  auto counts = BinSpikes(spikes, *times);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)(0, 0), 1);
  EXPECT_EQ((*counts)(1, 0), 2);
  EXPECT_EQ((*counts)(2, 0), 1);
  std::ofstream(path) << "0.0\nabc\n";
  EXPECT_FALSE(LoadFrameTimesCsv(path).ok());
}

TEST(FrameTimesTest, ClipsFramesSitAtTheirSourceFrames) {
  const std::string path = Temp("frame_times_clips.h5");
  {
    auto f = H5File::Create(path).value();
    const std::vector<double> qpos(3 * 9, 0.0);
    for (const auto& [name, start] : {std::pair<std::string, int64_t>{"a", 100}, {"b", 103}}) {
      ASSERT_TRUE(f->WriteDoubles("/clips/" + name + "/qpos", {3, 9}, qpos.data()).ok());
      ASSERT_TRUE(f->SetAttribute("/clips/" + name, "frame_rate", 50.0).ok());
      ASSERT_TRUE(f->SetAttribute("/clips/" + name, "source_frame_start", start).ok());
    }
    ASSERT_TRUE(f->Finish().ok());
  }
  auto times = LoadFrameTimes("clips:" + path);
  ASSERT_TRUE(times.ok()) << times.status();
  ASSERT_EQ(times->size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ((*times)[i], (100 + i) / 50.0);
}

}  // namespace
}  // namespace mimic::analysis
