// A small command-line parser for subcommands: `--name value`, `--name=value` and boolean
// `--flag`. Unknown or malformed flags are errors that name the flag.
#ifndef MIMIC_COMMON_ARGS_H_
#define MIMIC_COMMON_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mimic {

class Args {
 public:
  // `known` lists accepted flag names (without dashes); `booleans` those that take no value.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::set<std::string>& known,
                                    const std::set<std::string>& booleans = {});

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string GetString(const std::string& name, const std::string& fallback) const;
  absl::StatusOr<int> GetInt(const std::string& name, int fallback) const;
  absl::StatusOr<double> GetDouble(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_ARGS_H_
