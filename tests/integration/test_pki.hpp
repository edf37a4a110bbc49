#pragma once
// A throwaway certificate authority made with OpenSSL at test time: P-256 keys, a CA
// certificate and server certificates with the subjectAltNames a test asks for.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace mcpx::test {

struct issued_cert {
  std::string cert_pem, key_pem;
};

class test_ca {
 public:
  explicit test_ca(const std::string& cn) : key_(new_key()), cert_(X509_new(), X509_free) {
    build(cert_.get(), cn, key_.get(), nullptr, key_.get());
    add_ext(cert_.get(), cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert_.get(), cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert_.get(), cert_.get(), NID_subject_key_identifier, "hash");
    sign(cert_.get(), key_.get());
  }

  std::string cert_pem() const { return pem_of(cert_.get()); }

  /// A server certificate for `san` ("DNS:localhost,IP:127.0.0.1"); `eku` "clientAuth" for a
  /// client certificate.
  issued_cert issue(const std::string& cn, const std::string& san, const std::string& eku = "serverAuth") const {
    auto key = new_key();
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    build(x.get(), cn, key.get(), cert_.get(), nullptr);
    add_ext(x.get(), cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x.get(), cert_.get(), NID_ext_key_usage, eku);
    add_ext(x.get(), cert_.get(), NID_subject_alt_name, san);
    add_ext(x.get(), cert_.get(), NID_authority_key_identifier, "keyid");
    sign(x.get(), key_.get());
    std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(b.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return {pem_of(x.get()), read_all(b.get())};
  }

  /// Writes the CA certificate to a file in the temp directory; returns its path.
  std::string write_ca_file(const std::string& name) const {
    auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".pem");
    std::ofstream(path) << cert_pem();
    return path.string();
  }

 private:
  using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

  static key_ptr new_key() {
    key_ptr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
    if (!k) throw std::runtime_error("keygen failed");
    return k;
  }
  static void build(X509* x, const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY*) {
    static long serial = 1;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
  }
  static void add_ext(X509* x, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!e) throw std::runtime_error("bad extension " + value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  static void sign(X509* x, EVP_PKEY* key) {
    if (X509_sign(x, key, EVP_sha256()) <= 0) throw std::runtime_error("sign failed");
  }
  static std::string read_all(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
  }
  static std::string pem_of(X509* x) {
    std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(b.get(), x);
    return read_all(b.get());
  }

  key_ptr key_;
  std::unique_ptr<X509, decltype(&X509_free)> cert_;
};

}  // namespace mcpx::test
