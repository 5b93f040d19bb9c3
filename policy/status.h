// Status: success, or an error message. Used across module boundaries instead
// of exceptions (LevelDB style).
#pragma once

#include <string>
#include <utility>

namespace rg {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string msg) { Status s; s.ok_ = false; s.msg_ = std::move(msg); return s; }
  bool ok() const { return ok_; }
  const std::string& message() const { return msg_; }

 private:
  bool ok_ = true;
  std::string msg_;
};

}  // namespace rg
