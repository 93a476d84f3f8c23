#pragma once
// The floating-point precision of X (--precision) and of stored matrices
// (import --dtype).
#include <string>

namespace nmfx {

enum class Precision { single, double_precision };

/// "single" or "double".
const char* precision_name(Precision precision);
/// The precision called "single" or "double" (Error otherwise, naming the
/// choices; `flag` starts the message, e.g. "--precision").
Precision parse_precision(const std::string& name, const std::string& flag);

}  // namespace nmfx
