#include "nmfx/io/output.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace fs = std::filesystem;

namespace {

std::string check_writable(const std::string& path) {
  std::error_code ec;
  if (path.empty()) return "no output path given";
  if (fs::is_directory(path, ec)) return "output '" + path + "' is a folder, not a file name";
  fs::path folder = fs::path(path).parent_path();
  if (folder.empty()) folder = ".";
  if (!fs::is_directory(folder, ec))
    return "cannot write '" + path + "': folder '" + folder.string() + "' does not exist";
  if (access(folder.c_str(), W_OK) != 0)
    return "cannot write '" + path + "': folder '" + folder.string() + "' is not writable";
  if (fs::exists(path, ec) && access(path.c_str(), W_OK) != 0)
    return "cannot write '" + path + "': the existing file is read-only";
  return "";
}

}  // namespace

AtomicOutput::AtomicOutput(MPI_Comm comm, std::string path) : comm_(comm), path_(std::move(path)) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  agree(comm, rank == 0 ? check_writable(path_) : "");
  long id = rank == 0 ? long(getpid()) : 0;
  MPI_Bcast(&id, 1, MPI_LONG, 0, comm);
  const fs::path p(path_);
  temporary_ = (p.parent_path() / ("." + p.filename().string() + ".tmp" + std::to_string(id))).string();
}

AtomicOutput::~AtomicOutput() {
  int rank = 0, finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Comm_rank(comm_, &rank);
  if (!committed_ && rank == 0) std::remove(temporary_.c_str());
}

void AtomicOutput::commit() {
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  std::string failure;
  if (rank == 0 && std::rename(temporary_.c_str(), path_.c_str()) != 0)
    failure = "cannot move the finished result to '" + path_ + "'";
  agree(comm_, failure);
  committed_ = true;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  AtomicOutput output(MPI_COMM_SELF, path);
  {
    std::ofstream out(output.temporary_path(), std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Error("cannot write '" + path + "'");
  }
  output.commit();
}

}  // namespace nmfx::io
