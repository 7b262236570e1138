"""The workstation verifies the server's certificate: a real HTTPS server on loopback.

A throwaway certificate authority signs the server's certificate. The workstation
refuses it until told to trust that authority (``SSL_CERT_FILE``), refuses a
certificate made out to another name even then, and says why in words; a refused
sign-in keeps no token.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.loopback import RunningServer, serve_in_thread
from tracseq_desktop.services.actor import Actor, utc_now
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.sync.errors import UntrustedServer
from tracseq_desktop.sync.service import SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import Role


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def make_authority(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test lab CA"))
        .issuer_name(_name("Test lab CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # key_cert_sign and crl_sign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = folder / "ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, path


def make_server_cert(
    folder: Path, name: str, authority: tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path], *, ip: bool
) -> tuple[str, str]:
    ca_cert, ca_key, _ = authority
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name)) if ip else x509.DNSName(name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_path, key)
    return str(cert_path), str(key_path)


@pytest.fixture
def authority(tmp_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path]:
    return make_authority(tmp_path)


@contextmanager
def serve(tmp_path: Path, tls: tuple[str, str]) -> Iterator[RunningServer]:
    with serve_in_thread(str(tmp_path / "server.db"), tls=tls) as running:
        create_user(running.db, "keeper", "password-1", Role.MANAGER, ["TLS"], utc_now())
        yield running


@pytest.fixture
def station(tmp_path: Path) -> Iterator[SyncService]:
    services = open_services(tmp_path / "station.db", actor=Actor("keeper", "station"))
    sync = SyncService(services, token_store=MemoryTokenStore())
    try:
        yield sync
    finally:
        sync.close()
        services.close()


def test_a_certificate_from_an_unknown_authority_is_refused_until_trusted(
    tmp_path: Path, authority: tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path], station: SyncService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with serve(tmp_path, make_server_cert(tmp_path, "127.0.0.1", authority, ip=True)) as server:
        assert server.url.startswith("https://")
        with pytest.raises(UntrustedServer, match=r"certificate is not trusted.*SSL_CERT_FILE"):
            station.login(server.url, "keeper", "password-1")
        assert not station.status().user  # nothing kept from the refused sign-in

        monkeypatch.setenv("SSL_CERT_FILE", str(authority[2]))
        station.login(server.url, "keeper", "password-1")
        station._services.locations.create("site", "TLS")
        result = station.sync_now()
        assert (result.pushed, result.applied, result.rejected) == (1, 1, 0)


def test_a_certificate_for_another_name_is_refused_even_from_a_trusted_authority(
    tmp_path: Path, authority: tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path], station: SyncService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(authority[2]))
    cert = make_server_cert(tmp_path, "lab.example", authority, ip=False)
    with serve(tmp_path, cert) as server, pytest.raises(UntrustedServer, match=r"(?i)mismatch"):
        station.login(server.url, "keeper", "password-1")
