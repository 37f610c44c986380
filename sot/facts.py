"""What ``sot info`` knows about a machine: plain records, read once by ``sot.collect.facts``
and shown by ``sot.render.info``; and their JSON form, the keys scripts rely on.

Every field is ``None`` where it is unknown, never a guess. Text fields are already sanitized
(``sot.safe_text``): they came from files anyone with root, or a container image, could write.
Standard library only, and no ``sot.model``: ``sot info`` must start in a few tens of ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INFO_SCHEMA_VERSION = 1  # of ``sot info --format json``; raised when a key changes meaning


@dataclass(frozen=True, slots=True)
class Gpu:
    """A display controller: a PCI device (class 0x03), or a DRM card on another bus."""

    pci_address: str | None  # "0000:00:02.0"
    vendor_id: str | None  # "8086": four hex digits, lower case
    device_id: str | None
    vendor_name: str | None  # from the pci.ids database, when it is installed
    device_name: str | None
    driver: str | None  # the kernel driver bound to it: "i915", "amdgpu", "vc4"


@dataclass(frozen=True, slots=True)
class Battery:
    percent: int | None
    status: str | None  # the kernel's word: "Charging", "Discharging", "Full", "Not charging"


@dataclass(frozen=True, slots=True)
class SensorTemperature:
    """A temperature a hardware monitor chip reports (/sys/class/hwmon)."""

    chip: str  # the driver's name: "coretemp", "k10temp", "nvme", "acpitz", "amdgpu"
    label: str  # its label ("Package id 0", "Composite"), or "temp1" where it has none
    celsius: float


@dataclass(frozen=True, slots=True)
class Fan:
    chip: str
    label: str
    rpm: int


@dataclass(frozen=True, slots=True)
class SystemFacts:
    user: str | None = None
    hostname: str | None = None
    os_id: str | None = None  # os-release ID: "debian", "fedora"; "macos", "freebsd" from uname
    os_id_like: tuple[str, ...] = ()
    os_name: str | None = None
    os_pretty_name: str | None = None
    os_version: str | None = None  # os-release VERSION: "12 (bookworm)"
    os_version_id: str | None = None  # os-release VERSION_ID: "12"
    kernel_release: str | None = None
    architecture: str | None = None
    # systemd-detect-virt's names, a vocabulary scripts already know: "kvm", "qemu", "xen",
    # "vmware", "microsoft" (Hyper-V), "oracle" (VirtualBox), "amazon", "google", "wsl", ...;
    # "vm" when a hypervisor is there but does not say which; "none" on bare metal.
    virtualization: str | None = None
    container: str | None = None  # "docker", "podman", "lxc", "kubernetes", "systemd-nspawn"
    hardware_vendor: str | None = None
    hardware_model: str | None = None
    cpu_model: str | None = None
    cpu_cores: int | None = None  # physical cores
    cpu_threads: int | None = None  # logical CPUs
    cpu_max_mhz: float | None = None
    gpus: tuple[Gpu, ...] = ()
    memory_total_bytes: int | None = None
    memory_used_bytes: int | None = None  # total - available, as free(1) and htop count it
    swap_total_bytes: int | None = None
    swap_used_bytes: int | None = None
    root_total_bytes: int | None = None
    root_used_bytes: int | None = None
    default_interface: str | None = None
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    uptime_s: float | None = None
    load: tuple[float, float, float] | None = None
    init_system: str | None = None
    shell: str | None = None
    term: str | None = None
    term_program: str | None = None
    locale: str | None = None
    users: tuple[str, ...] | None = None  # logged-in user names, sorted, once each
    # manager -> installed packages, for each manager whose database is on this machine (None:
    # there, but in a format sot does not read), in a fixed order.
    packages: tuple[tuple[str, int | None], ...] = ()
    battery: Battery | None = None
    temperatures: tuple[SensorTemperature, ...] = ()  # every reading, chip by chip
    fans: tuple[Fan, ...] = ()


def facts_document(facts: SystemFacts, sot_version: str) -> dict[str, Any]:
    """The flat JSON object of ``sot info --format json``: one key per fact, null when unknown.

    Keys are listed here one by one (not ``asdict``) so that renaming a field cannot silently
    rename a key that scripts read.
    """
    load = facts.load or (None, None, None)
    battery = facts.battery or Battery(None, None)
    return {
        "schema_version": INFO_SCHEMA_VERSION,
        "sot_version": sot_version,
        "user": facts.user,
        "hostname": facts.hostname,
        "os_id": facts.os_id,
        "os_id_like": list(facts.os_id_like),
        "os_name": facts.os_name,
        "os_pretty_name": facts.os_pretty_name,
        "os_version": facts.os_version,
        "os_version_id": facts.os_version_id,
        "kernel_release": facts.kernel_release,
        "architecture": facts.architecture,
        "virtualization": facts.virtualization,
        "container": facts.container,
        "hardware_vendor": facts.hardware_vendor,
        "hardware_model": facts.hardware_model,
        "cpu_model": facts.cpu_model,
        "cpu_cores": facts.cpu_cores,
        "cpu_threads": facts.cpu_threads,
        "cpu_max_mhz": facts.cpu_max_mhz,
        "gpus": [_gpu_document(gpu) for gpu in facts.gpus],
        "memory_total_bytes": facts.memory_total_bytes,
        "memory_used_bytes": facts.memory_used_bytes,
        "swap_total_bytes": facts.swap_total_bytes,
        "swap_used_bytes": facts.swap_used_bytes,
        "root_total_bytes": facts.root_total_bytes,
        "root_used_bytes": facts.root_used_bytes,
        "default_interface": facts.default_interface,
        "ipv4_address": facts.ipv4_address,
        "ipv6_address": facts.ipv6_address,
        "uptime_s": facts.uptime_s,
        "load_1m": load[0],
        "load_5m": load[1],
        "load_15m": load[2],
        "init_system": facts.init_system,
        "shell": facts.shell,
        "term": facts.term,
        "term_program": facts.term_program,
        "locale": facts.locale,
        "users": None if facts.users is None else list(facts.users),
        "packages": dict(facts.packages),
        "battery_percent": battery.percent,
        "battery_status": battery.status,
        "temperatures": [
            {"chip": t.chip, "label": t.label, "celsius": t.celsius} for t in facts.temperatures
        ],
        "fans": [{"chip": f.chip, "label": f.label, "rpm": f.rpm} for f in facts.fans],
    }


def _gpu_document(gpu: Gpu) -> dict[str, str | None]:
    return {
        "pci_address": gpu.pci_address,
        "vendor_id": gpu.vendor_id,
        "device_id": gpu.device_id,
        "vendor_name": gpu.vendor_name,
        "device_name": gpu.device_name,
        "driver": gpu.driver,
    }
