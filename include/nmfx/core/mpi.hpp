#pragma once
// RAII for the MPI runtime and for communicators, and the typed collectives
// the rest of nmfx uses instead of raw MPI calls.
#include <mpi.h>

#include <string>
#include <type_traits>
#include <vector>

namespace nmfx {

/// The element types the collectives carry.
template <class T>
inline constexpr bool is_mpi_element =
    std::is_same_v<T, double> || std::is_same_v<T, float> || std::is_same_v<T, long> || std::is_same_v<T, int> ||
    std::is_same_v<T, char>;

/// Seconds since an arbitrary point in the past; local, no communication.
double wall_time();

/// A move-only communicator handle. It frees the communicator only when it
/// owns it (one it split or duplicated) and only while MPI is alive.
/// The collectives are in place and must be called by every rank of the
/// communicator with the same counts; their result is replicated on all.
class Communicator {
  template <class T>
  using Element = std::enable_if_t<is_mpi_element<T>, int>;

 public:
  /// Borrows `comm` (never freed by this object).
  explicit Communicator(MPI_Comm comm = MPI_COMM_NULL) : comm_(comm), owned_(false) {}
  /// Collective: splits `parent` by color, ordered by key; owns the result.
  static Communicator split(MPI_Comm parent, int color, int key);
  /// Collective: the ranks of `parent` that share this rank's machine (and
  /// its memory), in `parent`'s order; owns the result.
  static Communicator split_by_machine(MPI_Comm parent);
  /// This rank alone (borrowed): collectives over it leave their data as is.
  static const Communicator& self();
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  /// The raw handle, for libraries that take one (parallel HDF5).
  MPI_Comm get() const { return comm_; }
  int rank() const;
  int size() const;

  /// In place: `count` entries of `data` (local on each rank) become their
  /// element-wise sum over all ranks, the same on every rank.
  template <class T, Element<T> = 0>
  void sum(T* data, long count) const { reduce(data, count, datatype<T>(), Operation::sum); }
  /// The same for every entry of `data` (the same size on every rank).
  template <class T, Element<T> = 0>
  void sum(std::vector<T>& data) const { sum(data.data(), long(data.size())); }
  /// The sum over all ranks of one local value, returned on every rank.
  template <class T, Element<T> = 0>
  T sum(T value) const { sum(&value, 1); return value; }

  /// In place: element-wise maximum over all ranks, the same on every rank.
  template <class T, Element<T> = 0>
  void max(T* data, long count) const { reduce(data, count, datatype<T>(), Operation::max); }
  template <class T, Element<T> = 0>
  void max(std::vector<T>& data) const { max(data.data(), long(data.size())); }
  /// The maximum over all ranks of one local value, returned on every rank.
  template <class T, Element<T> = 0>
  T max(T value) const { max(&value, 1); return value; }

  /// In place: element-wise minimum over all ranks, the same on every rank.
  template <class T, Element<T> = 0>
  void min(T* data, long count) const { reduce(data, count, datatype<T>(), Operation::min); }
  template <class T, Element<T> = 0>
  void min(std::vector<T>& data) const { min(data.data(), long(data.size())); }
  /// The minimum over all ranks of one local value, returned on every rank.
  template <class T, Element<T> = 0>
  T min(T value) const { min(&value, 1); return value; }

  /// In place: `data` holds one block of `counts[r]` entries for every rank
  /// r, in rank order (the same counts on every rank, in all below 2^31).
  /// Each rank's own block, in its place, becomes that block on every rank.
  template <class T, Element<T> = 0>
  void gather_all(T* data, const std::vector<long>& counts) const { gather(data, counts, datatype<T>()); }

  /// `count` entries of `data` become `root`'s on every rank (`count` the
  /// same on every rank).
  template <class T, Element<T> = 0>
  void broadcast(T* data, long count, int root = 0) const {
    bcast(data, count, datatype<T>(), root);
  }
  /// `data` becomes `root`'s, size included (other ranks' sizes are ignored).
  template <class T, Element<T> = 0>
  void broadcast(std::vector<T>& data, int root = 0) const {
    long count = long(data.size());
    broadcast(&count, 1, root);
    data.resize(std::size_t(count));
    broadcast(data.data(), count, root);
  }
  /// `text` becomes `root`'s on every rank.
  void broadcast(std::string& text, int root = 0) const;

  /// Returns once every rank has called it.
  void barrier() const;
  /// Ends the whole job (every rank of every communicator) with `code`; for
  /// a failure only some ranks know about.
  [[noreturn]] void abort(int code) const;

 private:
  enum class Operation { sum, max, min };
  template <class T>
  static MPI_Datatype datatype() {
    if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
    else if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, long>) return MPI_LONG;
    else if constexpr (std::is_same_v<T, int>) return MPI_INT;
    else return MPI_CHAR;
  }
  void reduce(void* data, long count, MPI_Datatype type, Operation op) const;
  void bcast(void* data, long count, MPI_Datatype type, int root) const;
  void gather(void* data, const std::vector<long>& counts, MPI_Datatype type) const;
  void release();
  MPI_Comm comm_;
  bool owned_;
};

/// Owns MPI initialization (threads: FUNNELED) and finalization; construct it
/// first in main. Also releases BLACS before MPI_Finalize.
class MpiEnvironment {
 public:
  MpiEnvironment(int& argc, char**& argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  /// Every rank of the job (borrowed). For main: library code runs on the
  /// communicator it is given.
  const Communicator& world() const { return world_; }

 private:
  Communicator world_;
};

}  // namespace nmfx
