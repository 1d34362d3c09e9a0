"""The lab's software depot: VIB files that the simulated hosts install.

A VIB is an ``ar`` archive whose first member is ``descriptor.xml``, then
``sig.pkcs7`` (empty here: the lab does not sign) and the payloads. The lab's
vcsim reads the descriptor to decide what gets installed and whether the host
must be in maintenance mode.
"""

import gzip
import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

SPHERELET_SUMMARY = "Spherelet for vSphere with Kubernetes"

# version -> release date: two versions, so that rollouts have something to do.
SPHERELET_RELEASES = {
    "7.0.3-1": "2022-01-27T00:00:00",
    "7.0.3-2": "2022-03-29T00:00:00",
}


def build_depot(directory):
    """Write the depot's VIBs into ``directory``; return {name: {version: file name}}.

    Idempotent: the files have the same bytes on every run and are rewritten
    only when they differ.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    depot = {"spherelet": {}}
    for version, release_date in SPHERELET_RELEASES.items():
        data = make_vib(
            "spherelet",
            version,
            summary=SPHERELET_SUMMARY,
            description="Spherelet, the kubelet of vSphere with Kubernetes Supervisor clusters, for ESXi 7.0 Update 3",
            release_date=release_date,
            maintenance_mode=True,
            acceptance_level="certified",
        )
        file_name = f"spherelet-{version}.vib"
        _write_if_changed(directory / file_name, data)
        depot["spherelet"][version] = file_name
    return depot


def make_vib(
    name,
    version,
    *,
    vendor="VMware",
    summary="",
    description="",
    release_date="2022-01-27T00:00:00",
    maintenance_mode=True,
    acceptance_level="partner",
):
    """Return the bytes of a VIB (deterministic for the same arguments).

    Tests use it with ``maintenance_mode=False`` for a VIB that installs on a
    host that is not in maintenance mode.
    """
    payload = gzip.compress(f"{name} {version}\n".encode(), mtime=0)
    descriptor = _descriptor(
        name=name,
        version=version,
        vendor=vendor,
        summary=summary or f"{name} {version}",
        description=description or summary or f"{name} {version}",
        release_date=release_date,
        maintenance_mode=maintenance_mode,
        acceptance_level=acceptance_level,
        payload=payload,
    )
    return _ar([("descriptor.xml", descriptor), ("sig.pkcs7", b""), (name[:16], payload)])


def _descriptor(*, name, version, vendor, summary, description, release_date, maintenance_mode, acceptance_level, payload):
    live = "false" if maintenance_mode else "true"
    fields = {k: escape(v) for k, v in dict(name=name, version=version, vendor=vendor, summary=summary, description=description).items()}
    return f"""<vib version="5.0">
  <type>bootbank</type>
  <name>{fields["name"]}</name>
  <version>{fields["version"]}</version>
  <vendor>{fields["vendor"]}</vendor>
  <summary>{fields["summary"]}</summary>
  <description>{fields["description"]}</description>
  <release-date>{escape(release_date)}</release-date>
  <urls/>
  <relationships>
    <depends>
      <constraint name="esx-version" relation="&gt;=" version="7.0.3"/>
    </depends>
    <conflicts/>
    <replaces/>
    <provides/>
    <compatibleWith/>
  </relationships>
  <software-tags/>
  <system-requires>
    <maintenance-mode>{str(maintenance_mode).lower()}</maintenance-mode>
  </system-requires>
  <file-list>
    <file>opt/vmware/{fields["name"]}/VERSION</file>
  </file-list>
  <acceptance-level>{escape(acceptance_level)}</acceptance-level>
  <live-install-allowed>{live}</live-install-allowed>
  <live-remove-allowed>{live}</live-remove-allowed>
  <cimom-restart>false</cimom-restart>
  <stateless-ready>true</stateless-ready>
  <overlay>false</overlay>
  <payloads>
    <payload name="{escape(name[:16])}" type="vgz" size="{len(payload)}">
      <checksum checksum-type="sha-256">{hashlib.sha256(payload).hexdigest()}</checksum>
    </payload>
  </payloads>
</vib>
""".encode()


def _ar(members):
    """Return a System V ``ar`` archive of (name, bytes) members, with fixed
    timestamps and owners so that the output is reproducible."""
    out = [b"!<arch>\n"]
    for name, data in members:
        if len(name) > 16:
            raise ValueError(f"ar member name longer than 16 bytes: {name}")
        # name[16] mtime[12] uid[6] gid[6] mode[8] size[10] "`\n"
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
        out += [header, data, b"\n" if len(data) % 2 else b""]
    return b"".join(out)


def _write_if_changed(path, data):
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # never serve a half-written file
