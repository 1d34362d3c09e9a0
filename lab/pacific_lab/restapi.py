"""The vCenter REST API (`/api/...`), answered by the front door itself.

The simulated vCenter (`vcenter/`) serves it; this is the front door's Route
handler for the /api prefix.
"""


def handle(request):
    """Answer one /api request (a front door Route handler)."""
    return request.server.vcenter.app.handle(request)
