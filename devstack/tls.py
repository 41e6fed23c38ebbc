"""A local certificate authority and the broker's certificate, so the local Kafka can serve a SASL_SSL listener
like production's: clients configured as production would be (CA file, hostname checked) are tested against it.
Made once per state folder; the CA's key never leaves it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID = timedelta(days=3650)


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    """The CA certificate clients trust (`BACKBONE_KAFKA_SSL_CAFILE`)."""
    keystore: Path
    """The broker's PEM keystore: its private key, then its certificate chain."""


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def ensure_certificates(directory: Path, host: str) -> TlsFiles:
    files = TlsFiles(ca_file=directory / "ca.pem", keystore=directory / "broker.pem")
    if files.ca_file.exists() and files.keystore.exists():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("training-backbone local CA", ca_key, None, ca_key, ca=True)
    broker_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    broker = _certificate("kafka", broker_key, ca.subject, ca_key, ca=False, names=names)
    chain = broker.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    files.keystore.write_bytes(_pem(broker_key) + chain)
    files.keystore.chmod(0o600)
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return files
