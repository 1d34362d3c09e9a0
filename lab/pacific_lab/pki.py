"""The lab CA, the front door's server certificate (SAN localhost, 127.0.0.1),
one certificate per API endpoint address (`endpoint-<ip>.pem`: a Supervisor's,
a guest cluster's) and the client certificates of guest clusters' admins.

Files are reused across runs so that clients which already trust `ca.pem` keep
working; a server certificate is re-issued (by the same CA) only when it is
missing or about to expire.
"""

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .config import LOOPBACK, PKI_DIR, VCENTER_HOSTNAME

CA_VALIDITY = datetime.timedelta(days=3650)
SERVER_VALIDITY = datetime.timedelta(days=825)
RENEW_BEFORE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class LabPki:
    ca_cert: Path
    server_cert: Path
    server_key: Path


# What ensure_pki last checked, by directory: the files' stat signature, and the CA it loaded from them. The lab asks
# for its PKI on each guest cluster's kubeconfig and endpoint; parsing the CA's key each time cost it seconds at scale.
_CHECKED = {}


def _signature(pki_dir):
    names = ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem")
    try:
        return tuple((stat.st_mtime_ns, stat.st_size) for stat in (os.stat(pki_dir / name) for name in names))
    except FileNotFoundError:
        return None


def ensure_pki(pki_dir=PKI_DIR):
    """Create whatever part of the PKI is missing or stale; return its paths."""
    pki_dir = Path(pki_dir)
    checked = _CHECKED.get(pki_dir)
    if checked is not None and checked[0] == _signature(pki_dir):
        return checked[1]
    pki_dir.mkdir(parents=True, exist_ok=True)
    pki = LabPki(pki_dir / "ca.pem", pki_dir / "server.pem", pki_dir / "server-key.pem")
    ca_key_path = pki_dir / "ca-key.pem"

    if pki.ca_cert.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    else:
        ca_key = _new_key()
        ca_cert = _issue_ca(ca_key)
        _write(ca_key_path, _key_pem(ca_key), private=True)
        _write(pki.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
        # A new CA invalidates any server certificate issued by an old one.
        pki.server_cert.unlink(missing_ok=True)

    front_door_names = [x509.DNSName(VCENTER_HOSTNAME), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
    _ensure_server_cert(pki.server_cert, pki.server_key, VCENTER_HOSTNAME, front_door_names, ca_cert, ca_key)
    _CHECKED[pki_dir] = (_signature(pki_dir), pki, ca_cert, ca_key)
    return pki


def ensure_endpoint_certificate(address, pki_dir=PKI_DIR):
    """(certificate, key) paths for a server at IP `address` (a Supervisor API endpoint), from the lab CA."""
    pki_dir = Path(pki_dir)
    ca_cert, ca_key = _lab_ca(pki_dir)
    cert_path, key_path = pki_dir / f"endpoint-{address}.pem", pki_dir / f"endpoint-{address}-key.pem"
    names = [x509.IPAddress(ipaddress.ip_address(address))]
    _ensure_server_cert(cert_path, key_path, address, names, ca_cert, ca_key)
    return cert_path, key_path


def issue_client_certificate(common_name, organizations, pki_dir=PKI_DIR):
    """(certificate PEM, key PEM) of a new client certificate from the lab CA: CN the user, O its groups (as
    kube-apiserver's x509 authenticator reads them)."""
    pki_dir = Path(pki_dir)
    ca_cert, ca_key = _lab_ca(pki_dir)
    key = _new_key()
    subject = x509.Name([*(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        _builder(subject, ca_cert.subject, key.public_key(), SERVER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _lab_ca(pki_dir):
    ensure_pki(pki_dir)
    _, _, ca_cert, ca_key = _CHECKED[Path(pki_dir)]
    return ca_cert, ca_key


def _ensure_server_cert(cert_path, key_path, common_name, alt_names, ca_cert, ca_key):
    if _server_cert_usable(cert_path, key_path, ca_cert):
        return
    server_key = _new_key()
    server_cert = _issue_server(server_key, ca_cert, ca_key, common_name, alt_names)
    _write(key_path, _key_pem(server_key), private=True)
    _write(cert_path, server_cert.public_bytes(serialization.Encoding.PEM))


def _server_cert_usable(path, key_path, ca_cert):
    if not path.exists() or not key_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    fresh = cert.not_valid_after_utc - _now() > RENEW_BEFORE
    # Every lab CA has the same name: compare keys, so a new CA re-issues everything.
    issuer_key = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    return fresh and issuer_key == ca_key_id


def _issue_ca(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pacific.vsphere lab CA")])
    public = key.public_key()
    return (
        _builder(name, name, public, CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _issue_server(key, ca_cert, ca_key, common_name, alt_names):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    san = x509.SubjectAlternativeName(alt_names)
    return (
        _builder(subject, ca_cert.subject, key.public_key(), SERVER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(san, critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _builder(subject, issuer, public_key, validity):
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # Backdated a little so a client clock slightly behind still accepts it.
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _write(path, data, private=False):
    # Write-then-rename so a concurrent reader never sees half a PEM file.
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)
