// The adjusted Rand index (Hubert & Arabie 1985) between two labellings of the same items: 1 for
// identical partitions (up to renaming), about 0 for independent ones.
#ifndef MIMIC_BEHAVIOUR_ADJUSTED_RAND_H_
#define MIMIC_BEHAVIOUR_ADJUSTED_RAND_H_

#include <vector>

namespace mimic::behaviour {

// Labels are any non-negative integers; the vectors must have the same length (else NaN).
double AdjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_ADJUSTED_RAND_H_
