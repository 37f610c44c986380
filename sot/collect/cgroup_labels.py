"""A process's cgroup, as the process table's CGROUP column names it: a short label made from
the path in /proc/<pid>/cgroup. Pure functions over text (the path is untrusted: sanitize it
where it is rendered).

The label says what runs the process, shortest first:

- a Kubernetes pod: ``pod:`` and the first 8 characters of its uid, whichever container of
  it the process is in (``/kubepods/burstable/pod<uid>/<container>``,
  ``kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope``);
- a container: the first 12 hex digits of its id, as ``docker ps`` shows it (Docker,
  containerd, CRI-O, Podman: ``/docker/<id>``, ``docker-<id>.scope``,
  ``cri-containerd-<id>.scope``, ``crio-<id>.scope``, ``libpod-<id>.scope``);
- a systemd unit: the innermost ``.service`` or ``.scope`` (``nginx.service``,
  ``session-3.scope``; under ``user@1000.service`` the unit inside it);
- otherwise the last part of the path, and ``/`` for the root cgroup.
"""

from __future__ import annotations

import re

CONTAINER_ID_CHARS = 12
POD_UID_CHARS = 8

# A container's id in a path part: Docker's own hierarchy ("/docker/<id>"), or a systemd scope
# named by the engine ("docker-<id>.scope", "cri-containerd-<id>.scope", "crio-<id>.scope",
# "libpod-<id>.scope"), or a bare id under a pod (cgroupfs driver).
_CONTAINER = re.compile(
    r"^(?:(?:docker|cri-containerd|crio|libpod|containerd)-)?([0-9a-f]{32,64})(?:\.scope)?$"
)
_POD = re.compile(r"^(?:kubepods-(?:[a-z]+-)?)?pod([0-9a-fA-F_-]{8,})(?:\.slice)?$")
_UNIT_SUFFIXES = (".service", ".scope")


def cgroup_path(text: str) -> str | None:
    """The path of /proc/<pid>/cgroup's unified (v2) line ``0::/path``, else of its v1
    ``name=systemd`` line, else of its ``memory`` line (the first of them that is not the root
    ``/``); None where the file holds none."""
    unified = systemd = memory = None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":
            unified = path
        elif controllers == "name=systemd":
            systemd = path
        elif "memory" in controllers.split(","):
            memory = path
    # On a hybrid v1/v2 host every process also has "0::/" (and some engines put processes
    # in a memory cgroup only): the first line that names more than the root says more.
    found = [path for path in (unified, systemd, memory) if path is not None]
    return next((path for path in found if path != "/"), found[0] if found else None)


def cgroup_label(path: str | None) -> str | None:
    """The short label of a cgroup path (see the module's text); None for an unknown path."""
    if path is None:
        return None
    parts = [part for part in path.split("/") if part]
    if not parts:
        return "/"
    # A pod names its containers better than their ids do (kubectl speaks of pods).
    for part in reversed(parts):
        pod = _POD.match(part)
        if pod is not None:
            return "pod:" + pod.group(1).replace("_", "-")[:POD_UID_CHARS]
    for part in reversed(parts):
        container = _CONTAINER.match(part)
        if container is not None:
            return container.group(1)[:CONTAINER_ID_CHARS]
    for part in reversed(parts):
        if part.endswith(_UNIT_SUFFIXES) and not part.startswith("user@"):
            return part
    for part in reversed(parts):
        if part.endswith(_UNIT_SUFFIXES):
            return part  # user@1000.service itself: the user's manager
    return parts[-1]
