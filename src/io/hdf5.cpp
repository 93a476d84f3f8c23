#include "nmfx/io/hdf5.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "nmfx/core/error.hpp"
#include "nmfx/core/memory.hpp"

namespace nmfx::io {

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    closer_ = o.closer_;
    o.id_ = -1;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = -1;
}

hid_t checked(hid_t status, const std::string& what) {
  if (status < 0) throw Error(what);
  return status;
}

namespace {

void silence_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle mpio_access(MPI_Comm comm) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  checked(H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL), "cannot set up MPI-IO");
  return fapl;
}

std::string describe_unreadable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) return "'" + path + "' does not exist";
  if (fs::is_directory(path, ec)) return "'" + path + "' is a directory, not an HDF5 file";
  if (access(path.c_str(), R_OK) != 0) return "'" + path + "' is not readable";
  if (H5Fis_hdf5(path.c_str()) <= 0) return "'" + path + "' is not an HDF5 file (or it is corrupt)";
  return "";
}

Handle open_attribute(hid_t file, const std::string& object, const std::string& name) {
  const std::string what = "attribute '" + name + "' on '" + object + "'";
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0)
    throw Error(what + " is missing");
  return Handle(checked(H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT,
                                        H5P_DEFAULT),
                        "cannot open " + what),
                H5Aclose);
}

Handle create_attribute(hid_t file, const std::string& object, const std::string& name,
                        hid_t type) {
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  return Handle(checked(H5Acreate_by_name(file, object.c_str(), name.c_str(), type, space.get(),
                                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        "cannot create attribute '" + name + "'"),
                H5Aclose);
}

template <class T>
void write_small(File& file, const std::string& dataset, const Dims& dims, const T* data,
                 hid_t mem_type, hid_t file_type) {
  file.make_parents(dataset);
  // No dims: a scalar dataset (h5py reads it with [()]).
  auto make_space = [&] {
    return dims.empty() ? Handle(H5Screate(H5S_SCALAR), H5Sclose)
                        : Handle(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose);
  };
  Handle space = make_space();
  Handle set(checked(H5Dcreate2(file.id(), dataset.c_str(), file_type, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     "cannot create dataset " + dataset + " in '" + file.path() + "'"),
             H5Dclose);
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  if (count == 0) return;  // an empty dataset: created, nothing to write
  const int rank = Communicator(file.comm()).rank();
  Handle mem = make_space();
  Handle fsel(H5Scopy(space.get()), H5Sclose);
  if (rank != 0) {
    H5Sselect_none(mem.get());
    H5Sselect_none(fsel.get());
  }
  Handle xfer = collective_transfer();
  checked(H5Dwrite(set.get(), mem_type, mem.get(), fsel.get(), xfer.get(), data),
          "cannot write dataset " + dataset + " in '" + file.path() + "'");
}

/// "float64", "int32", "uint8", "string", ... for a datatype.
std::string type_name(hid_t type) {
  const std::string bits = std::to_string(8 * H5Tget_size(type));
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return "float" + bits;
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    default:
      return "other";
  }
}

Dims extent(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  Dims dims(std::size_t(rank > 0 ? rank : 0));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

herr_t collect_entry(hid_t group, const char* name, const H5L_info_t* link, void* entries) {
  if (link->type != H5L_TYPE_HARD) return 0;
  H5O_info_t info;
  if (H5Oget_info_by_name(group, name, &info, H5P_DEFAULT) < 0) return 0;
  Entry e;
  e.path = std::string("/") + name;
  e.is_group = info.type == H5O_TYPE_GROUP;
  if (info.type == H5O_TYPE_DATASET) {
    Handle set(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
    Handle type(H5Dget_type(set.get()), H5Tclose), space(H5Dget_space(set.get()), H5Sclose);
    e.type = type_name(type.get());
    e.dims = extent(space.get());
  } else if (!e.is_group) {
    return 0;
  }
  static_cast<std::vector<Entry>*>(entries)->push_back(std::move(e));
  return 0;
}

std::string dims_text(const Dims& dims) {
  std::string text;
  for (hsize_t d : dims) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return text;
}

/// Error when a contiguous, unfiltered dataset stored in the file itself
/// declares more data than the file holds (a truncated or corrupt file).
/// Chunked or compressed data has no such bound; data never written (no
/// address) reads as fill values.
void require_stored(hid_t set, hid_t type, hid_t space, const std::string& dataset,
                    const std::string& path) {
  Handle dcpl(H5Dget_create_plist(set), H5Pclose);
  if (H5Pget_layout(dcpl.get()) != H5D_CONTIGUOUS || H5Pget_nfilters(dcpl.get()) > 0 ||
      H5Pget_external_count(dcpl.get()) > 0)
    return;
  const haddr_t offset = H5Dget_offset(set);
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(path, ec);
  if (offset == HADDR_UNDEF || ec) return;
  const double declared =
      double(H5Sget_simple_extent_npoints(space)) * double(H5Tget_size(type));
  if (double(offset) + declared > double(file_bytes))
    throw Error(dataset + " in '" + path + "' declares " + dims_text(extent(space)) + " " +
                type_name(type) + " values (" + format_bytes(declared) + ") but the file holds " +
                format_bytes(double(file_bytes)) + "; it is truncated or corrupt");
}

herr_t collect_name(hid_t, const char* name, const H5A_info_t*, void* names) {
  static_cast<std::vector<std::string>*>(names)->push_back(name);
  return 0;
}

}  // namespace

Handle collective_transfer() {
  Handle dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE);
  return dxpl;
}

File File::open_read(MPI_Comm comm, const std::string& path) {
  silence_hdf5();
  agree(comm, Communicator(comm).rank() == 0 ? describe_unreadable(path) : "");
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  agree(comm, id < 0 ? "'" + path + "' is not an HDF5 file (or it is corrupt)" : "");
  return File(comm, path, Handle(id, H5Fclose));
}

File File::create(MPI_Comm comm, const std::string& path) {
  silence_hdf5();
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  agree(comm, id < 0 ? "cannot create '" + path + "'" : "");
  return File(comm, path, Handle(id, H5Fclose));
}

File File::open_write(MPI_Comm comm, const std::string& path) {
  silence_hdf5();
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
  agree(comm, id < 0 ? "cannot open '" + path + "' for writing" : "");
  return File(comm, path, Handle(id, H5Fclose));
}

void File::remove(const std::string& object) {
  if (!exists(object)) return;
  checked(H5Ldelete(id(), object.c_str(), H5P_DEFAULT), "cannot remove " + object + " from '" + path_ + "'");
}

void File::close() {
  if (!file_.valid()) return;
  const herr_t status = H5Fclose(file_.get());
  // The identifier is gone whatever the status; forget it without closing twice.
  file_ = Handle();
  agree(comm_, status < 0 ? "cannot finish writing '" + path_ + "'" : "");
}

bool File::exists(const std::string& object) const {
  // Walk the path so that a missing intermediate group is not an error.
  std::string prefix;
  std::size_t pos = 1;
  while (pos <= object.size()) {
    const auto next = object.find('/', pos);
    prefix = object.substr(0, next);
    if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return !prefix.empty();
}

Dims File::shape(const std::string& dataset) const {
  if (!exists(dataset)) throw Error("'" + path_ + "' has no dataset " + dataset);
  H5O_info_t info;
  if (H5Oget_info_by_name(id(), dataset.c_str(), &info, H5P_DEFAULT) < 0 ||
      info.type != H5O_TYPE_DATASET)
    throw Error(dataset + " in '" + path_ + "' is not a dataset");
  Handle set(checked(H5Dopen2(id(), dataset.c_str(), H5P_DEFAULT), "cannot open " + dataset),
             H5Dclose);
  Handle type(H5Dget_type(set.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw Error(dataset + " in '" + path_ + "' is not numeric");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  require_stored(set.get(), type.get(), space.get(), dataset, path_);
  return extent(space.get());
}

void File::write_attribute(const std::string& name, const std::string& value,
                           const std::string& object) {
  // Variable-length UTF-8: h5py reads it as str, h5dump prints it plainly.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle attr = create_attribute(id(), object, name, type.get());
  const char* text = value.c_str();
  checked(H5Awrite(attr.get(), type.get(), &text), "cannot write attribute " + name);
}

void File::write_attribute(const std::string& name, double value, const std::string& object) {
  Handle attr = create_attribute(id(), object, name, H5T_IEEE_F64LE);
  checked(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), "cannot write attribute " + name);
}

void File::write_attribute(const std::string& name, long value, const std::string& object) {
  Handle attr = create_attribute(id(), object, name, H5T_STD_I64LE);
  checked(H5Awrite(attr.get(), H5T_NATIVE_LONG, &value), "cannot write attribute " + name);
}

bool File::has_attribute(const std::string& name, const std::string& object) const {
  return H5Aexists_by_name(id(), object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> File::attribute_names(const std::string& object) const {
  std::vector<std::string> names;
  checked(H5Aiterate_by_name(id(), object.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
                             collect_name, &names, H5P_DEFAULT),
          "cannot list the attributes of '" + object + "' in '" + path_ + "'");
  return names;
}

std::string File::attribute_text(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(id(), object, name);
  Handle type(H5Aget_type(attr.get()), H5Tclose), space(H5Aget_space(attr.get()), H5Sclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_STRING)
    return H5Sget_simple_extent_npoints(space.get()) == 1
               ? read_string_attribute(name, object)
               : "[" + std::to_string(H5Sget_simple_extent_npoints(space.get())) + " strings]";
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return "(" + type_name(type.get()) + ")";
  std::vector<double> values(std::size_t(H5Sget_simple_extent_npoints(space.get())));
  if (values.empty()) return "[]";
  checked(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()), "cannot read attribute " + name);
  auto format = [&](double v) {
    char text[32];
    std::snprintf(text, sizeof text, cls == H5T_INTEGER ? "%.0f" : "%g", v);
    return std::string(text);
  };
  if (extent(space.get()).empty()) return format(values[0]);
  std::string text = "[";
  for (std::size_t i = 0; i < values.size() && i < 8; ++i) text += (i ? ", " : "") + format(values[i]);
  return text + (values.size() > 8 ? ", ...]" : "]");
}

std::vector<Entry> File::contents() const {
  std::vector<Entry> entries;
  checked(H5Lvisit(id(), H5_INDEX_NAME, H5_ITER_INC, collect_entry, &entries),
          "cannot list the contents of '" + path_ + "'");
  return entries;
}

namespace {

/// Error unless the attribute holds a single value (an array attribute would
/// overflow the one-value buffers below).
void require_scalar(hid_t attr, const std::string& name, const std::string& path) {
  Handle space(H5Aget_space(attr), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw Error("attribute '" + name + "' in '" + path + "' is an array, not a single value");
}

}  // namespace

std::string File::read_string_attribute(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(id(), object, name);
  require_scalar(attr.get(), name, path_);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw Error("attribute '" + name + "' in '" + path_ + "' is not a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    char* text = nullptr;
    checked(H5Aread(attr.get(), type.get(), &text), "cannot read attribute " + name);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(type.get()), '\0');
  checked(H5Aread(attr.get(), type.get(), value.data()), "cannot read attribute " + name);
  return value.substr(0, value.find('\0'));
}

double File::read_number_attribute(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(id(), object, name);
  require_scalar(attr.get(), name, path_);
  double value = 0;
  checked(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value),
          "attribute '" + name + "' in '" + path_ + "' is not a number");
  return value;
}

long File::read_integer_attribute(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(id(), object, name);
  require_scalar(attr.get(), name, path_);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    throw Error("attribute '" + name + "' in '" + path_ + "' is not an integer");
  long value = 0;
  checked(H5Aread(attr.get(), H5T_NATIVE_LONG, &value),
          "attribute '" + name + "' in '" + path_ + "' is not an integer");
  return value;
}

void File::make_parents(const std::string& dataset) {
  std::size_t pos = 1;
  while ((pos = dataset.find('/', pos)) != std::string::npos) {
    const std::string group = dataset.substr(0, pos);
    if (H5Lexists(id(), group.c_str(), H5P_DEFAULT) <= 0)
      Handle(checked(H5Gcreate2(id(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     "cannot create group " + group),
             H5Gclose);
    ++pos;
  }
}

void File::write_replicated(const std::string& dataset, const Dims& dims, const double* data) {
  write_small(*this, dataset, dims, data, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE);
}

void File::write_replicated(const std::string& dataset, const Dims& dims, const long* data) {
  write_small(*this, dataset, dims, data, H5T_NATIVE_LONG, H5T_STD_I64LE);
}

std::vector<double> File::read_replicated(const std::string& dataset) const {
  Dims dims = shape(dataset);
  hsize_t count = 1;
  for (auto d : dims) count *= d;
  std::vector<double> out(count);
  if (count == 0) return out;
  Handle set(H5Dopen2(id(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  Handle xfer = collective_transfer();
  checked(H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, xfer.get(), out.data()),
          "cannot read " + dataset + " from '" + path_ + "'");
  return out;
}

void File::write_strings(const std::string& dataset, const std::vector<std::string>& values) {
  std::size_t longest = 1;
  for (const std::string& v : values) longest = std::max(longest, v.size());
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), longest);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<char> padded(longest * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(), padded.begin() + long(i * longest));
  write_small(*this, dataset, {hsize_t(values.size())}, padded.data(), type.get(), type.get());
}

std::vector<std::string> File::read_strings(const std::string& dataset) const {
  if (!exists(dataset)) throw Error("'" + path_ + "' has no dataset " + dataset);
  Handle set(checked(H5Dopen2(id(), dataset.c_str(), H5P_DEFAULT), "cannot open " + dataset),
             H5Dclose);
  Handle type(H5Dget_type(set.get()), H5Tclose), space(H5Dget_space(set.get()), H5Sclose);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw Error(dataset + " in '" + path_ + "' is not a string dataset");
  const std::size_t count = std::size_t(H5Sget_simple_extent_npoints(space.get()));
  const std::string what = "cannot read " + dataset + " from '" + path_ + "'";
  std::vector<std::string> out;
  if (count == 0) return out;
  // Every rank reads everything: an independent read suffices.
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> text(count, nullptr);
    checked(H5Dread(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), what);
    for (const char* t : text) out.emplace_back(t ? t : "");
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, text.data());
  } else {
    const std::size_t size = H5Tget_size(type.get());
    std::vector<char> padded(size * count);
    checked(H5Dread(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, padded.data()), what);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string s(padded.data() + i * size, size);
      out.push_back(s.substr(0, s.find('\0')));
    }
  }
  return out;
}

}  // namespace nmfx::io
