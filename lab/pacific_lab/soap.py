"""Just enough SOAP for the front door: name the call, and speak for vcsim where it can't.

Parsing is regex based on purpose: it runs on every proxied request, and the
operation plus `_this` is all the request log needs.
"""

import re
from typing import NamedTuple, Optional

_OPERATION = re.compile(rb"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")
_THIS = re.compile(
    rb"<(?:[\w.-]+:)?_this\b[^>]*?\btype=[\"']([^\"']+)[\"'][^>]*>\s*([^<\s]*)\s*</"
)
_FETCH_PROP = re.compile(rb"<(?:[\w.-]+:)?prop\b[^>]*>\s*([^<\s]*)\s*</")


class SoapCall(NamedTuple):
    operation: Optional[str]
    target: Optional[str]  # moid of _this
    target_type: Optional[str]


NOT_SOAP = SoapCall(None, None, None)


def parse_call(body):
    """Operation and `_this` of a SOAP request body (bytes); fields are None when absent."""
    operation = _OPERATION.search(body)
    if operation is None:
        return NOT_SOAP
    # `_this` is the first element of the operation, so search right after it.
    this = _THIS.search(body, operation.end())
    return SoapCall(
        operation.group(1).decode(),
        this.group(2).decode() if this else None,
        this.group(1).decode() if this else None,
    )


def fetched_property(body):
    """The property a Fetch request asks for (for log lines), or None."""
    match = _FETCH_PROP.search(body)
    return match.group(1).decode() if match else None


# What vCenter answers to a Fetch of a property that has no value: a response
# without <returnval>, which pyVmomi turns into None.
EMPTY_FETCH_RESPONSE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
    b' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    b' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    b'<soapenv:Body>\n<FetchResponse xmlns="urn:vim25"/>\n</soapenv:Body>\n</soapenv:Envelope>'
)
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"


def not_authenticated_fault(call):
    """vCenter's answer to a call made on a session that has ended."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
        b' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        b' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
        b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        b'<soapenv:Body>\n<soapenv:Fault>\n<faultcode>ServerFaultCode</faultcode>\n'
        b'<faultstring>The session is not authenticated.</faultstring>\n<detail>\n'
        b'<NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated">'
        b'<object type="' + (call.target_type or "ServiceInstance").encode() + b'">'
        + (call.target or "ServiceInstance").encode() + b'</object>'
        b'<privilegeId>System.View</privilegeId></NotAuthenticatedFault>\n'
        b'</detail>\n</soapenv:Fault>\n</soapenv:Body>\n</soapenv:Envelope>'
    )
