// Writes seed inputs for the fuzz targets (each prefixed by the byte that picks its parser):
// small valid files of every kind the analysis loaders read, and valid replay messages and a
// checkpoint. tools/fuzz_loaders.sh builds and runs it; the seeds are kept in the corpora.
// Usage: make_seeds ANALYSIS_CORPUS_DIR REPLAY_CORPUS_DIR [LOADER_CORPUS_DIR]
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/h5_file.h"
#include "common/tensor_util.h"
#include "replay/checkpoint_io.h"
#include "replay/stored_item.h"

namespace {

void Write(const std::string& path, char selector, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << selector << content;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// An HDF5 file made by `fill`, as bytes.
template <typename Fill>
std::string H5Bytes(const std::string& scratch, Fill fill) {
  auto file = mimic::H5File::Create(scratch);
  if (!file.ok()) return "";
  fill(**file);
  if (!(*file)->Finish().ok()) return "";
  return Slurp(scratch);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: make_seeds ANALYSIS_CORPUS_DIR REPLAY_CORPUS_DIR [LOADER_CORPUS_DIR]\n");
    return 2;
  }
  const std::string analysis = argv[1], replay = argv[2], scratch = analysis + "/scratch.h5";
  // analysis: selectors as in analysis_loader_fuzzer.cc
  Write(analysis + "/seed_matrix_csv", 0, "a,b\n1,2\n3,4\n5,6\n");
  const double m[6] = {1, 2, 3, 4, 5, 6};
  Write(analysis + "/seed_matrix_h5", 1, H5Bytes(scratch, [&](mimic::H5File& f) { (void)f.WriteDoubles("data", {3, 2}, m); }));
  Write(analysis + "/seed_spikes_nwb", 2, H5Bytes(scratch, [&](mimic::H5File& f) {
          const double times[5] = {0.1, 0.2, 0.5, 0.7, 0.9}, index[2] = {2, 5}, ids[2] = {3, 8};
          const double intervals[4] = {0, 1, 0, 1}, ends[2] = {1, 2}, electrodes[2] = {0, 1}, eindex[2] = {1, 2};
          (void)f.WriteDoubles("units/spike_times", {5}, times);
          (void)f.WriteDoubles("units/spike_times_index", {2}, index);
          (void)f.WriteDoubles("units/id", {2}, ids);
          (void)f.WriteDoubles("units/obs_intervals", {2, 2}, intervals);
          (void)f.WriteDoubles("units/obs_intervals_index", {2}, ends);
          (void)f.WriteDoubles("units/electrodes", {2}, electrodes);
          (void)f.WriteDoubles("units/electrodes_index", {2}, eindex);
          (void)f.WriteStrings("general/extracellular_ephys/electrodes/location", {"DLS", "MC"});
        }));
  Write(analysis + "/seed_spikes_csv", 3, "unit,time\n1,0.5\n1,0.7\n2,1.25\n");
  Write(analysis + "/seed_spikes_pairs_h5", 4, H5Bytes(scratch, [&](mimic::H5File& f) {
          const double pairs[6] = {1, 0.5, 1, 0.7, 2, 1.25};
          (void)f.WriteDoubles("spikes", {3, 2}, pairs);
        }));
  Write(analysis + "/seed_frames_csv", 5, "time\n0.00\n0.02\n0.04\n0.06\n");
  Write(analysis + "/seed_frames_nwb", 6, H5Bytes(scratch, [&](mimic::H5File& f) {
          const double t[4] = {0, 0.02, 0.04, 0.06};
          (void)f.WriteDoubles("acquisition/frames/timestamps", {4}, t);
          const double start[1] = {10}, data[8] = {0};
          (void)f.WriteDoubles("acquisition/frames/data", {4, 2}, data);
          (void)f.WriteDoubles("acquisition/rated/starting_time", {1}, start);
          (void)f.SetAttribute("acquisition/rated/starting_time", "rate", 50.0);
        }));
  if (argc == 4) {
    // keypoint loaders and clips: selectors as in loader_fuzzer.cc
    const std::string loaders = argv[3];
    Write(loaders + "/seed_sleap_h5", 1, H5Bytes(scratch, [&](mimic::H5File& f) {
            std::vector<double> tracks(4 * 1 * 2 * 3);
            for (size_t i = 0; i < tracks.size(); ++i) tracks[i] = 0.01 * static_cast<double>(i);
            (void)f.WriteDoubles("tracks", {4, 1, 2, 3}, tracks.data());
            (void)f.WriteStrings("node_names", {"Snout", "TailBase"});
          }));
    Write(loaders + "/seed_pose_nwb", 2, H5Bytes(scratch, [&](mimic::H5File& f) {
            const std::string pose = "processing/behavior/pose";
            (void)f.CreateGroup(pose);
            (void)f.SetAttribute(pose, "neurodata_type", std::string("PoseEstimation"));
            for (const char* name : {"Snout", "TailBase"}) {
              const std::string g = pose + "/" + name;
              const double xyz[12] = {1, 2, 3, 1.1, 2, 3, 1.2, 2, 3, 1.3, 2, 3};
              const double conf[4] = {1, 1, 0.5, 1}, t[4] = {0, 0.02, 0.04, 0.06};
              (void)f.WriteDoubles(g + "/data", {4, 3}, xyz);
              (void)f.WriteDoubles(g + "/confidence", {4}, conf);
              (void)f.WriteDoubles(g + "/timestamps", {4}, t);
              (void)f.SetAttribute(g, "neurodata_type", std::string("PoseEstimationSeries"));
            }
          }));
    Write(loaders + "/seed_clips_h5", 4, H5Bytes(scratch, [&](mimic::H5File& f) {
            const std::string c = "clips/clip_000";
            const double qpos[2 * 7] = {0, 0, 0.1, 1, 0, 0, 0, 0, 0, 0.1, 1, 0, 0, 0};
            const double qvel[2 * 6] = {0};
            const double xpos[2 * 2 * 3] = {0};
            const double xquat[2 * 2 * 4] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
            (void)f.WriteDoubles(c + "/qpos", {2, 7}, qpos);
            (void)f.WriteDoubles(c + "/qvel", {2, 6}, qvel);
            (void)f.WriteDoubles(c + "/xpos", {2, 2, 3}, xpos);
            (void)f.WriteDoubles(c + "/xquat", {2, 2, 4}, xquat);
            (void)f.SetAttribute(c, "frame_rate", 50.0);
            (void)f.SetAttribute(c, "model_name", std::string("rodent"));
            (void)f.SetAttribute(c, "model_hash", std::string("0123456789abcdef"));
            (void)f.SetAttribute(c, "source_file", std::string("seed"));
            (void)f.SetAttribute(c, "source_frame_start", int64_t{0});
            (void)f.SetAttribute(c, "source_frame_end", int64_t{2});
            (void)f.SetAttribute("/", "format", std::string("mimic.clips"));
            (void)f.SetAttribute("/", "version", int64_t{1});
          }));
  }
  std::remove(scratch.c_str());

  // replay: selectors as in replay_wire_fuzzer.cc (second byte: how the bytes are chunked)
  mimic::Unroll unroll;
  const float x[4] = {1, 2, 3, 4};
  (*unroll.mutable_tensors())["observation"] = mimic::MakeFloatTensor({2, 2}, x);
  (*unroll.mutable_tensors())["reward"] = mimic::MakeFloatTensor({4}, x);
  unroll.set_policy_version(7);
  mimic::InsertRequest request;
  request.set_writer_id("writer-1");
  for (int s = 1; s <= 2; ++s) {
    mimic::InsertItem* item = request.add_items();
    item->set_sequence(s);
    *item->mutable_item() = unroll;
    item->add_tables()->set_table("q");
  }
  Write(replay + "/seed_insert_request", 0, std::string(1, 3) + request.SerializeAsString());
  Write(replay + "/seed_unroll", 1, std::string(1, 5) + unroll.SerializeAsString());
  auto stored = mimic::replay::StoredItem::FromUnroll(unroll);
  if (!stored.ok()) return 1;
  const absl::Cord sampled = mimic::replay::SampledItemWireBytes(12, 0.5, 3, 1, 2.0, **stored);
  Write(replay + "/seed_sample_response", 2, std::string(1, 7) + std::string(sampled));
  const absl::Cord record = mimic::replay::DelimitedCheckpointItem(12, **stored);
  Write(replay + "/seed_checkpoint_item", 3, std::string(1, 11) + std::string(record).substr(1));
  mimic::replay::CheckpointData data;
  data.header.set_next_key(13);
  data.header.set_num_items(1);
  data.header.set_num_tables(1);
  data.items.emplace_back(12, *stored);
  mimic::CheckpointTable table;
  table.set_name("q");
  table.add_entries()->set_key(12);
  data.tables.push_back(table);
  auto path = mimic::replay::WriteCheckpoint(replay + "/scratch_checkpoints", data, 1);
  if (!path.ok()) return 1;
  Write(replay + "/seed_checkpoint_file", 4, std::string(1, 0) + Slurp(*path));
  std::remove(path->c_str());
  std::remove((replay + "/scratch_checkpoints").c_str());
  return 0;
}
