#pragma once
// Parallel HDF5 through its C API, wrapped in RAII. Every call here is
// collective over the file's communicator unless it says otherwise; failures
// are agreed across ranks before they are thrown (see core/error.hpp).
#include <hdf5.h>

#include <string>
#include <vector>

#include "nmfx/core/mpi.hpp"

namespace nmfx::io {

/// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

/// Shape of a dataset.
using Dims = std::vector<hsize_t>;

/// One group or dataset of a file, as File::contents lists it.
struct Entry {
  std::string path;  // "/history/rel_error"
  bool is_group = false;
  Dims dims;         // datasets: the shape ({} for a scalar)
  std::string type;  // datasets: "float64", "int64", "uint8", "string", ...
};

/// An HDF5 file opened with the MPI-IO driver on a communicator.
class File {
 public:
  /// Opens an existing file read-only. Error when it is missing, unreadable
  /// or not HDF5 (checked on rank 0 first, so every rank gets the reason).
  static File open_read(MPI_Comm comm, const std::string& path);
  /// Creates (truncates) `path`. Error when it cannot be created.
  static File create(MPI_Comm comm, const std::string& path);

  /// Opens an existing file to add to it (a temporary copy of an output:
  /// see AtomicOutput). Error when it cannot be opened.
  static File open_write(MPI_Comm comm, const std::string& path);
  /// Removes a group or dataset (nothing when it is missing).
  void remove(const std::string& object);

  MPI_Comm comm() const { return comm_; }
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }
  /// Flushes and closes; errors are agreed across ranks.
  void close();

  bool exists(const std::string& object) const;
  /// Shape of a numeric dataset; Error when missing or not numeric, or when
  /// its declared size exceeds what the file holds (contiguous storage).
  Dims shape(const std::string& dataset) const;

  /// Root-level (or object-level with `object`) attributes. Writers are
  /// collective and every rank must pass the same value.
  void write_attribute(const std::string& name, const std::string& value,
                       const std::string& object = "/");
  void write_attribute(const std::string& name, double value, const std::string& object = "/");
  void write_attribute(const std::string& name, long value, const std::string& object = "/");
  std::string read_string_attribute(const std::string& name, const std::string& object = "/") const;
  double read_number_attribute(const std::string& name, const std::string& object = "/") const;
  /// An integer attribute exactly (Error when it is not an integer).
  long read_integer_attribute(const std::string& name, const std::string& object = "/") const;
  bool has_attribute(const std::string& name, const std::string& object = "/") const;
  /// Names of the attributes of `object`, in name order (local, not collective).
  std::vector<std::string> attribute_names(const std::string& object = "/") const;
  /// Any attribute as text: strings as they are, numbers in %g, arrays as
  /// "[a, b, ...]" (local, not collective).
  std::string attribute_text(const std::string& name, const std::string& object = "/") const;

  /// Every group and dataset below the root, in name order (local).
  std::vector<Entry> contents() const;

  /// Writes a small dataset held identically on every rank (rank 0 writes).
  /// `dims` gives the shape of `data` (row-major).
  void write_replicated(const std::string& dataset, const Dims& dims, const double* data);
  void write_replicated(const std::string& dataset, const Dims& dims, const long* data);
  /// Reads a whole small dataset onto every rank, converted to double.
  std::vector<double> read_replicated(const std::string& dataset) const;
  /// Writes a 1-D UTF-8 string dataset held identically on every rank (rank
  /// 0 writes). The strings are fixed-length (the longest, NUL-padded):
  /// parallel HDF5 cannot write variable-length data through MPI-IO. h5py
  /// reads it with `.asstr()[:]`.
  void write_strings(const std::string& dataset, const std::vector<std::string>& values);
  /// Reads a whole 1-D string dataset (fixed or variable length) onto every rank.
  std::vector<std::string> read_strings(const std::string& dataset) const;

  /// Creates the groups on the way to `dataset` ("/a/b/c" creates /a and /a/b).
  void make_parents(const std::string& dataset);

 private:
  File(MPI_Comm comm, std::string path, Handle file)
      : comm_(comm), path_(std::move(path)), file_(std::move(file)) {}
  MPI_Comm comm_;
  std::string path_;
  Handle file_;
};

/// A dataset transfer property list for collective MPI-IO.
Handle collective_transfer();

/// Throws Error(what) when an HDF5 call returned a negative status.
hid_t checked(hid_t status, const std::string& what);

}  // namespace nmfx::io
