#include "nmfx/io/output.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nmfx/core/error.hpp"
#include "nmfx/core/mpi.hpp"

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

std::string check_not_input(const std::string& output, const std::vector<std::string>& inputs) {
  for (const std::string& input : inputs) {
    std::error_code ec;  // a missing file is no input of this output
    if (!input.empty() && fs::equivalent(output, input, ec))
      return "the output '" + output + "' is the input file '" + input + "'; choose another name";
  }
  return "";
}

}  // namespace

AtomicOutput::AtomicOutput(MPI_Comm comm, std::string path, const std::vector<std::string>& inputs)
    : comm_(comm), path_(std::move(path)), root_(Communicator(comm).rank() == 0) {
  collectively(comm, [&] {
    if (!root_) return;
    for (const std::string& failure : {check_not_input(path_, inputs), check_writable(path_)})
      if (!failure.empty()) throw Error(failure);
    lock_.emplace(path_);
    remove_stale_temporaries(path_);
  });
  long id = root_ ? long(getpid()) : 0;
  Communicator(comm).broadcast(&id, 1);
  temporary_ = temporary_name(path_, id);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && root_) std::remove(temporary_.c_str());
}

void AtomicOutput::commit() {
  std::string failure;
  if (root_ && std::rename(temporary_.c_str(), path_.c_str()) != 0)
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
