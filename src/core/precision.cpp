#include "nmfx/core/precision.hpp"

#include "nmfx/core/error.hpp"

namespace nmfx {

const char* precision_name(Precision precision) {
  return precision == Precision::single ? "single" : "double";
}

Precision parse_precision(const std::string& name, const std::string& flag) {
  if (name == "single") return Precision::single;
  if (name == "double") return Precision::double_precision;
  throw Error(flag + ": unknown value '" + name + "' (choose single or double)");
}

}  // namespace nmfx
