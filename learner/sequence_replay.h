// An in-process replay of fixed-length sequences for off-policy learning (MPO) in a single
// process: a ring of the most recent `capacity` sequences, sampled uniformly. The gRPC replay
// service plays this role in distributed training.
#ifndef MIMIC_LEARNER_SEQUENCE_REPLAY_H_
#define MIMIC_LEARNER_SEQUENCE_REPLAY_H_

#include <random>
#include <vector>

#include "learner/batch.h"

namespace mimic {

class SequenceReplay {
 public:
  SequenceReplay(int capacity, uint64_t seed);
  // Splits a [T+1, B] batch into B sequences (views, no copy).
  void Add(const Batch& batch);
  // batch_size sequences drawn uniformly with replacement, stacked along B.
  Batch Sample(int batch_size);
  int size() const { return static_cast<int>(sequences_.size()); }
  int64_t added() const { return added_; }

 private:
  int capacity_;
  std::mt19937_64 rng_;
  std::vector<Batch> sequences_;
  size_t next_ = 0;
  int64_t added_ = 0;
};

}  // namespace mimic

#endif  // MIMIC_LEARNER_SEQUENCE_REPLAY_H_
