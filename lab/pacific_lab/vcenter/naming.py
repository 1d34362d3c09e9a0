"""Name rules vCenter applies to the ids clients choose (namespaces, VM classes, networks)."""

import re

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check_dns_label(name):
    """Why `name` is not a DNS label (RFC 1123, as Kubernetes uses it), or None when it is."""
    if len(name) > 63:
        return f"{name!r} is longer than 63 characters"
    if not DNS_LABEL.match(name):
        return f"{name!r} is not a DNS label: lower-case letters, digits and '-', starting and ending alphanumeric"
    return None
