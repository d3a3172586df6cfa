"""TLS and mutual TLS against a grpcio server with certificates made by
openssl for the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Dict

import grpc
import pytest

import aires

from .collector import Collector


def _openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Dict[str, str]:
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl not found (apt-get install -y openssl)")
        pytest.skip("openssl not found (set CI=1 to make this a failure)")
    d = str(tmp_path_factory.mktemp("certs"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=aires test CA",
             cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        _openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name, cwd=d)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", name + ".pem", "-days", "2", "-extfile", "san.ext", cwd=d)
    return {n: os.path.join(d, n) for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _server_credentials(certs: Dict[str, str], mutual: bool) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials([(_read(certs["server.key"]), _read(certs["server.pem"]))],
                                       root_certificates=_read(certs["ca.pem"]) if mutual else None,
                                       require_client_auth=mutual)


def test_tls_with_a_ca_file(certs, make_client):
    col = Collector(credentials=_server_credentials(certs, mutual=False))
    try:
        c = make_client(endpoint=col.endpoint, tls_ca_file=certs["ca.pem"], api_key="k")
        c.info("encrypted")
        assert c.flush(30)
        assert c.stats().sent == 1
        assert col.metadata[0]["authorization"] == "Bearer k"
    finally:
        col.stop()


def test_plaintext_client_to_a_tls_collector_fails_and_counts(certs, make_client):
    col = Collector(credentials=_server_credentials(certs, mutual=False))
    try:
        c = make_client(endpoint=col.endpoint, max_retries=0)
        c.info("not encrypted")
        assert c.flush(30)
        assert c.stats() == aires.Stats(1, 0, 0, 1)
    finally:
        col.stop()


def test_mutual_tls(certs, make_client):
    col = Collector(credentials=_server_credentials(certs, mutual=True))
    try:
        with_cert = make_client(endpoint=col.endpoint, tls_ca_file=certs["ca.pem"],
                                tls_cert_file=certs["client.pem"], tls_key_file=certs["client.key"])
        without = make_client(endpoint=col.endpoint, tls_ca_file=certs["ca.pem"], max_retries=0)
        with_cert.info("mutual")
        without.info("no client certificate")
        assert with_cert.flush(30) and without.flush(30)
        assert with_cert.stats().sent == 1
        assert without.stats().failed == 1
        assert [e.message for e in col.events()] == ["mutual"]
    finally:
        col.stop()


def test_a_file_that_is_no_pem_is_refused(tmp_path):
    p = tmp_path / "ca.pem"
    p.write_text("not a certificate")
    with pytest.raises(ValueError, match="tls_ca_file .* no PEM"):
        aires.Client(tls_ca_file=str(p))
