// Typed, checked access to XIR attributes. XIR's own get_attr<T> aborts on
// a missing key and throws std::bad_any_cast on a wrong type; these return a
// Status that names the owner instead. Works for xir::Op, xir::Tensor and
// xir::Subgraph (all have has_attr(key) and get_attr(key) -> xir::any).
#pragma once

#include <cxxabi.h>

#include <any>
#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

#include "signdpu/core/status.h"

namespace signdpu::xmodel {

inline std::string TypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

template <typename T, typename Owner>
Result<T> GetAttr(const Owner* owner, const std::string& key, const std::string& where) {
  if (!owner->has_attr(key)) return InvalidArgument(where + ": missing attribute '" + key + "'");
  std::any value;
  try {
    value = owner->get_attr(key);
  } catch (const std::exception& e) {
    return Internal(where + ": reading attribute '" + key + "' failed: " + e.what());
  }
  if (value.type() != typeid(T))
    return InvalidArgument(where + ": attribute '" + key + "' has type " + TypeName(value.type()) +
                           ", expected " + TypeName(typeid(T)));
  return std::any_cast<T>(value);
}

// Absent -> `fallback`; present with the wrong type -> error.
template <typename T, typename Owner>
Result<T> GetAttrOr(const Owner* owner, const std::string& key, T fallback, const std::string& where) {
  if (!owner->has_attr(key)) return fallback;
  return GetAttr<T>(owner, key, where);
}

// True when present with type T (no error for a wrong type: used for probes).
template <typename T, typename Owner>
bool HasAttrOfType(const Owner* owner, const std::string& key) {
  if (!owner->has_attr(key)) return false;
  try {
    return owner->get_attr(key).type() == typeid(T);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace signdpu::xmodel
