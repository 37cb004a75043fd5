"""What a form POST to the Collections page must show before it may write.

A request that writes to the ledger must come from a page this server gave
out, in a browser that is on that page:

- its body is small (Beancount's parser is slow on long strings; nothing a
  person types into the forms needs more than a few kilobytes);
- it carries the page's form token: an HMAC of the ledger's path under a
  secret made when the server started, which a page of another site cannot
  read (the browser's same-origin policy keeps it from reading ours);
- the `Host` it was sent to is this server's: an IP address, `localhost`,
  or a name configured (a DNS rebinding attack sends another name);
- a browser that says where the request comes from (`Sec-Fetch-Site`,
  `Origin`, `Referer`) says this very origin, scheme and port included.

`X-Forwarded-Host` and `X-Forwarded-Proto` are believed only when the
extension is configured to trust a proxy in front of Fava.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Request

#: Bytes a form body may have: every field at its longest, URL-encoded.
MAX_BODY = 64 * 1024
FIELD = "csrf_token"


class Refusal(NamedTuple):
    status: int
    reason: str


class FormGuard:
    """Checks form POSTs for one ledger; one per Fava process."""

    def __init__(
        self, ledger_path: str, hosts: Iterable[str] = (), trust_proxy: bool = False
    ) -> None:
        self._secret = secrets.token_bytes(32)
        self._ledger = ledger_path
        self.hosts = {h.casefold() for h in hosts} | {"localhost"}
        self.trust_proxy = trust_proxy

    def token(self) -> str:
        """The token the forms of this ledger carry."""
        return hmac.new(self._secret, self._ledger.encode(), hashlib.sha256).hexdigest()

    def refusal(self, request: Request) -> Refusal | None:
        """Why the POST must be refused, or None when it may write.

        Reads the form only once the body is known to be small.
        """
        length = request.content_length
        if length is None or length > MAX_BODY:
            return Refusal(
                413, f"refused: a form of at most {MAX_BODY // 1024} KiB is accepted"
            )
        request.max_content_length = MAX_BODY
        host = self._host(request)
        if not self._known_host(host):
            return Refusal(403, f"refused: this server is not {host!r}")
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site != "same-origin":
            return Refusal(403, "refused: the form was not sent from this page")
        source = request.headers.get("Origin") or request.headers.get("Referer")
        if source and _origin(source) != f"{self._scheme(request)}://{host}":
            return Refusal(403, "refused: the form was not sent from this page")
        sent = request.form.get(FIELD, "")
        if not hmac.compare_digest(sent.encode(), self.token().encode()):
            return Refusal(
                403,
                "refused: the form carries no valid token (reload the page and "
                "send it again)",
            )
        return None

    def _host(self, request: Request) -> str:
        forwarded = request.headers.get("X-Forwarded-Host", "")
        if self.trust_proxy and forwarded.strip():
            return forwarded.split(",")[0].strip().casefold()
        return request.host.casefold()

    def _scheme(self, request: Request) -> str:
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        if self.trust_proxy and forwarded.strip():
            return forwarded.split(",")[0].strip().casefold()
        return request.scheme

    def _known_host(self, host: str) -> bool:
        name = urlsplit(f"//{host}").hostname or ""
        if name in self.hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True  # an address cannot be rebound to another server


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL, as the browser sends it in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".casefold()
