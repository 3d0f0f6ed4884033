#include "envs/env_context.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace mimic {
namespace {

// Collects text-format parse errors into one message.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    absl::StrAppend(&errors_, errors_.empty() ? "" : "; ", "line ", line + 1, ":", column + 1,
                    ": ", message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const EnvContext>> EnvContext::Create(
    const EnvConfig& config, std::vector<ReferenceClip> clips) {
  auto context = std::shared_ptr<EnvContext>(new EnvContext());
  MIMIC_ASSIGN_OR_RETURN(context->model_, LoadModel(config.model_path(), config.perturbation()));
  // the model's own time step is replaced by the configured one
  context->model_->opt.timestep = config.physics().timestep();
  MIMIC_ASSIGN_OR_RETURN(context->task_, ImitationTask::Create(context->model_.get(), config));
  MIMIC_ASSIGN_OR_RETURN(context->library_,
                         ReferenceLibrary::Build(context->model_.get(), context->task_->bodies(),
                                                 context->task_->control_rate(), std::move(clips)));
  return std::shared_ptr<const EnvContext>(std::move(context));
}

absl::StatusOr<EnvConfig> ReadEnvConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("config file not found: ", path));
  std::stringstream text;
  text << in.rdbuf();
  EnvConfig config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse ", path, ": ", errors.errors()));
  }
  return config;
}

}  // namespace mimic
