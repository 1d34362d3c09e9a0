"""Supervisor login as the vSphere plugin for kubectl does it.

`POST /wcp/login` with the vCenter user's basic credentials answers
`{"session_id": <token>}`; every other request carries that token as
`Authorization: Bearer <token>`. The token is a JWT (HS256) naming the
user, its SSO groups, the Supervisor it is for and when it expires, so it
keeps working across a lab restart and a token for one Supervisor is refused
by another, as on vSphere. The signing key lives in the lab's state
directory and is replaced on reset, which ends every session.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time

from .apimachinery import errors
from .apimachinery.registry import Caller
from .directory import Principal

SESSION_LIFETIME = 10 * 3600  # the plugin's tokens last 10 hours
USER_PREFIX = "sso:"  # how the Supervisor names vCenter SSO users and groups in Kubernetes


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionKeys:
    """The token signing key, kept in a file so that sessions survive a restart."""

    def __init__(self, path):
        self.path = path
        self.key = self._load()

    def rotate(self):
        self.path.unlink(missing_ok=True)
        self.key = self._load()

    def _load(self):
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        return self.path.read_bytes()


class Sessions:
    def __init__(self, keys, directory, audience, lifetime=SESSION_LIFETIME):
        self.keys = keys
        self.directory = directory
        self.audience = audience
        self.lifetime = lifetime

    def issue(self, principal):
        now = int(time.time())
        claims = {"iss": "https://lab.pacific.vsphere/wcp", "aud": self.audience, "sub": principal.username,
                  "groups": list(principal.groups), "iat": now, "exp": now + self.lifetime}
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        return f"{header}.{payload}.{self._sign(header, payload)}"

    def verify(self, token):
        """The Principal of a valid, unexpired token for this Supervisor, else None."""
        try:
            header, payload, signature = token.split(".")
            claims = json.loads(_unb64(payload))
        except (ValueError, binascii.Error):
            return None
        if not hmac.compare_digest(signature, self._sign(header, payload)):
            return None
        if claims.get("aud") != self.audience or claims.get("exp", 0) <= time.time():
            return None
        return Principal(claims["sub"], tuple(claims.get("groups") or ()))

    def _sign(self, header, payload):
        return _b64(hmac.new(self.keys.key, f"{header}.{payload}".encode(), hashlib.sha256).digest())

    # ---- HTTP hooks ---------------------------------------------------------------------

    def login(self, handler):
        """The /wcp/login route: (status, body) for the API layer."""
        if handler.command != "POST":
            raise errors.method_not_allowed()
        credentials = handler.headers.get("Authorization", "")
        scheme, _, encoded = credentials.partition(" ")
        principal = None
        if scheme.lower() == "basic":
            try:
                username, _, password = base64.b64decode(encoded).decode().partition(":")
            except (ValueError, binascii.Error):
                username, password = "", ""
            principal = self.directory.authenticate(username, password)
        if principal is None:
            raise errors.unauthorized()
        return 200, {"session_id": self.issue(principal)}

    def authenticate(self, handler):
        """The Caller of a request with a valid bearer token, else None."""
        scheme, _, token = handler.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        principal = self.verify(token.strip())
        if principal is None:
            return None
        return Caller(USER_PREFIX + principal.username, tuple(USER_PREFIX + g for g in principal.groups),
                      handler.headers.get("User-Agent", ""))
