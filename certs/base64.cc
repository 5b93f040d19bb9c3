#include "certs/base64.h"

#include <openssl/evp.h>

#include <limits>

namespace rg {

std::string base64_encode(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max() / 4 * 3)) return {};  // > 1.5 GiB
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a NUL
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string* out) {
  std::string clean;
  clean.reserve(text.size() + 2);
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
  }
  // EVP_DecodeBlock takes "aG=s" and "====": check the padding here.
  const size_t data = clean.find('=');
  if (data != std::string::npos) {
    if (clean.size() - data > 2 || clean.find_first_not_of('=', data) != std::string::npos) return false;
    clean.resize(data);
  }
  if (clean.size() % 4 == 1) return false;
  const size_t pad = (4 - clean.size() % 4) % 4;
  clean.append(pad, '=');
  if (clean.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return false;
  std::string decoded(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return false;  // a character outside the alphabet
  decoded.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  *out = std::move(decoded);
  return true;
}

}  // namespace rg
