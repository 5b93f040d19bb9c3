#include "server/kube/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "certs/base64.h"
#include "manifests/documents.h"

namespace rg::kube {
namespace {

bool read_whole(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read file";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

// One kubeconfig file, parsed as kubectl reads it (YAML 1.1 scalars, through
// the manifests' reader): a JSON document.
struct KubeconfigFile {
  std::string path;
  std::filesystem::path dir;
  json root;
};

// Finds the entry named `name` in list `list` ("clusters", "users",
// "contexts") of the first file that has it; points *out at its inner value
// (`field`: "cluster", "user", "context"), or at nullptr when it has none.
const KubeconfigFile* find_named(const std::vector<KubeconfigFile>& files, const char* list, const char* field,
                                 const std::string& name, const json** out) {
  for (const auto& f : files) {
    auto items = f.root.find(list);
    if (items == f.root.end() || !items->is_array()) continue;
    for (const json& item : *items) {
      if (!item.is_object()) continue;
      auto n = item.find("name");
      if (n != item.end() && n->is_string() && n->get_ref<const std::string&>() == name) {
        auto inner = item.find(field);
        *out = inner == item.end() ? nullptr : &*inner;
        return &f;
      }
    }
  }
  return nullptr;
}

// Reads an optional string field; errors when present but not a string (as
// kubectl does: `token: 12345` is a number and must be quoted).
Status scalar_field(const json* map, const char* key, const std::string& where, std::string* out) {
  if (map == nullptr || !map->is_object()) return Status::Ok();
  auto n = map->find(key);
  if (n == map->end() || n->is_null()) return Status::Ok();
  if (!n->is_string()) return Status::Error(where + ": " + key + " must be a string (quote it)");
  *out = n->get<std::string>();
  return Status::Ok();
}

std::string resolve(const KubeconfigFile& f, const std::string& p) {
  if (p.empty()) return p;
  std::filesystem::path path(p);
  if (path.is_relative()) path = f.dir / path;
  return path.string();
}

Status decode_field(const std::string& b64, const std::string& where, const char* key, std::string* out) {
  if (b64.empty()) return Status::Ok();
  if (!base64_decode(b64, out)) return Status::Error(where + ": " + key + " is not valid base64");
  return Status::Ok();
}

}  // namespace

TokenFile::TokenFile(std::string path, std::chrono::milliseconds recheck)
    : path_(std::move(path)), recheck_(recheck) {}

std::string TokenFile::token(std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - checked_ < recheck_) return token_;
  checked_ = now;
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path_, ec);
  auto size = ec ? 0 : std::filesystem::file_size(path_, ec);
  if (ec) {
    if (error) *error = path_ + ": cannot read token file: " + ec.message();
    return token_;
  }
  if (loaded_ && mtime == mtime_ && size == size_) return token_;
  std::string text, err;
  if (!read_whole(path_, &text, &err)) {
    if (error) *error = err;
    return token_;
  }
  token_ = trim(text);
  mtime_ = mtime;
  size_ = size;
  loaded_ = true;
  return token_;
}

std::string Config::bearer_token(std::string* error) const {
  if (token_file) return token_file->token(error);
  return token;
}

Status load_in_cluster_config(Config* out, const InClusterPaths& paths) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    return Status::Error("in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
                         "(not running in a pod? use --kubeconfig)");
  }
  Config c;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + port;
  c.token_file = std::make_shared<TokenFile>(paths.token);
  std::string err;
  if (c.token_file->token(&err).empty()) {
    return Status::Error("in-cluster config: " + (err.empty() ? paths.token + ": token file is empty" : err));
  }
  if (!std::filesystem::exists(paths.ca)) {
    return Status::Error("in-cluster config: " + paths.ca + ": CA file not found");
  }
  c.ca_file = paths.ca;
  std::string ns;
  if (read_whole(paths.ns, &ns, &err) && !trim(ns).empty()) c.default_namespace = trim(ns);
  c.source = "in-cluster";
  *out = std::move(c);
  return Status::Ok();
}

Status load_kubeconfig(const std::vector<std::string>& paths, std::string_view context, Config* out) {
  std::vector<KubeconfigFile> files;
  for (const auto& p : paths) {
    if (p.empty() || !std::filesystem::exists(p)) continue;
    KubeconfigFile f;
    f.path = p;
    f.dir = std::filesystem::absolute(p).parent_path();
    std::string text, err;
    if (!read_whole(p, &text, &err)) return Status::Error(err);
    if (!parse_single_document(text, p, &f.root, &err)) return Status::Error(err);
    if (f.root.is_null()) f.root = json::object();  // an empty file, as kubectl takes it
    if (!f.root.is_object()) return Status::Error(p + ": a kubeconfig must be a YAML mapping");
    files.push_back(std::move(f));
  }
  if (files.empty()) {
    std::string list;
    for (const auto& p : paths) list += (list.empty() ? "" : ", ") + p;
    return Status::Error("kubeconfig: no file found (looked for " + (list.empty() ? "nothing" : list) + ")");
  }
  std::string first = files.front().path;

  std::string ctx_name(context);
  if (ctx_name.empty()) {
    for (const auto& f : files) {
      std::string cur;
      Status s = scalar_field(&f.root, "current-context", f.path, &cur);
      if (!s.ok()) return s;
      if (!cur.empty()) {
        ctx_name = cur;
        break;
      }
    }
    if (ctx_name.empty()) return Status::Error(first + ": current-context is not set (pass --context)");
  }

  const json* ctx = nullptr;
  const KubeconfigFile* cf = find_named(files, "contexts", "context", ctx_name, &ctx);
  if (!cf) return Status::Error(first + ": contexts: no context named \"" + ctx_name + "\"");
  std::string ctx_where = cf->path + ": contexts[" + ctx_name + "].context";
  if (ctx == nullptr || !ctx->is_object()) return Status::Error(ctx_where + ": must be a mapping");
  std::string cluster_name, user_name, ns;
  for (auto [key, dst] : {std::pair{"cluster", &cluster_name}, {"user", &user_name}, {"namespace", &ns}}) {
    Status s = scalar_field(ctx, key, ctx_where, dst);
    if (!s.ok()) return s;
  }
  if (cluster_name.empty()) return Status::Error(ctx_where + ": cluster is not set");

  Config c;
  c.source = cf->path + " (context " + ctx_name + ")";
  if (!ns.empty()) c.default_namespace = ns;

  const json* cluster = nullptr;
  const KubeconfigFile* clf = find_named(files, "clusters", "cluster", cluster_name, &cluster);
  if (!clf) return Status::Error(cf->path + ": clusters: no cluster named \"" + cluster_name + "\" (used by context \"" + ctx_name + "\")");
  std::string cl_where = clf->path + ": clusters[" + cluster_name + "].cluster";
  if (cluster == nullptr || !cluster->is_object()) return Status::Error(cl_where + ": must be a mapping");
  std::string ca_file, ca_data;
  for (auto [key, dst] : {std::pair{"server", &c.server}, {"certificate-authority", &ca_file},
                          {"certificate-authority-data", &ca_data}}) {
    Status s = scalar_field(cluster, key, cl_where, dst);
    if (!s.ok()) return s;
  }
  if (c.server.empty()) return Status::Error(cl_where + ": server is not set");
  c.server_field = cl_where + ": server";
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0) {
    return Status::Error(cl_where + ": server \"" + c.server + "\" must start with https:// or http://");
  }
  while (c.server.size() > 8 && c.server.back() == '/') c.server.pop_back();
  if (auto insecure = cluster->find("insecure-skip-tls-verify"); insecure != cluster->end()) {
    // A boolean (`true`, `yes`, `on` ... in YAML 1.1); the quoted "true" and "false" are taken too.
    if (insecure->is_boolean()) c.insecure_skip_tls_verify = insecure->get<bool>();
    else if (*insecure == "true" || *insecure == "false") c.insecure_skip_tls_verify = *insecure == "true";
    else if (!insecure->is_null()) return Status::Error(cl_where + ": insecure-skip-tls-verify must be true or false");
  }
  c.ca_file = resolve(*clf, ca_file);
  if (Status s = decode_field(ca_data, cl_where, "certificate-authority-data", &c.ca_pem); !s.ok()) return s;

  if (!user_name.empty()) {
    const json* user = nullptr;
    const KubeconfigFile* uf = find_named(files, "users", "user", user_name, &user);
    if (!uf) return Status::Error(cf->path + ": users: no user named \"" + user_name + "\" (used by context \"" + ctx_name + "\")");
    std::string u_where = uf->path + ": users[" + user_name + "].user";
    if (user != nullptr && !user->is_object() && !user->is_null()) return Status::Error(u_where + ": must be a mapping");
    if (user != nullptr && user->is_object()) {
      if (user->contains("exec")) return Status::Error(u_where + ": exec credential plugins are not supported; use a token or client certificate");
      if (user->contains("auth-provider")) return Status::Error(u_where + ": auth-provider plugins are not supported; use a token or client certificate");
      if (user->contains("username") || user->contains("password")) return Status::Error(u_where + ": basic authentication is not supported; use a token or client certificate");
      std::string token_file, cert_file, cert_data, key_file, key_data;
      for (auto [key, dst] : {std::pair{"token", &c.token}, {"tokenFile", &token_file},
                              {"client-certificate", &cert_file}, {"client-certificate-data", &cert_data},
                              {"client-key", &key_file}, {"client-key-data", &key_data}}) {
        Status s = scalar_field(user, key, u_where, dst);
        if (!s.ok()) return s;
      }
      if (!c.token.empty()) c.token_field = u_where + ": token";
      if (!token_file.empty() && c.token.empty()) {
        c.token_field = u_where + ": tokenFile";
        c.token_file = std::make_shared<TokenFile>(resolve(*uf, token_file));
        std::string err;
        if (c.token_file->token(&err).empty() && !err.empty()) return Status::Error(u_where + ": tokenFile: " + err);
      }
      c.client_cert_file = resolve(*uf, cert_file);
      c.client_key_file = resolve(*uf, key_file);
      if (Status s = decode_field(cert_data, u_where, "client-certificate-data", &c.client_cert_pem); !s.ok()) return s;
      if (Status s = decode_field(key_data, u_where, "client-key-data", &c.client_key_pem); !s.ok()) return s;
      bool has_cert = !c.client_cert_file.empty() || !c.client_cert_pem.empty();
      bool has_key = !c.client_key_file.empty() || !c.client_key_pem.empty();
      if (has_cert != has_key) {
        return Status::Error(u_where + ": " + (has_cert ? "client-certificate is set without client-key"
                                                        : "client-key is set without client-certificate"));
      }
    }
  }
  *out = std::move(c);
  return Status::Ok();
}

Status load_config(std::string_view kubeconfig_flag, std::string_view context, Config* out) {
  if (!kubeconfig_flag.empty()) {
    std::string p(kubeconfig_flag);
    if (!std::filesystem::exists(p)) return Status::Error("--kubeconfig " + p + ": file not found");
    return load_kubeconfig({p}, context, out);
  }
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::vector<std::string> files;
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) files.push_back(list.substr(start, end - start));
      start = end + 1;
    }
    return load_kubeconfig(files, context, out);
  }
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host && *host && context.empty()) {
    return load_in_cluster_config(out);
  }
  const char* home = std::getenv("HOME");
  std::string def = std::string(home ? home : "") + "/.kube/config";
  if (!std::filesystem::exists(def)) {
    return Status::Error("no Kubernetes config: pass --kubeconfig, set KUBECONFIG, or run in a pod (looked for " + def + ")");
  }
  return load_kubeconfig({def}, context, out);
}

}  // namespace rg::kube
