"""A real HTTPS server on 127.0.0.1 that answers from a script, and a throwaway PKI for it.

The clients are tested over real sockets and real TLS: what they do with
status codes, headers, dropped connections and certificates is the point.
"""

import datetime
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# A response that closes the connection without answering.
DROP = object()


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca, san=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        key_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(key_usage, critical=True).add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_pki(directory):
    """Write a CA, a server certificate it signed for 127.0.0.1/localhost, and an unrelated CA.

    Returns the paths: ``ca``, ``stranger_ca``, ``server_cert``, ``server_key``.
    """
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(_name("test CA"), _name("test CA"), ca_key.public_key(), ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server_cert = _certificate(_name("localhost"), _name("test CA"), server_key.public_key(), ca_key, ca=False, san=san)
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger_cert = _certificate(_name("stranger CA"), _name("stranger CA"), stranger_key.public_key(), stranger_key, ca=True)

    paths = {name: str(directory / f"{name}.pem") for name in ("ca", "stranger_ca", "server_cert", "server_key")}
    (directory / "ca.pem").write_bytes(_pem(ca_cert))
    (directory / "stranger_ca.pem").write_bytes(_pem(stranger_cert))
    (directory / "server_cert.pem").write_bytes(_pem(server_cert))
    (directory / "server_key.pem").write_bytes(
        server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {}


class ScriptedServer:
    """Answers each ``(method, path)`` with the next scripted response; the last one repeats."""

    def __init__(self, pki):
        self.script = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                server.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
                responses = server.script.get((self.command, path))
                if not responses:
                    response = Response(404, {"error_type": "NOT_FOUND", "messages": [{"id": "x", "default_message": f"no route {path}", "args": []}]})
                elif len(responses) > 1:
                    response = responses.pop(0)
                else:
                    response = responses[0]
                if response is DROP:
                    self.close_connection = True
                    return
                payload = b"" if response.body is None else json.dumps(response.body).encode()
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(pki["server_cert"], pki["server_key"])
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def on(self, method, path, *responses):
        self.script[(method, path)] = list(responses)

    def calls(self, method, path):
        return [request for request in self.requests if request["method"] == method and request["path"].split("?", 1)[0] == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
