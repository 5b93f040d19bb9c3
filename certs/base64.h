// Base64 (RFC 4648, standard alphabet) through OpenSSL's EVP_EncodeBlock and
// EVP_DecodeBlock: the one encoder and decoder the project uses (webhook
// patches, caBundle, kubeconfig *-data fields).
#pragma once

#include <string>
#include <string_view>

namespace rg {

// Padded, no line breaks.
std::string base64_encode(std::string_view bytes);

// Accepts what kubectl's kubeconfig fields hold in practice: whitespace and
// line breaks anywhere are ignored and the padding may be left out. False, with
// *out untouched, on any other character, on '=' other than one or two at the
// end, and on a length that no encoding has (4n+1 characters).
bool base64_decode(std::string_view text, std::string* out);

}  // namespace rg
