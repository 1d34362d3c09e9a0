"""The vCenter REST API (`/api/...`), answered by the front door itself.

No endpoint is implemented yet: every path answers 404 with vCenter's error
body, so clients see what a vCenter without that endpoint would answer.
"""

import json

from .requestlog import Outcome

NOT_FOUND_BODY = json.dumps({
    "error_type": "NOT_FOUND",
    "messages": [{
        "args": [],
        "default_message": "Not found.",
        "id": "com.vmware.vapi.rest.httpNotFound",
    }],
}).encode()


def handle(request):
    """Answer one /api request (a front door Route handler)."""
    request.read_body()  # consumed so the keep-alive connection stays in step
    return Outcome(request.reply(404, "application/json", NOT_FOUND_BODY))
