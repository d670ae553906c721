// SPDX-License-Identifier: MIT
//
// mdl::Result<T>: a value or an errno, the way std::expected<T, std::error_code>
// would do it (g++ 12 has no std::expected). Kept deliberately small.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace mdl {

// A failure: an errno value. Build one with mdl::fail(errno).
struct Error {
  int code;
};

[[nodiscard]] inline Error fail(int code) { return Error{code}; }

// Name of an errno value: "EINVAL", "ENOMEM"... or "errno N".
std::string errno_name(int code);

class BadResultAccess : public std::system_error {
 public:
  explicit BadResultAccess(int code)
      : std::system_error(code, std::generic_category(), "mdl::Result has no value") {}
};

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Error>);

 public:
  using value_type = T;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, e.code) {}           // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    check();
    return std::get<0>(v_);
  }
  const T& value() const& {
    check();
    return std::get<0>(v_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The errno, 0 when there is a value.
  [[nodiscard]] int errnum() const noexcept { return has_value() ? 0 : std::get<1>(v_); }
  [[nodiscard]] std::error_code error() const noexcept {
    return {errnum(), std::generic_category()};
  }

 private:
  void check() const {
    if (!has_value()) throw BadResultAccess(std::get<1>(v_));
  }
  std::variant<T, int> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : code_(e.code) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return code_ == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (code_ != 0) throw BadResultAccess(code_);
  }
  [[nodiscard]] int errnum() const noexcept { return code_; }
  [[nodiscard]] std::error_code error() const noexcept {
    return {code_, std::generic_category()};
  }

 private:
  int code_ = 0;
};

using Status = Result<void>;

}  // namespace mdl
