#include "preprocess/keypoint_loaders.h"

#include <matio.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/h5_file.h"
#include "common/read_limits.h"
#include "common/status_macros.h"

namespace mimic::preprocess {
namespace {

// A numeric MATLAB variable converted to doubles, with its (column-major) dimensions.
struct MatArray {
  std::vector<size_t> dims;
  std::vector<double> values;
};

template <typename T>
void Convert(const void* data, size_t n, std::vector<double>* out) {
  const T* p = static_cast<const T*>(data);
  out->resize(n);
  for (size_t i = 0; i < n; ++i) (*out)[i] = static_cast<double>(p[i]);
}

int ClassSize(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE: case MAT_C_INT64: case MAT_C_UINT64: return 8;
    case MAT_C_SINGLE: case MAT_C_INT32: case MAT_C_UINT32: return 4;
    case MAT_C_INT16: case MAT_C_UINT16: return 2;
    default: return 1;
  }
}

absl::StatusOr<MatArray> ReadMatVariable(mat_t* mat, const char* name, const std::string& path) {
  // check the declared size before matio allocates it: a corrupt header can claim gigabytes
  matvar_t* info = Mat_VarReadInfo(mat, name);
  if (info == nullptr) return absl::NotFoundError(absl::StrCat(path, " has no readable variable '", name, "'"));
  const matio_classes info_class = info->class_type;
  uint64_t declared = ClassSize(info->class_type);
  bool overflow = info->rank < 1 || info->rank > 8;
  for (int i = 0; i < info->rank && !overflow; ++i) {
    const uint64_t d = info->dims[i];
    overflow = d != 0 && declared > (uint64_t{1} << 40) / d;
    declared *= d;
  }
  Mat_VarFree(info);
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  // compression rarely exceeds 50:1 on keypoint data
  if (overflow || declared > std::max<uint64_t>(50 * file_size, 1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": variable '", name, "' declares more data than the file holds"));
  }
  // matio's copy, then ours as doubles
  MIMIC_RETURN_IF_ERROR(ChargeRead(static_cast<int64_t>(declared) + 8 * static_cast<int64_t>(declared / ClassSize(info_class)),
                                   absl::StrCat("variable '", name, "' of ", path)));
  matvar_t* var = Mat_VarRead(mat, name);
  if (var == nullptr) return absl::NotFoundError(absl::StrCat(path, " has no readable variable '", name, "'"));
  MatArray out;
  absl::Status status;
  size_t n = 1;
  for (int i = 0; i < var->rank; ++i) {
    out.dims.push_back(var->dims[i]);
    n *= var->dims[i];
  }
  if (var->isComplex || var->data == nullptr || var->rank < 1 ||
      (var->data_size > 0 && var->nbytes < n * static_cast<size_t>(var->data_size))) {
    status = absl::InvalidArgumentError(absl::StrCat(path, ": variable '", name, "' is not a real numeric array"));
  } else {
    switch (var->class_type) {
      case MAT_C_DOUBLE: Convert<double>(var->data, n, &out.values); break;
      case MAT_C_SINGLE: Convert<float>(var->data, n, &out.values); break;
      case MAT_C_INT32: Convert<int32_t>(var->data, n, &out.values); break;
      case MAT_C_UINT32: Convert<uint32_t>(var->data, n, &out.values); break;
      case MAT_C_INT64: Convert<int64_t>(var->data, n, &out.values); break;
      case MAT_C_UINT64: Convert<uint64_t>(var->data, n, &out.values); break;
      case MAT_C_INT16: Convert<int16_t>(var->data, n, &out.values); break;
      case MAT_C_UINT16: Convert<uint16_t>(var->data, n, &out.values); break;
      default:
        status = absl::InvalidArgumentError(absl::StrCat(path, ": variable '", name, "' has an unsupported type"));
    }
  }
  Mat_VarFree(var);
  if (!status.ok()) return status;
  return out;
}

absl::Status CheckNumbers(const KeypointData& d) {
  if (d.num_frames < 1 || d.num_keypoints < 1) {
    return absl::InvalidArgumentError(absl::StrCat(d.source, ": no frames or no keypoints (", d.num_frames, " x ",
                                                   d.num_keypoints, ")"));
  }
  for (double v : d.xyz) {
    if (std::isinf(v)) return absl::InvalidArgumentError(absl::StrCat(d.source, ": keypoints contain infinities"));
  }
  return absl::OkStatus();
}

// Timing, then numbers: every loader ends here.
absl::Status CheckLoaded(const KeypointData& d, const LoadOptions& options) {
  MIMIC_RETURN_IF_ERROR(CheckTiming(d.source, d.num_frames, d.frame_rate, options.limits));
  return CheckNumbers(d);
}

void DefaultFrameIds(KeypointData* d) {
  if (!d->frame_ids.empty()) return;
  d->frame_ids.resize(d->num_frames);
  for (int t = 0; t < d->num_frames; ++t) d->frame_ids[t] = t;
}

absl::Status CheckMatrixHeader(const std::string& path, const uint8_t* body, size_t size, uint64_t capacity,
                               int depth);

// The elements of a cell or struct: each a miMATRIX whose header must be sane too.
absl::Status CheckNested(const std::string& path, const uint8_t* body, size_t size, size_t at, uint64_t capacity,
                         int depth) {
  while (at + 8 <= size) {
    uint32_t tag[2];
    std::memcpy(tag, body + at, 8);
    if (tag[0] != 14 || tag[1] > size - at - 8) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is corrupt: bad element inside a cell or struct"));
    }
    if (tag[1] > 0) MIMIC_RETURN_IF_ERROR(CheckMatrixHeader(path, body + at + 8, tag[1], capacity, depth + 1));
    at += 8 + tag[1] + (8 - tag[1] % 8) % 8;
  }
  return absl::OkStatus();
}

// Validates the header of one miMATRIX element (array flags, dimensions, name) before matio sees
// it: corrupt headers make matio allocate whatever they claim. `body` holds the element's bytes
// (possibly only its start, when it was compressed); `capacity` bounds the data it may declare.
absl::Status CheckMatrixHeader(const std::string& path, const uint8_t* body, size_t size, uint64_t capacity,
                               int depth = 0) {
  auto u32 = [body](size_t at) { uint32_t v; std::memcpy(&v, body + at, 4); return v; };
  auto bad = [&path](const char* what) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is corrupt: ", what));
  };
  if (size < 16 || (u32(0) & 0xffff) != 6 || u32(4) != 8) return bad("matrix without array flags");
  if (size < 24) return bad("matrix without dimensions");
  const uint32_t dims_type = u32(16), dims_bytes = u32(20);
  if (dims_type != 5 || dims_bytes % 4 != 0 || dims_bytes < 8 || dims_bytes > 32 || size < 24 + dims_bytes) {
    return bad("matrix dimensions");
  }
  uint64_t elements = 1;
  for (uint32_t i = 0; i < dims_bytes / 4; ++i) {
    int32_t d;
    std::memcpy(&d, body + 24 + 4 * i, 4);
    if (d < 0) return bad("negative dimension");
    if (d > 0 && elements > (uint64_t{1} << 40) / static_cast<uint64_t>(d)) return bad("dimensions overflow");
    elements *= static_cast<uint64_t>(d);
  }
  if (elements > capacity) return bad("dimensions claim more data than the file holds");
  const uint32_t array_class = u32(8) & 0xff;
  // containers hold at least one 8-byte tag per element (and per field)
  if (array_class == 1 && elements * 8 > capacity) return bad("cell array larger than the file");
  if (depth > 8) return bad("containers nested too deeply");
  if (array_class == 5 && u32(12) > capacity) return bad("sparse array larger than the file");
  size_t name_at = 24 + dims_bytes + (dims_bytes % 8 ? 4 : 0);
  if (size < name_at + 8) return absl::OkStatus();
  const uint32_t tag = u32(name_at);
  const bool small = (tag >> 16) != 0;
  const uint32_t name_bytes = small ? (tag >> 16) : u32(name_at + 4);
  if (name_bytes > 64) return bad("variable name longer than MATLAB allows");
  if (array_class == 2 || array_class == 3) {
    // struct / object: field-name length, then all field names
    size_t at = name_at + (small ? 8 : 8 + ((name_bytes + 7) / 8) * 8);
    if (array_class == 3 && size >= at + 8) {  // objects carry a class name first
      const uint32_t t = u32(at);
      at += (t >> 16) ? 8 : 8 + ((u32(at + 4) + 7) / 8) * 8;
    }
    if (size < at + 16) return bad("struct without field names");
    const uint32_t len_tag = u32(at);
    const uint32_t field_len = (len_tag >> 16) ? u32(at + 4) : u32(at + 8);
    const size_t names_at = at + ((len_tag >> 16) ? 8 : 16);
    if (size < names_at + 8 || field_len == 0 || field_len > 64) return bad("struct field names");
    const uint32_t names_bytes = u32(names_at + 4);
    const uint64_t fields = names_bytes / field_len;
    if (names_bytes > capacity || elements * std::max<uint64_t>(1, fields) * 8 > capacity) {
      return bad("struct larger than the file");
    }
    return CheckNested(path, body, size, names_at + 8 + ((names_bytes + 7) / 8) * 8, capacity, depth);
  }
  if (array_class == 1) {
    return CheckNested(path, body, size, name_at + (small ? 8 : 8 + ((name_bytes + 7) / 8) * 8), capacity, depth);
  }
  return absl::OkStatus();
}

// Inflates a compressed element, up to `limit` bytes.
std::vector<uint8_t> Inflate(const std::vector<uint8_t>& compressed, size_t limit) {
  std::vector<uint8_t> out(limit);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return {};
  z.next_in = const_cast<uint8_t*>(compressed.data());
  z.avail_in = static_cast<uInt>(compressed.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

// Checks the MATLAB header and walks the file's top-level data elements: each must fit in the
// file (matio reads past the end of truncated files without complaint), and each matrix header
// must be sane (a corrupt one makes matio allocate gigabytes).
absl::Status CheckMatV5Complete(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[128];
  if (!in.read(header, sizeof(header))) return absl::InvalidArgumentError(absl::StrCat(path, " is too short for a MATLAB file"));
  const bool little = header[126] == 'I' && header[127] == 'M';
  const bool big = header[126] == 'M' && header[127] == 'I';
  // matio would otherwise try the header-less v4 format, whose name-length field can ask for gigabytes
  if (!little && !big) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has no MATLAB v5/v7.3 header (v4 files are not supported)"));
  }
  const uint16_t version = little ? (static_cast<uint8_t>(header[124]) | (static_cast<uint8_t>(header[125]) << 8))
                                  : ((static_cast<uint8_t>(header[124]) << 8) | static_cast<uint8_t>(header[125]));
  if (version != 0x0100 && version != 0x0200) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has an unknown MATLAB file version"));
  }
  if (version == 0x0200) return absl::OkStatus();  // v7.3 is HDF5, which checks itself
  if (!little) return absl::InvalidArgumentError(absl::StrCat(path, ": big-endian MATLAB files are not supported"));
  const uint64_t file_size = std::filesystem::file_size(path);
  uint64_t offset = 128;
  while (offset + 8 <= file_size) {
    uint32_t tag[2];
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(reinterpret_cast<char*>(tag), sizeof(tag))) break;
    const uint64_t size = tag[1];
    if (offset + 8 + size > file_size) {
      return absl::DataLossError(absl::StrCat(path, " is truncated: a data element at byte ", offset, " declares ", size,
                                              " bytes but the file ends at ", file_size));
    }
    if (tag[0] == 14 || tag[0] == 15) {
      std::vector<uint8_t> body(size);
      in.read(reinterpret_cast<char*>(body.data()), static_cast<std::streamsize>(body.size()));
      if (tag[0] == 14) {
        MIMIC_RETURN_IF_ERROR(CheckMatrixHeader(path, body.data(), body.size(), size));
      } else {
        // headers and containers only need the start; numeric payloads are bounded by the dims check
        const std::vector<uint8_t> inner = Inflate(body, std::min<uint64_t>(100 * size + 1024, 64 << 20));
        uint32_t inner_tag[2] = {0, 0};
        if (inner.size() >= 8) std::memcpy(inner_tag, inner.data(), 8);
        if (inner_tag[0] != 14) return absl::InvalidArgumentError(absl::StrCat(path, " is corrupt: bad compressed element"));
        // compression of keypoint data stays far below 100:1
        MIMIC_RETURN_IF_ERROR(CheckMatrixHeader(path, inner.data() + 8, inner.size() - 8, 100 * size));
      }
    }
    // uncompressed elements are padded to 8 bytes; compressed ones (miCOMPRESSED = 15) are not
    const uint64_t padding = tag[0] == 15 ? 0 : (8 - size % 8) % 8;
    offset += 8 + size + padding;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckTiming(const std::string& source, int64_t frames, double frame_rate, const KeypointLimits& limits) {
  if (frames > limits.max_frames) {
    return absl::ResourceExhaustedError(absl::StrCat(source, " holds ", frames, " frames, over the limit of ",
                                                     limits.max_frames));
  }
  if (frame_rate == 0) return absl::OkStatus();  // the file does not say: the config's rate applies
  if (!(frame_rate >= limits.min_frame_rate && frame_rate <= limits.max_frame_rate)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": frame rate ", frame_rate, " Hz is outside [",
                                                   limits.min_frame_rate, ", ", limits.max_frame_rate,
                                                   "] Hz (check its time stamps)"));
  }
  if (frames / frame_rate > limits.max_duration_s) {
    return absl::ResourceExhaustedError(absl::StrCat(source, ": ", frames, " frames at ", frame_rate, " Hz last ",
                                                     frames / frame_rate, " s, over the limit of ",
                                                     limits.max_duration_s, " s"));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeypointData> LoadDannceMat(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return absl::NotFoundError(absl::StrCat("keypoint file not found: ", path));
  MIMIC_RETURN_IF_ERROR(CheckMatV5Complete(path));
  mat_t* mat = Mat_Open(path.c_str(), MAT_ACC_RDONLY);
  if (mat == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, " is not a readable MATLAB file (corrupt or truncated?)"));
  auto pred = ReadMatVariable(mat, "pred", path);
  absl::StatusOr<MatArray> sample_id = absl::NotFoundError("");
  if (pred.ok()) sample_id = ReadMatVariable(mat, "sampleID", path);
  Mat_Close(mat);
  if (!pred.ok()) return pred.status();
  KeypointData d;
  d.source = path;
  const auto& dims = pred->dims;
  // MATLAB is column-major: element (i0, i1, ...) lives at i0 + d0 * (i1 + d1 * (...))
  if (dims.size() == 3 && dims[1] == 3) {
    d.num_frames = static_cast<int>(dims[0]);
    d.num_keypoints = static_cast<int>(dims[2]);
    d.xyz.resize(3 * static_cast<size_t>(d.num_frames) * d.num_keypoints);
    for (int t = 0; t < d.num_frames; ++t)
      for (int c = 0; c < 3; ++c)
        for (int k = 0; k < d.num_keypoints; ++k) d.at(t, k)[c] = pred->values[t + dims[0] * (c + 3 * k)];
  } else if (dims.size() == 4 && dims[2] == 3) {
    const size_t instances = dims[1];
    if (options.instance < 0 || static_cast<size_t>(options.instance) >= instances) {
      return absl::InvalidArgumentError(absl::StrCat(path, " holds ", instances, " animals; instance ", options.instance,
                                                     " does not exist"));
    }
    d.num_frames = static_cast<int>(dims[0]);
    d.num_keypoints = static_cast<int>(dims[3]);
    d.xyz.resize(3 * static_cast<size_t>(d.num_frames) * d.num_keypoints);
    const size_t n = options.instance;
    for (int t = 0; t < d.num_frames; ++t)
      for (int c = 0; c < 3; ++c)
        for (int k = 0; k < d.num_keypoints; ++k)
          d.at(t, k)[c] = pred->values[t + dims[0] * (n + dims[1] * (c + 3 * k))];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": 'pred' has shape (", absl::StrJoin(dims, ", "),
                                                   "); expected (T, 3, K) or (T, n, 3, K)"));
  }
  if (sample_id.ok() && sample_id->values.size() == static_cast<size_t>(d.num_frames)) {
    // frame numbers as the file holds them; anything not a whole number in range counts as absent
    for (double v : sample_id->values) {
      d.frame_ids.push_back(std::fabs(v) <= 9007199254740992.0 && v == std::floor(v) ? static_cast<int64_t>(v) : 0);
    }
  }
  DefaultFrameIds(&d);
  MIMIC_RETURN_IF_ERROR(CheckLoaded(d, options));
  return d;
}

absl::StatusOr<KeypointData> LoadNwbPose(const std::string& path, const LoadOptions& options) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  // find the PoseEstimation container: /processing/<module>/<name> with neurodata_type PoseEstimation
  std::string container;
  if (file->Exists("/processing")) {
    MIMIC_ASSIGN_OR_RETURN(auto modules, file->List("/processing"));
    for (const auto& module : modules) {
      auto children = file->List("/processing/" + module);
      if (!children.ok()) continue;
      for (const auto& child : *children) {
        const std::string g = "/processing/" + module + "/" + child;
        auto type = file->GetStringAttribute(g, "neurodata_type");
        if (type.ok() && *type == "PoseEstimation") container = g;
      }
    }
  }
  if (container.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no ndx-pose PoseEstimation"));
  MIMIC_ASSIGN_OR_RETURN(auto series, file->List(container));
  KeypointData d;
  d.source = path;
  std::vector<double> timestamps;
  for (const auto& name : series) {
    const std::string g = container + "/" + name;
    auto type = file->GetStringAttribute(g, "neurodata_type");
    if (!type.ok() || *type != "PoseEstimationSeries") continue;
    MIMIC_ASSIGN_OR_RETURN(auto data, file->ReadDoubles(g + "/data"));
    if (data.shape.size() != 2 || (data.shape[1] != 3)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", g, "/data must be (T, 3) for 3D keypoints"));
    }
    const int t_count = static_cast<int>(data.shape[0]);
    if (d.names.empty()) d.num_frames = t_count;
    if (t_count != d.num_frames) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": keypoint '", name, "' has ", t_count, " frames, others ", d.num_frames));
    }
    if (!d.names.empty() || t_count > 0) {
      // all series are kept until they are interleaved: bound the whole before growing it
      MIMIC_RETURN_IF_ERROR(ChargeRead(4 * 8 * static_cast<int64_t>(t_count), absl::StrCat(g, " of ", path)));
    }
    d.names.push_back(name);
    std::vector<double> conf;
    if (file->Exists(g + "/confidence")) {
      MIMIC_ASSIGN_OR_RETURN(auto c, file->ReadDoubles(g + "/confidence"));
      if (static_cast<int>(c.values.size()) != t_count) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", g, "/confidence length disagrees with data"));
      }
      conf = std::move(c.values);
    }
    if (timestamps.empty() && file->Exists(g + "/timestamps")) {
      MIMIC_ASSIGN_OR_RETURN(auto ts, file->ReadDoubles(g + "/timestamps"));
      timestamps = std::move(ts.values);
    }
    if (d.frame_rate == 0 && file->HasAttribute(g + "/starting_time", "rate")) {
      MIMIC_ASSIGN_OR_RETURN(d.frame_rate, file->GetDoubleAttribute(g + "/starting_time", "rate"));
    }
    // interleave per keypoint into (T x K x 3) after all are read
    d.xyz.insert(d.xyz.end(), data.values.begin(), data.values.end());
    if (!conf.empty()) {
      d.confidence.insert(d.confidence.end(), conf.begin(), conf.end());
    } else {
      d.confidence.insert(d.confidence.end(), t_count, 1.0);
    }
  }
  d.num_keypoints = static_cast<int>(d.names.size());
  if (d.num_keypoints == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": PoseEstimation has no series"));
  // reorder from (K x T x 3) to (T x K x 3)
  std::vector<double> xyz(d.xyz.size()), conf(d.confidence.size());
  for (int k = 0; k < d.num_keypoints; ++k)
    for (int t = 0; t < d.num_frames; ++t) {
      for (int c = 0; c < 3; ++c) xyz[3 * (t * d.num_keypoints + k) + c] = d.xyz[3 * (k * d.num_frames + t) + c];
      conf[t * d.num_keypoints + k] = d.confidence[k * d.num_frames + t];
    }
  d.xyz = std::move(xyz);
  d.confidence = std::move(conf);
  if (d.frame_rate == 0 && timestamps.size() >= 2) {
    for (size_t i = 1; i < timestamps.size(); ++i) {
      if (!(timestamps[i] > timestamps[i - 1]) || !std::isfinite(timestamps[i])) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": timestamps must increase (at frame ", i, ")"));
      }
    }
    d.frame_rate = (timestamps.size() - 1) / (timestamps.back() - timestamps.front());
  }
  DefaultFrameIds(&d);
  MIMIC_RETURN_IF_ERROR(CheckLoaded(d, options));
  return d;
}

absl::StatusOr<KeypointData> LoadSleapH5(const std::string& path, const LoadOptions& options) {
  MIMIC_ASSIGN_OR_RETURN(auto file, H5File::Open(path));
  MIMIC_ASSIGN_OR_RETURN(auto tracks, file->ReadDoubles("/tracks"));
  const auto& s = tracks.shape;
  if (s.size() != 4 || s[1] < 1 || s[3] != 3) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": tracks must be (T, 1, K, 3), got (", absl::StrJoin(s, ", "), ")"));
  }
  KeypointData d;
  d.source = path;
  d.num_frames = static_cast<int>(s[0]);
  d.num_keypoints = static_cast<int>(s[2]);
  d.xyz.resize(3 * static_cast<size_t>(d.num_frames) * d.num_keypoints);
  for (int t = 0; t < d.num_frames; ++t)
    for (int k = 0; k < d.num_keypoints; ++k)
      for (int c = 0; c < 3; ++c) d.at(t, k)[c] = tracks.values[((t * s[1] + 0) * s[2] + k) * 3 + c];
  if (file->Exists("/node_names")) {
    auto names = file->ReadStrings("/node_names");
    if (names.ok() && static_cast<int>(names->size()) == d.num_keypoints) d.names = *names;
  }
  DefaultFrameIds(&d);
  MIMIC_RETURN_IF_ERROR(CheckLoaded(d, options));
  return d;
}

absl::StatusOr<KeypointData> ParseKeypointCsv(const std::string& text, const std::string& source,
                                              const LoadOptions& options) {
  // the lines are views into `text`; the values' size is known from the header and the line count
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(source, " is empty"));
  MIMIC_RETURN_IF_ERROR(CheckTiming(source, static_cast<int64_t>(lines.size()) - 1, 0, options.limits));
  std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  for (auto& h : header) h = std::string(absl::StripAsciiWhitespace(h));
  size_t first = 0;
  const bool has_index = !header.empty() && (header[0] == "frame" || header[0] == "time");
  if (has_index) first = 1;
  if ((header.size() - first) % 3 != 0 || header.size() == first) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the header needs <name>_x,<name>_y,<name>_z triplets"));
  }
  KeypointData d;
  d.source = source;
  for (size_t i = first; i < header.size(); i += 3) {
    const std::string& hx = header[i];
    if (!absl::EndsWith(hx, "_x") || header[i + 1] != hx.substr(0, hx.size() - 2) + "_y" ||
        header[i + 2] != hx.substr(0, hx.size() - 2) + "_z") {
      return absl::InvalidArgumentError(absl::StrCat(source, ": columns ", i + 1, "-", i + 3, " are not <name>_x,_y,_z"));
    }
    d.names.push_back(hx.substr(0, hx.size() - 2));
  }
  d.num_keypoints = static_cast<int>(d.names.size());
  MIMIC_ASSIGN_OR_RETURN(const int64_t value_bytes,
                         CheckedBytes(static_cast<int64_t>(lines.size()), 8 * static_cast<int64_t>(header.size()),
                                      absl::StrCat("the keypoints of ", source)));
  MIMIC_RETURN_IF_ERROR(ChargeRead(value_bytes, absl::StrCat("the keypoints of ", source)));
  d.xyz.reserve(static_cast<size_t>(lines.size()) * (header.size() - first));
  std::vector<double> times;
  std::vector<absl::string_view> cells;
  for (size_t row = 1; row < lines.size(); ++row) {
    cells = absl::StrSplit(lines[row], ',');
    if (cells.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": line ", row + 1, " has ", cells.size(), " cells, the header ",
                                                     header.size()));
    }
    for (size_t i = 0; i < cells.size(); ++i) {
      const absl::string_view cell = absl::StripAsciiWhitespace(cells[i]);
      double v = std::nan("");
      if (!cell.empty() && cell != "nan" && cell != "NaN" && !absl::SimpleAtod(cell, &v)) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": line ", row + 1, " column ", i + 1, " is not a number"));
      }
      if (i < first) {
        if (header[0] == "time") times.push_back(v);
        else d.frame_ids.push_back(std::fabs(v) <= 9007199254740992.0 ? static_cast<int64_t>(v) : 0);
      } else {
        d.xyz.push_back(v);
      }
    }
  }
  d.num_frames = static_cast<int>(lines.size() - 1);
  // the time column sets the frame rate, which sizes everything resampled from this file later
  for (size_t i = 1; i < times.size(); ++i) {
    if (!(times[i] > times[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": the time column must increase (line ", i + 2, ")"));
    }
  }
  if (times.size() >= 2) d.frame_rate = (times.size() - 1) / (times.back() - times.front());
  DefaultFrameIds(&d);
  MIMIC_RETURN_IF_ERROR(CheckLoaded(d, options));
  return d;
}

absl::StatusOr<KeypointData> LoadKeypointCsv(const std::string& path, const LoadOptions& options) {
  absl::StatusOr<std::string> text = ReadFileBounded(path, "keypoint file");
  if (absl::IsNotFound(text.status())) return absl::NotFoundError(absl::StrCat("keypoint file not found: ", path));
  if (!text.ok()) return text.status();
  return ParseKeypointCsv(*text, path, options);
}

absl::StatusOr<KeypointData> LoadKeypoints(const std::string& path, const LoadOptions& options) {
  const std::string ext = absl::AsciiStrToLower(std::filesystem::path(path).extension().string());
  if (ext == ".mat") return LoadDannceMat(path, options);
  if (ext == ".nwb") return LoadNwbPose(path, options);
  if (ext == ".h5" || ext == ".hdf5") return LoadSleapH5(path, options);
  if (ext == ".csv") return LoadKeypointCsv(path, options);
  return absl::InvalidArgumentError(absl::StrCat("unknown keypoint file type '", ext, "' (", path,
                                                 "); expected .mat, .nwb, .h5 or .csv"));
}

}  // namespace mimic::preprocess
