// Morlet wavelet spectrograms (as in MotionMapper, Berman et al. 2014): for each signal and each
// of a log-spaced set of frequencies up to the Nyquist rate, the amplitude of its convolution with
// a Morlet wavelet (omega0 = 5) at the matching scale s = (omega0 + sqrt(2 + omega0^2)) / (4 pi f).
// Computed by FFT with reflected padding at the ends; amplitudes are normalised so that a
// sinusoid of amplitude A at a channel's centre frequency reads A in that channel.
#ifndef MIMIC_BEHAVIOUR_WAVELET_H_
#define MIMIC_BEHAVIOUR_WAVELET_H_

#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::behaviour {

struct WaveletOptions {
  int frequencies = 25;
  double min_frequency = 1.0;  // Hz (MotionMapper's lowest)
  double max_frequency = 0;    // Hz; 0 = the Nyquist rate (half the frame rate)
  double omega0 = 5;           // the Morlet wavelet's non-dimensional frequency

  absl::Status Validate(double frame_rate) const;
};

// The channels' centre frequencies (Hz), ascending, log-spaced from min to max.
std::vector<double> WaveletFrequencies(const WaveletOptions& options, double frame_rate);

// Amplitudes (T x frequencies) of one signal of T frames; its mean is removed first.
Eigen::MatrixXd MorletAmplitudes(const Eigen::VectorXd& signal, double frame_rate, const std::vector<double>& frequencies,
                                 double omega0 = 5);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_WAVELET_H_
