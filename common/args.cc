#include "common/args.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mimic {
namespace {

const char* TypeName(FlagType type) {
  switch (type) {
    case FlagType::kInt: return "an integer";
    case FlagType::kDouble: return "a number";
    case FlagType::kBool: return "true or false";
    case FlagType::kString: break;
  }
  return "a value";
}

absl::Status CheckType(const FlagSpec& flag, const std::string& value) {
  bool ok = true;
  if (flag.type == FlagType::kInt) {
    int64_t v;
    ok = absl::SimpleAtoi(value, &v);
  } else if (flag.type == FlagType::kDouble) {
    double v;
    ok = absl::SimpleAtod(value, &v);
  } else if (flag.type == FlagType::kBool) {
    bool v;
    ok = absl::SimpleAtob(value, &v);
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag.name, " expects ", TypeName(flag.type), ", got '", value, "'"));
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "--seconds X" in the flag list: strings show their unit (FILE, HOST:PORT) as the placeholder.
std::string Placeholder(const FlagSpec& flag) {
  if (flag.type == FlagType::kBool) return "";
  if (flag.type == FlagType::kString) return flag.unit.empty() ? " VALUE" : " " + flag.unit;
  return flag.type == FlagType::kInt ? " N" : " X";
}

std::string UnknownFlagError(const std::string& name, const std::vector<std::string>& known) {
  const std::string nearest = NearestName(name, known);
  return absl::StrCat("unknown flag --", name, nearest.empty() ? "" : absl::StrCat("; did you mean --", nearest, "?"));
}

}  // namespace

const FlagSpec* CommandSpec::Find(const std::string& flag) const {
  for (const FlagSpec& f : flags) {
    if (f.name == flag) return &f;
  }
  return nullptr;
}

std::string NearestName(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const std::string& k : known) {
    const size_t d = EditDistance(absl::AsciiStrToLower(name), absl::AsciiStrToLower(k));
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  // close enough to be a typo: a third of the name, at least 2 edits
  const size_t allowed = std::max<size_t>(2, name.size() / 3);
  return best_distance <= allowed ? best : "";
}

std::string HelpText(const CommandSpec& spec) {
  std::string out = absl::StrCat("usage: ./mimic ", spec.name);
  if (!spec.flags.empty()) absl::StrAppend(&out, " [flags]");
  if (!spec.positional.empty()) absl::StrAppend(&out, " ", spec.positional);
  absl::StrAppend(&out, "\n\n", spec.summary, "\n");
  if (!spec.flags.empty()) {
    absl::StrAppend(&out, "\nflags:\n");
    size_t width = 0;
    std::vector<std::string> heads;
    for (const FlagSpec& f : spec.flags) {
      heads.push_back(absl::StrCat("--", f.name, Placeholder(f)));
      width = std::max(width, heads.back().size());
    }
    for (size_t i = 0; i < spec.flags.size(); ++i) {
      const FlagSpec& f = spec.flags[i];
      const bool number = f.type == FlagType::kInt || f.type == FlagType::kDouble;
      std::string note;
      if (f.required) {
        note = number ? absl::StrCat("required, ", f.unit) : "required";
      } else if (!f.default_value.empty()) {
        note = absl::StrCat("default ", f.default_value, number ? " " + f.unit : "");
      } else if (f.type == FlagType::kBool) {
        note = "default off";
      } else if (number) {
        note = "unit: " + f.unit;
      }
      absl::StrAppend(&out, "  ", heads[i], std::string(width - heads[i].size() + 2, ' '), f.help,
                      note.empty() ? "" : absl::StrCat(" (", note, ")"), "\n");
    }
  }
  if (!spec.details.empty()) absl::StrAppend(&out, "\n", spec.details, "\n");
  if (!spec.examples.empty()) {
    absl::StrAppend(&out, "\nexample", spec.examples.size() > 1 ? "s" : "", ":\n");
    for (const std::string& e : spec.examples) absl::StrAppend(&out, "  ", e, "\n");
  }
  return out;
}

absl::StatusOr<Args> Args::Parse(const CommandSpec& spec, const std::vector<std::string>& argv) {
  Args args;
  args.spec_ = &spec;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (spec.positional.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", a, "'"));
      }
      args.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* flag = spec.Find(name);
    if (flag == nullptr) {
      std::vector<std::string> names;
      for (const FlagSpec& f : spec.flags) names.push_back(f.name);
      return absl::InvalidArgumentError(UnknownFlagError(name, names));
    }
    if (flag->type == FlagType::kBool) {
      if (!inline_value) value = "true";
    } else if (!inline_value) {
      if (i + 1 >= argv.size()) return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      value = argv[++i];
    }
    if (absl::Status s = CheckType(*flag, value); !s.ok()) return s;
    args.values_[name] = value;
  }
  for (const FlagSpec& f : spec.flags) {
    if (f.required && !args.Has(f.name)) {
      return absl::InvalidArgumentError(absl::StrCat("--", f.name, " is required (", f.help, ")"));
    }
  }
  return args;
}

std::string Args::ValueOrDefault(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  const FlagSpec* flag = spec_ ? spec_->Find(name) : nullptr;
  if (flag == nullptr) {
    // a command asking for a flag it did not declare is a bug in the command, not in the input
    std::fprintf(stderr, "mimic: internal error: flag --%s is not declared\n", name.c_str());
    std::abort();
  }
  return flag->default_value;
}

std::string Args::String(const std::string& name) const { return ValueOrDefault(name); }

int64_t Args::Int64(const std::string& name) const {
  int64_t v = 0;
  return absl::SimpleAtoi(ValueOrDefault(name), &v) ? v : 0;
}

int Args::Int(const std::string& name) const { return static_cast<int>(Int64(name)); }

double Args::Double(const std::string& name) const {
  double v = 0;
  return absl::SimpleAtod(ValueOrDefault(name), &v) ? v : 0;
}

bool Args::Bool(const std::string& name) const {
  bool v = false;
  return absl::SimpleAtob(ValueOrDefault(name), &v) && v;
}

std::string Args::GetString(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}


std::optional<Args> ParseCommandLine(const CommandSpec& spec, const std::vector<std::string>& argv,
                                     int* exit_code) {
  for (const std::string& a : argv) {
    if (a == "--help" || a == "-h") {
      std::fputs(HelpText(spec).c_str(), stdout);
      *exit_code = 0;
      return std::nullopt;
    }
  }
  auto args = Args::Parse(spec, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "mimic %s: %s\n(see ./mimic %s --help)\n", spec.name.c_str(),
                 std::string(args.status().message()).c_str(), spec.name.c_str());
    *exit_code = 2;
    return std::nullopt;
  }
  *exit_code = 0;
  return std::move(*args);
}

int Fail(const std::string& command, const absl::Status& status) {
  std::fprintf(stderr, "mimic %s: %s\n", command.c_str(), status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace mimic
