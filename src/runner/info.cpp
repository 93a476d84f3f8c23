#include "nmfx/runner/info.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <set>

#include "nmfx/core/error.hpp"
#include "nmfx/io/hdf5.hpp"
#include "nmfx/runner/run_file.hpp"

namespace nmfx::runner {
namespace {

std::string format(const char* pattern, ...) {
  char text[512];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(text, sizeof text, pattern, args);
  va_end(args);
  return text;
}

std::string shape_text(const io::Dims& dims) {
  if (dims.empty()) return "scalar";
  std::string s;
  for (std::size_t d = 0; d < dims.size(); ++d) s += (d ? " x " : "") + std::to_string(dims[d]);
  return s;
}

std::string attributes_text(const io::File& f, const std::string& object,
                            const std::string& indent) {
  std::string s;
  for (const std::string& name : f.attribute_names(object))
    s += indent + format("%-14s ", name.c_str()) + f.attribute_text(name, object) + "\n";
  return s;
}

/// Samples, features, image shape, labels and file names of a dataset file.
std::string dataset_summary(const io::File& f) {
  const io::Dims x = f.shape("/X");
  std::string s =
      "  /X: " + (x.size() == 2 ? format("%llu samples x %llu features", (unsigned long long)x[0],
                                         (unsigned long long)x[1])
                                : shape_text(x));
  if (f.has_attribute("image_height") && f.has_attribute("image_width")) {
    const double channels = f.has_attribute("channels") ? f.read_number_attribute("channels") : 1;
    s += format("; %gx%g images, %g channel%s", f.read_number_attribute("image_height"),
                f.read_number_attribute("image_width"), channels, channels > 1 ? "s" : "");
  }
  s += "\n";
  if (f.exists("/labels")) {
    const std::vector<double> labels = f.read_replicated("/labels");
    const std::set<double> classes(labels.begin(), labels.end());
    if (!classes.empty())
      s += format("  /labels: %zu labels, %zu classes (%g to %g)\n", labels.size(), classes.size(),
                  *classes.begin(), *classes.rbegin());
  }
  if (f.exists("/filenames")) {
    const std::vector<std::string> names = f.read_strings("/filenames");
    if (!names.empty())
      s += format("  /filenames: %zu, from %s to %s\n", names.size(), names.front().c_str(),
                  names.back().c_str());
  }
  return s;
}

/// Factors, history, metrics and the reference of a run file.
std::string run_summary(const io::File& f) {
  std::string s = "  factors: W " + shape_text(f.shape("/W")) + ", H " + shape_text(f.shape("/H"));
  if (f.has_attribute("algorithm")) s += " (" + f.read_string_attribute("algorithm") + ")";
  s += "\n";
  double final_error = -1;
  if (f.exists("/history/rel_error") && f.has_attribute("iterations") && f.has_attribute("stop_reason")) {
    const run_file::Record r = run_file::read_record(f);
    const std::vector<double> error = f.read_replicated("/history/rel_error");
    if (!error.empty()) {
      final_error = r.rel_error;
      s += format("  history: %ld iterations (stop: %s), %.2f s; rel_error %.6e -> %.6e (rel_residual %.6f)\n",
                  r.iterations, r.stop_reason.c_str(), r.seconds, error.front(), r.rel_error, r.rel_residual);
    }
  }
  if (f.exists("/metrics/effective_rank")) {
    const std::vector<double> it = f.read_replicated("/metrics/iteration");
    const std::vector<double> rank = f.read_replicated("/metrics/effective_rank");
    if (!rank.empty()) {
      const auto top = std::max_element(rank.begin(), rank.end());
      s += format(
          "  metrics: %zu evaluations; effective rank of W H %.3f -> %.3f (highest %.3f, "
          "iteration %g)",
          rank.size(), rank.front(), rank.back(), *top, it[std::size_t(top - rank.begin())]);
      for (const char* name : {"nuclear_ratio", "sigma1", "sigma2"})
        if (f.exists(std::string("/metrics/") + name))
          s += format(", %s %.4g", name, f.read_replicated(std::string("/metrics/") + name).back());
      s += "\n";
    }
    if (f.exists("/metrics/test_rel_error")) {
      const std::vector<double> test = f.read_replicated("/metrics/test_rel_error");
      if (!test.empty())
        s += format("  test set (%s): rel_error %.6e -> %.6e (rel_residual %.6f)\n",
                    f.has_attribute("test") ? f.read_string_attribute("test").c_str() : "--test", test.front(),
                    test.back(), std::sqrt(test.back()));
    }
    if (f.exists("/metrics/plateaus")) {
      const std::vector<double> plateaus = f.read_replicated("/metrics/plateaus");
      s += "  plateaus of the effective rank: ";
      if (plateaus.empty()) s += "none";
      for (std::size_t i = 0; i < plateaus.size(); ++i)
        s += format("%siteration %g", i ? ", " : "at ", plateaus[i]);
      s += "\n";
    }
  }
  if (f.exists("/reference/svd_rel_error")) {
    const double bound = f.read_replicated("/reference/svd_rel_error").front();
    s += format("  reference: best rank-k rel_error (Eckart-Young) %.6e", bound);
    if (final_error >= 0 && bound > 0)
      s += format("; the fit reaches %.3f times it", final_error / bound);
    s += "\n";
  }
  return s;
}

}  // namespace

std::string describe_file(MPI_Comm comm, const std::string& path) {
  const io::File f = io::File::open_read(comm, path);
  std::string text;
  // Every rank reads the same metadata and small datasets (the latter
  // collectively), so a failure is the same everywhere.
  collectively(comm, [&] {
    const bool run = f.exists("/W") && f.exists("/H"), dataset = f.exists("/X");
    const std::string kind = f.has_attribute("kind") ? f.read_string_attribute("kind")  // nmfx's outputs
                             : run                   ? "run"
                             : dataset               ? "dataset"
                                                     : "HDF5";
    text = path + ": " + kind + " file\n";
    const std::string attributes = attributes_text(f, "/", "  ");
    if (!attributes.empty()) text += "attributes:\n" + attributes;
    text += "contents:\n";
    for (const io::Entry& e : f.contents()) {
      text += format("  %-32s %-8s %s\n", (e.path + (e.is_group ? "/" : "")).c_str(),
                     e.is_group ? "group" : e.type.c_str(),
                     e.is_group ? "" : shape_text(e.dims).c_str());
      text += attributes_text(f, e.path, "    @");
    }
    if (dataset) text += "summary:\n" + dataset_summary(f);
    if (run) text += "summary:\n" + run_summary(f);
  });
  return text;
}

void run_info(MPI_Comm comm, const std::string& path, bool verbose) {
  const std::string text = describe_file(comm, path);
  if (verbose) std::fputs(text.c_str(), stdout);
}

}  // namespace nmfx::runner
