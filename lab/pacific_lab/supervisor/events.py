"""Events as a controller's event recorder writes them (client-go's record package): one Event per object, reason and
message, its `count` and `lastTimestamp` bumped when the same thing happens again, so a retried failure is one line
of `kubectl get events`, not one per attempt."""

import hashlib

from . import kinds
from .apimachinery import meta

WARNING = "Warning"


def record(registry, involved, event_type, reason, message, caller, component):
    """Record that `reason` happened to `involved` (an object of the registry), as `component` reports it."""
    events = kinds.resource("Event")
    metadata = involved["metadata"]
    digest = hashlib.sha256(f"{metadata['uid']}/{reason}/{message}".encode()).hexdigest()[:16]
    name = f"{metadata['name']}.{digest}"
    now = meta.now()
    existing = registry.get_or_none(events, metadata["namespace"], name)
    if existing is not None:
        existing["count"] = int(existing.get("count") or 1) + 1
        existing["lastTimestamp"] = now
        registry.update(events, metadata["namespace"], name, existing, caller)
        return
    registry.create(events, metadata["namespace"], {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": metadata["namespace"]},
        "involvedObject": {"apiVersion": involved["apiVersion"], "kind": involved["kind"], "namespace": metadata["namespace"],
                           "name": metadata["name"], "uid": metadata["uid"]},
        "type": event_type, "reason": reason, "message": message, "source": {"component": component},
        "firstTimestamp": now, "lastTimestamp": now, "count": 1,
    }, caller)
