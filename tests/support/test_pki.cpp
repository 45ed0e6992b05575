// The test CA and its server certificates, through OpenSSL 3's library.
#include "test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <stdexcept>

namespace capprobe::testing {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* pointer) const { Free(pointer); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const std::string& what) {
  char reason[256] = "";
  ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
  throw std::runtime_error("test PKI: " + what + ": " + reason);
}

KeyPtr new_key() {
  std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!context || EVP_PKEY_keygen_init(context.get()) <= 0 ||
      EVP_PKEY_CTX_set_group_name(context.get(), "P-256") <= 0 ||
      EVP_PKEY_generate(context.get(), &key) <= 0)
    fail("making an EC P-256 key");
  return KeyPtr(key);
}

void add_extension(X509* certificate, X509V3_CTX& context, int nid, const char* value) {
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (!extension || !X509_add_ext(certificate, extension, -1))
    fail(std::string("extension ") + value);
  X509_EXTENSION_free(extension);
}

// issuer/issuer_key null: self-signed (the CA).
CertPtr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                         EVP_PKEY* issuer_key) {
  CertPtr certificate(X509_new());
  if (!certificate) fail("X509_new");
  std::uint64_t serial = 0;
  // A random serial: some clients refuse two certificates of one issuer with the same serial.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) fail("RAND_bytes");
  X509_set_version(certificate.get(), 2);  // v3
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate.get()), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600);
  X509_set_pubkey(certificate.get(), key);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  const bool is_ca = issuer == nullptr;
  X509_set_issuer_name(certificate.get(), is_ca ? name : X509_get_subject_name(issuer));
  X509V3_CTX context;
  X509V3_set_ctx(&context, is_ca ? certificate.get() : issuer, certificate.get(), nullptr, nullptr,
                 0);
  add_extension(certificate.get(), context, NID_basic_constraints,
                is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(certificate.get(), context, NID_key_usage,
                is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(certificate.get(), context, NID_subject_key_identifier, "hash");
  if (!is_ca) {
    add_extension(certificate.get(), context, NID_authority_key_identifier, "keyid:always");
    add_extension(certificate.get(), context, NID_ext_key_usage, "serverAuth");
    add_extension(certificate.get(), context, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  if (X509_sign(certificate.get(), is_ca ? key : issuer_key, EVP_sha256()) <= 0)
    fail("signing " + common_name);
  return certificate;
}

void write_certificate(const std::string& path, X509* certificate) {
  BioPtr file(BIO_new_file(path.c_str(), "w"));
  if (!file || PEM_write_bio_X509(file.get(), certificate) != 1) fail("writing " + path);
}

void write_key(const std::string& path, EVP_PKEY* key) {
  BioPtr file(BIO_new_file(path.c_str(), "w"));
  if (!file ||
      PEM_write_bio_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("writing " + path);
}

}  // namespace

struct TestCa::Key {
  KeyPtr key;
  CertPtr certificate;
};

TestCa::TestCa(std::string dir, const std::string& common_name)
    : dir_(std::move(dir)), certificate_(dir_ + "/ca.crt"), key_(std::make_unique<Key>()) {
  key_->key = new_key();
  key_->certificate = make_certificate(key_->key.get(), common_name, nullptr, nullptr);
  write_certificate(certificate_, key_->certificate.get());
}

TestCa::~TestCa() = default;

const std::string& TestCa::certificate() const {
  return certificate_;
}

PemFiles TestCa::issue(const std::string& name, const std::string& common_name) const {
  const auto key = new_key();
  const auto certificate =
      make_certificate(key.get(), common_name, key_->certificate.get(), key_->key.get());
  PemFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  write_certificate(files.certificate, certificate.get());
  write_key(files.private_key, key.get());
  return files;
}

}  // namespace capprobe::testing
