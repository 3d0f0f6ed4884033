#ifndef MIMIC_REPLAY_TRANSPORT_ARGS_H_
#define MIMIC_REPLAY_TRANSPORT_ARGS_H_

#include <functional>
#include <string>

namespace mimic::replay {

// The HTTP/2 settings for replay's bulk streams (unrolls of ~100 KB, batches of MBs), applied
// the same way on the server and on every client: `set(name, value)` is ServerBuilder::AddChannelArgument
// or ChannelArguments::SetInt.
void ApplyBulkTransportArgs(const std::function<void(const std::string&, int)>& set);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_TRANSPORT_ARGS_H_
