#include "nmfx/io/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "nmfx/core/error.hpp"

namespace nmfx::io {
namespace fs = std::filesystem;

namespace {

/// The lock file's text: who holds it.
std::string holder_text() {
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  char since[64] = "";
  const std::time_t now = std::time(nullptr);
  std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return "pid " + std::to_string(getpid()) + " on " + host + " since " + since;
}

std::string read_holder(int fd) {
  char text[512] = "";
  const ssize_t n = pread(fd, text, sizeof text - 1, 0);
  return n > 0 ? std::string(text, std::size_t(n)) : "a process that has not written its name yet";
}

}  // namespace

OutputLock::OutputLock(const std::string& path) {
  const fs::path p(path);
  lock_path_ = (p.parent_path() / ("." + p.filename().string() + ".lock")).string();
  // The file may be replaced between open and flock by a holder that just
  // released it (and unlinked it): retry until the locked file is the one
  // at the path.
  for (;;) {
    fd_ = open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot lock the output '" + path + "': " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const std::string holder = read_holder(fd_);
      close(fd_);
      fd_ = -1;
      throw Error("the output '" + path + "' is being written by another nmfx run (" + holder +
                  "); wait for it to finish or choose another output");
    }
    struct stat locked {}, named {};
    if (fstat(fd_, &locked) == 0 && stat(lock_path_.c_str(), &named) == 0 && locked.st_ino == named.st_ino &&
        locked.st_dev == named.st_dev)
      break;
    close(fd_);
  }
  const std::string holder = holder_text();
  if (ftruncate(fd_, 0) == 0) (void)!pwrite(fd_, holder.data(), holder.size(), 0);  // else: only the name is lost
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  unlink(lock_path_.c_str());  // before the unlock: a waiter then retries on a fresh file
  close(fd_);
}

std::string temporary_name(const std::string& path, long id) {
  const fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".tmp" + std::to_string(id))).string();
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path p(path);
  const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = "." + p.filename().string() + ".tmp";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos)
      fs::remove(entry.path(), ec);
  }
}

}  // namespace nmfx::io
