"""Write a kubeconfig for another user of the lab's Supervisor, as 'kubectl vsphere login' would for that user.

Usage: supervisor_user.py RUN_DIR SUPERVISOR_ID USER SERVER CA_CERT OUTPUT

The lab's vCenter knows one user, an administrator who may edit every
namespace; a test of what other users may do needs a session of someone
else. The lab signs its session tokens (JWT, HS256) with the key in
RUN_DIR/supervisor/session.key, for the Supervisor SUPERVISOR_ID (the moid of
its cluster); this signs one for USER, member of no group, valid for an hour.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time


def encoded(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(key, supervisor_id, user):
    now = int(time.time())
    header = encoded(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"iss": "https://lab.pacific.vsphere/wcp", "aud": supervisor_id, "sub": user, "groups": [], "iat": now, "exp": now + 3600}
    payload = encoded(json.dumps(claims).encode())
    signature = encoded(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def main(run_dir, supervisor_id, user, server, ca_cert, output):
    with open(os.path.join(run_dir, "supervisor", "session.key"), "rb") as handle:
        key = handle.read()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "supervisor", "cluster": {"server": server, "certificate-authority": ca_cert}}],
        "users": [{"name": user, "user": {"token": token(key, supervisor_id, user)}}],
        "contexts": [{"name": user, "context": {"cluster": "supervisor", "user": user}}],
        "current-context": user,
    }
    with open(output, "w") as handle:
        json.dump(config, handle)  # JSON is YAML


if __name__ == "__main__":
    main(*sys.argv[1:])
