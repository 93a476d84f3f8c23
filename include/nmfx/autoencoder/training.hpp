#pragma once
// `nmfx autoencoder`: trains the shallow autoencoder (model.hpp) on a
// dataset file and writes a run file. Samples are spread over the ranks,
// the parameters are replicated; every minibatch is a function of (seed,
// epoch, global sample index), so any number of ranks trains the same model
// (up to the order of floating-point sums).
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nmfx/autoencoder/model.hpp"
#include "nmfx/core/mpi.hpp"
#include "nmfx/settings/registry.hpp"

namespace nmfx::autoencoder {

/// The settings of one training as given; see settings() for each one's
/// meaning and range.
struct Config {
  std::string data_path, dataset = "/X", test_path, output_path;
  int rank = 0;
  std::string decoder = "sigmoid";         // identity | sigmoid
  std::string penalty = "none";            // none | kl | epsl1 | log
  double target = 0.05, beta = 0, epsilon = 1e-8;
  std::string nonnegative = "projection";  // projection | decay | none
  double decay = 1e-3, alpha = 0;
  std::string optimizer = "adam";          // adam | sgd
  double learning_rate = 1e-3;
  long batch_size = 100;
  long epochs = 10;
  std::uint64_t seed = 0;
  bool progress = true;
  std::string command_line;
};

/// One setting of `nmfx autoencoder`, declared once: the command line and
/// the run file's attributes are generated from the table (as for fit's
/// settings::Setting).
struct Setting {
  std::string name, alias;
  settings::Type type;
  std::string help;
  std::string attribute;  // the run-file attribute ("" when not recorded)
  bool positional = false;
  bool file = false;  // recorded as an absolute path
  std::function<settings::Value(const Config&)> get;
  std::function<void(Config&, const settings::Value&)> set;  // Error when out of range
};

/// Every setting, in the order of the help text.
const std::vector<Setting>& settings();

/// The loss terms the settings describe.
LossTerms loss_terms(const Config& config);

/// The minibatches of one epoch: a permutation of 0 .. m-1, a function of
/// (seed, epoch) alone; batch b is its entries [b B, min((b+1) B, m)).
std::vector<long> epoch_order(std::uint64_t seed, long epoch, long m);

/// Per epoch, all ranks together.
struct EpochRecord {
  long epoch = 0;
  double seconds = 0;
  double loss = 0, reconstruction = 0, sparsity = 0, decay = 0;  // means over the epoch's batches
  double rel_error = 0;                // training sum ||x - x_hat||^2 / sum ||x||^2 over the epoch
  double test_mse = -1, test_rel_error = -1;  // held-out set (< 0: none)
  double mean_activation = 0;          // mean of the hidden units' activations over the epoch
  double min_decoder = 0;              // smallest decoder weight after the epoch
};

/// Collective: trains on `x` (n x m_local, this rank's samples as columns,
/// with their global indices) and returns the history. `test` (n x
/// test_local, may be empty everywhere) gives the held-out curve.
std::vector<EpochRecord> train(const Communicator& comm, const Config& config, Parameters& p,
                               const std::vector<double>& x, const std::vector<long>& global_index,
                               long m_global, const std::vector<double>& test, long test_global,
                               bool verbose);

/// The command: reads, trains, writes the run file.
void run_autoencoder(MPI_Comm comm, const Config& config, bool verbose);

}  // namespace nmfx::autoencoder
