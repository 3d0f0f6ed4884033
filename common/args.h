// The command-line parser of every `mimic` command: each command declares its flags once (name,
// type, default, unit, one line of help) with an example, and the same declaration parses
// `--name value` / `--name=value` / boolean `--flag`, supplies defaults, checks types, prints
// `--help`, and names unknown flags with the nearest known one.
#ifndef MIMIC_COMMON_ARGS_H_
#define MIMIC_COMMON_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mimic {

enum class FlagType { kString, kInt, kDouble, kBool };

struct FlagSpec {
  std::string name;                     // without dashes
  FlagType type = FlagType::kString;
  std::string default_value;            // returned when the flag is absent; "" = no default
  std::string unit;                     // "s", "steps", "bytes", "FILE", ...: required for numbers
  std::string help;                     // one line: what it sets
  bool required = false;
};

struct CommandSpec {
  std::string name;                     // as typed after ./mimic, e.g. "bench replay"
  std::string summary;                  // one line: what the command does
  std::vector<FlagSpec> flags;
  std::vector<std::string> examples;    // whole command lines, each one runnable as written
  std::string positional;               // what positional arguments mean ("" = none are taken)
  std::string details;                  // optional paragraph after the flags

  const FlagSpec* Find(const std::string& flag) const;
};

// The --help text of a command: usage, summary, every flag with its default and unit, examples.
std::string HelpText(const CommandSpec& spec);

// The known name closest to `name` by edit distance, or "" when none is close.
std::string NearestName(const std::string& name, const std::vector<std::string>& known);

class Args {
 public:
  // Parses `argv` against `spec`: unknown flags (with the nearest known one), missing values,
  // values of the wrong type, missing required flags and unexpected positionals are
  // INVALID_ARGUMENT naming the flag. `--help` is not handled here (see ParseCommandLine).
  static absl::StatusOr<Args> Parse(const CommandSpec& spec, const std::vector<std::string>& argv);

  // Whether the flag was given on the command line.
  bool Has(const std::string& name) const { return values_.count(name) > 0; }

  // Typed values of flags parsed against a spec: the given value, else the spec's default
  // (0 / "" / false when it has none). Types were checked at parse time.
  std::string String(const std::string& name) const;
  int Int(const std::string& name) const;
  int64_t Int64(const std::string& name) const;
  double Double(const std::string& name) const;
  bool Bool(const std::string& name) const;

  // The given value, else `fallback` (for flags a spec may or may not declare).
  std::string GetString(const std::string& name, const std::string& fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::string ValueOrDefault(const std::string& name) const;

  const CommandSpec* spec_ = nullptr;   // the spec parsed against (outlives the Args), or null
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// What commands call first: parses `argv` against `spec`. `--help` / `-h` prints the help to
// stdout and returns nullopt with *exit_code 0; an error is printed to stderr with a pointer to
// --help and returns nullopt with *exit_code 2.
std::optional<Args> ParseCommandLine(const CommandSpec& spec, const std::vector<std::string>& argv,
                                     int* exit_code);

// Prints "mimic <command>: <status>" to stderr and returns the exit code: 2 for bad arguments
// (INVALID_ARGUMENT), 1 otherwise.
int Fail(const std::string& command, const absl::Status& status);

}  // namespace mimic

#endif  // MIMIC_COMMON_ARGS_H_
