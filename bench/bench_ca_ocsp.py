"""OCSP responses per second over HTTP on 127.0.0.1, through the proxy: SEKAP as deployed
(Debian's nginx, 2 workers, running deploy/nginx-ocsp.conf: GETs answered from the responses
the beat job pre-signed, POSTs passed to gunicorn with 2 sync workers on the ``certauth.wsgi``
lean path) vs ``openssl ocsp -index ... -port`` (signing every response; run with ``-multi 2``
so both sides have two worker processes) answering the same certificates with the same
responder key, for the same requests: RFC 5019 GETs (the headline ratio) and POSTs. The load
generator is bounded: a fixed number of requests from a fixed number of client processes, one
connection per request (openssl's responder speaks HTTP/1.0 without keep-alive).

    .venv/bin/python bench/bench_ca_ocsp.py [requests] [clients]
    BENCH_KEY_TYPE=RSA-2048 .venv/bin/python bench/bench_ca_ocsp.py   # RSA responder on both

Medians of three alternating rounds are printed.
"""

from __future__ import annotations

import base64
import http.client
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import quote

from bench_ca_common import ROOT, setup


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


def _post(port: int, path: str, body: bytes | None) -> bytes:
    """POST ``body`` to ``path``; with ``body`` None, GET ``path`` (RFC 6960 Appendix A.1)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    if body is None:
        conn.request("GET", path)
    else:
        conn.request("POST", path, body, {"Content-Type": "application/ocsp-request"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status} for {path}")
    return data


def _client(args: tuple) -> int:
    port, requests, count = args
    done = 0
    for i in range(count):
        path, body = requests[i % len(requests)]
        _post(port, path, body)
        done += 1
    return done


def _load(port: int, requests: list[tuple[str, bytes | None]], total: int, clients: int) -> float:
    per = total // clients
    # "spawn": light client processes, not forks of this Django-loaded one (whose heap would
    # slow every client down and flatten the difference between the servers).
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        start = time.perf_counter()
        done = sum(pool.map(_client, [(port, requests, per)] * clients))
        elapsed = time.perf_counter() - start
    return done / elapsed


def _gets(prefix: str, bodies: list[bytes]) -> list[tuple[str, bytes | None]]:
    # The base64 URL-encoded, as RFC 6960 Appendix A.1 asks (nginx decodes it for the lookup).
    return [(prefix + quote(base64.b64encode(body).decode(), safe=""), None) for body in bodies]


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    workdir = setup("ocsp")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509 import ocsp

    from certauth import keys, nginx_harness
    from certauth.models import CertificateAuthority, Profile, ServiceIdentity
    from certauth.services.issuance import certificate_issue, citizen_subject
    from certauth.services.ocsp_presign import ocsp_presign_due, presigned_dir

    ca = CertificateAuthority.objects.get(slug="sekap-issuing")
    issuer = x509.load_der_x509_certificate(bytes(ca.certificate_der))
    profile = Profile.objects.get(slug="citizen-signing")
    subject = citizen_subject(given_name="Anna", surname="Nowak", pesel="44051401359")
    index_lines, bodies = [], []
    for _ in range(200):
        row = certificate_issue(
            ca=ca,
            profile=profile,
            subject=subject,
            actor=None,
            public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
        )
        cert = x509.load_der_x509_certificate(bytes(row.der))
        expiry = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
        serial = row.serial_hex.upper()
        serial = serial if len(serial) % 2 == 0 else "0" + serial  # openssl wants whole octets
        index_lines.append(f"V\t{expiry}\t\t{serial}\tunknown\t/CN=x\n")
        bodies.append(
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, hashes.SHA1())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
    ocsp_presign_due()  # the beat job: anything issuance did not sign yet is signed now
    presigned = sum(1 for p in (presigned_dir() / "pki" / "ocsp").rglob("*") if p.is_file())
    service = ServiceIdentity.objects.get(kind="ocsp")
    signer = keys.load_signer(service.key_ref)
    pem = serialization.Encoding.PEM
    (workdir / "index.txt").write_text("".join(index_lines))
    (workdir / "index.txt.attr").write_text("unique_subject = no\n")
    (workdir / "issuing.pem").write_bytes(issuer.public_bytes(pem))
    (workdir / "ocsp.pem").write_bytes(
        x509.load_der_x509_certificate(bytes(service.certificate.der)).public_bytes(pem)
    )
    key_file = workdir / "ocsp.key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:  # bench only: openssl needs the key in clear
        handle.write(
            signer.soft_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "ERROR"}

    ours_port, peer_port = _free_port(), _free_port()
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{ours_port}",
            "--log-level",
            "warning",
            "certauth.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peer = subprocess.Popen(
        [
            "openssl",
            "ocsp",
            "-index",
            str(workdir / "index.txt"),
            "-port",
            str(peer_port),
            "-rsigner",
            str(workdir / "ocsp.pem"),
            "-rkey",
            str(key_file),
            "-CA",
            str(workdir / "issuing.pem"),
            "-multi",
            "2",
            "-ignore_err",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # with -multi, openssl calls setsid() itself: its process group id is its pid
    proxy = None
    try:
        _wait(ours_port)
        _wait(peer_port)
        proxy = nginx_harness.Nginx(
            root=presigned_dir(), upstream_port=ours_port, work=workdir / "nginx"
        )
        sides = {  # name: (port, requests)
            "SEKAP nginx GET (pre-signed files)": (proxy.port, _gets("/pki/ocsp/", bodies)),
            "openssl ocsp -multi 2, GET": (peer_port, _gets("/", bodies)),
            "SEKAP nginx POST (-> gunicorn -w 2)": (proxy.port, [("/pki/ocsp", b) for b in bodies]),
            "openssl ocsp -multi 2, POST": (peer_port, [("/", b) for b in bodies]),
        }
        for port, requests in sides.values():  # warm up; every answer must say good
            for path, body in requests:
                try:
                    ok = ocsp.load_der_ocsp_response(_post(port, path, body))
                except Exception as error:
                    log = (workdir / "nginx" / "error.log").read_text()[-2000:]
                    raise RuntimeError(f"{port} {path}: {log}") from error
                assert ok.certificate_status == ocsp.OCSPCertStatus.GOOD
        # Alternate three rounds each so drifting load on a shared machine hits every side.
        runs: dict[str, list[float]] = {name: [] for name in sides}
        for _round in range(3):
            for name, (port, requests) in sides.items():
                runs[name].append(_load(port, requests, total, clients))
        medians = {name: sorted(values)[1] for name, values in runs.items()}
    finally:
        if proxy is not None:
            proxy.stop()
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        os.killpg(peer.pid, signal.SIGKILL)  # the -multi parent and its children
        peer.wait(timeout=10)
    print(
        f"{total} requests x 3 rounds, {clients} client processes, responder key "
        f"{signer.key_type}, {presigned} pre-signed files, load average {os.getloadavg()}"
    )
    for name, value in medians.items():
        print(f"{name:38s} {value:8.0f} responses/s  rounds {[round(r) for r in runs[name]]}")
    get, peer_get, post, peer_post = medians.values()
    print(f"ratio GET  (through the proxy vs openssl): {get / peer_get:.2f}x")
    print(f"ratio POST (through the proxy vs openssl): {post / peer_post:.2f}x")


if __name__ == "__main__":
    main()
