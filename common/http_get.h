// A minimal HTTP/1.0 GET over loopback TCP, for reading a process's /metrics page (snapshots
// into a run directory, tests) without an HTTP client library.
#ifndef MIMIC_COMMON_HTTP_GET_H_
#define MIMIC_COMMON_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mimic {

// The body of a 200 response; other statuses and socket failures are errors naming the URL.
absl::StatusOr<std::string> HttpGet(const std::string& host, int port, const std::string& path,
                                    absl::Duration timeout = absl::Seconds(5));

}  // namespace mimic

#endif  // MIMIC_COMMON_HTTP_GET_H_
