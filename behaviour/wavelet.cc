#include "behaviour/wavelet.h"

#include <cmath>
#include <complex>

#include <unsupported/Eigen/FFT>

#include "absl/strings/str_cat.h"

namespace mimic::behaviour {
namespace {

// Fourier transform of the analytic Morlet wavelet at scale-frequency product s * omega.
double MorletFourier(double s_omega, double omega0) {
  if (s_omega <= 0) return 0;
  return std::pow(M_PI, -0.25) * std::exp(-0.5 * (s_omega - omega0) * (s_omega - omega0));
}

double Scale(double frequency, double omega0) {
  return (omega0 + std::sqrt(2 + omega0 * omega0)) / (4 * M_PI * frequency);
}

}  // namespace

absl::Status WaveletOptions::Validate(double frame_rate) const {
  if (!(frame_rate > 0)) return absl::InvalidArgumentError("the frame rate must be positive");
  const double nyquist = frame_rate / 2, max = max_frequency > 0 ? max_frequency : nyquist;
  if (frequencies < 1 || frequencies > 200) return absl::InvalidArgumentError("wavelet frequencies must number 1 to 200");
  if (!(min_frequency > 0) || !(max >= min_frequency) || max > nyquist * (1 + 1e-9)) {
    return absl::InvalidArgumentError(absl::StrCat("wavelet frequencies must satisfy 0 < min (", min_frequency,
                                                   ") <= max (", max, ") <= Nyquist (", nyquist, " Hz)"));
  }
  if (!(omega0 > 0)) return absl::InvalidArgumentError("omega0 must be positive");
  return absl::OkStatus();
}

std::vector<double> WaveletFrequencies(const WaveletOptions& o, double frame_rate) {
  const double max = o.max_frequency > 0 ? o.max_frequency : frame_rate / 2;
  std::vector<double> f;
  for (int i = 0; i < o.frequencies; ++i) {
    const double t = o.frequencies > 1 ? static_cast<double>(i) / (o.frequencies - 1) : 1.0;
    f.push_back(o.min_frequency * std::pow(max / o.min_frequency, t));
  }
  return f;
}

Eigen::MatrixXd MorletAmplitudes(const Eigen::VectorXd& signal, double frame_rate, const std::vector<double>& frequencies,
                                 double omega0) {
  const Eigen::Index T = signal.size();
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(T, static_cast<Eigen::Index>(frequencies.size()));
  if (T < 2 || frequencies.empty()) return out;
  // reflected padding as wide as the widest wavelet's envelope (4 standard deviations = 4 s), at most T - 1
  double widest = 0;
  for (double f : frequencies) widest = std::max(widest, Scale(f, omega0));
  const Eigen::Index pad = std::min<Eigen::Index>(T - 1, static_cast<Eigen::Index>(std::ceil(4 * widest * frame_rate)));
  Eigen::Index n = 1;
  while (n < T + 2 * pad) n *= 2;
  const double mean = signal.mean();
  std::vector<std::complex<double>> padded(n, 0.0);
  for (Eigen::Index i = 0; i < T + 2 * pad; ++i) {
    Eigen::Index s = i - pad;
    if (s < 0) s = -s;                       // reflect at the start
    if (s >= T) s = 2 * (T - 1) - s;         // and at the end
    padded[i] = signal(s) - mean;
  }
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> spectrum, filtered(n), convolved;
  fft.fwd(spectrum, padded);
  for (size_t k = 0; k < frequencies.size(); ++k) {
    const double s = Scale(frequencies[k], omega0);
    const double gain = 2 / MorletFourier(s * 2 * M_PI * frequencies[k], omega0);
    for (Eigen::Index j = 0; j < n; ++j) {
      // angular frequency of bin j (negative above n / 2)
      const double omega = 2 * M_PI * frame_rate * (j <= n / 2 ? j : j - n) / n;
      filtered[j] = spectrum[j] * MorletFourier(s * omega, omega0);
    }
    fft.inv(convolved, filtered);
    for (Eigen::Index t = 0; t < T; ++t) out(t, static_cast<Eigen::Index>(k)) = gain * std::abs(convolved[t + pad]);
  }
  return out;
}

}  // namespace mimic::behaviour
