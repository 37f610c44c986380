"""What the machine is: virtual machine or container, hardware model, GPUs, battery, read from
DMI (/sys/class/dmi/id), /proc, /sys and the pci.ids database, as systemd-detect-virt and lspci
read them, without running either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from sot.collect.facts_files import (
    clean,
    exists,
    list_names,
    read_bytes,
    read_int,
    read_text,
    read_value,
    under,
)
from sot.facts import Battery, Fan, Gpu, SensorTemperature

DMI = "/sys/class/dmi/id"
# DMI strings firmware fills in when the maker did not: not a model name.
PLACEHOLDERS = frozenset(
    {
        "to be filled by o.e.m.",
        "to be filled by oem",
        "system product name",
        "system manufacturer",
        "system version",
        "default string",
        "not specified",
        "not applicable",
        "none",
        "o.e.m.",
        "oem",
        "invalid",
        "type1productconfigid",
        "0123456789",
        "x.x",
    }
)
# systemd-detect-virt's table (src/basic/virt.c): a DMI field starting with the key names the
# hypervisor. Prefixes, as systemd matches them, never substrings.
DMI_VENDORS = (
    ("KVM", "kvm"),
    ("OpenStack", "kvm"),
    ("KubeVirt", "kvm"),
    ("Amazon EC2", "amazon"),
    ("QEMU", "qemu"),
    ("VMware", "vmware"),
    ("VMW", "vmware"),
    ("innotek GmbH", "oracle"),
    ("VirtualBox", "oracle"),
    ("Oracle Corporation", "oracle"),
    ("Xen", "xen"),
    ("Bochs", "bochs"),
    ("Parallels", "parallels"),
    ("BHYVE", "bhyve"),
    ("Hyper-V", "microsoft"),
    ("Apple Virtualization", "apple"),
    ("Google Compute Engine", "google"),
)
DMI_VIRT_FIELDS = ("product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version")
# A clock source only a guest of that hypervisor offers.
CLOCKSOURCES = (
    ("kvm-clock", "kvm"),
    ("xen", "xen"),
    ("hyperv_clocksource_tsc_page", "microsoft"),
    ("hyperv_clocksource_msr", "microsoft"),
)
PCI_IDS = ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids")
PCI_IDS_BYTES = 16 << 20  # about 1.4 MiB in 2024
_VENDOR_LINE = re.compile(r"^[0-9a-f]{4}  ", re.MULTILINE)


def read_virtualization(root: Path, kernel_release: str | None) -> str | None:
    """The hypervisor this machine runs under, "none" on bare metal, None when unknown."""
    tokens = (kernel_release or "").lower().replace("_", "-").split("-")
    if "microsoft" in tokens or "wsl2" in tokens:  # "5.15.90.1-microsoft-standard-WSL2"
        return "wsl"
    dmi = _dmi_virtualization(root)
    clock = _clocksource_virtualization(root)
    if dmi == "qemu" and clock == "kvm":
        return "kvm"  # QEMU's DMI tables, with KVM accelerating it (systemd says "kvm" too)
    if dmi is not None:
        return dmi
    if read_value(root, "/sys/hypervisor/type") == "xen" and not _is_xen_dom0(root):
        return "xen"
    if clock is not None:
        return clock
    flags = _cpu_flags(root)
    if flags is None:
        return None
    if "hypervisor" in flags:
        return "vm"  # a guest, of a hypervisor that names itself nowhere we looked
    # x86 CPUs (the ones with this flag list) report "hypervisor" to every guest: bare metal.
    return "none" if "fpu" in flags else None


def _dmi_virtualization(root: Path) -> str | None:
    product = read_value(root, f"{DMI}/product_name") or ""
    vendor = read_value(root, f"{DMI}/sys_vendor") or ""
    # Surface laptops say "Microsoft Corporation" too: only Hyper-V's guests say this product.
    if vendor.startswith("Microsoft Corporation") and product.startswith("Virtual Machine"):
        return "microsoft"
    for name in DMI_VIRT_FIELDS:
        value = read_value(root, f"{DMI}/{name}")
        if value is None:
            continue
        for prefix, hypervisor in DMI_VENDORS:
            if value.startswith(prefix):
                return hypervisor
    return None


def _clocksource_virtualization(root: Path) -> str | None:
    text = read_value(root, "/sys/devices/system/clocksource/clocksource0/available_clocksource")
    offered = set((text or "").split())
    return next((name for source, name in CLOCKSOURCES if source in offered), None)


def _is_xen_dom0(root: Path) -> bool:
    return "control_d" in (read_value(root, "/proc/xen/capabilities") or "")


def _cpu_flags(root: Path) -> set[str] | None:
    """The first CPU's flags from /proc/cpuinfo (x86 only: other architectures say "Features")."""
    text = read_text(root, "/proc/cpuinfo", 64 * 1024)
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return set(value.split())
    return None


def read_container(root: Path, environ: Mapping[str, str]) -> str | None:
    """The container this runs in, by the marks each engine leaves; None when there is none to
    be seen (which, in a container that hides its marks, is not proof of none)."""
    if environ.get("KUBERNETES_SERVICE_HOST") or exists(
        root, "/var/run/secrets/kubernetes.io/serviceaccount"
    ):
        return "kubernetes"
    cgroup = _cgroup_container(read_text(root, "/proc/1/cgroup") or "")
    if cgroup == "kubernetes":
        return cgroup
    if exists(root, "/run/.containerenv"):
        return "podman"
    if exists(root, "/.dockerenv"):
        return "docker"
    # What systemd (in the container) or the engine itself says: "lxc", "systemd-nspawn", ...
    declared = read_value(root, "/run/systemd/container") or _pid1_container_variable(root)
    return clean(declared.lower()) if declared else cgroup


def _pid1_container_variable(root: Path) -> str | None:
    """``container=`` in PID 1's environment (LXC, nspawn set it); readable by root only."""
    data = read_bytes(root, "/proc/1/environ", 1 << 20) or b""
    for entry in data.split(b"\0"):
        if entry.startswith(b"container="):
            return clean(entry[len(b"container=") :].decode("utf-8", errors="replace"))
    return None


def _cgroup_container(text: str) -> str | None:
    """The engine named by a path segment of PID 1's cgroup (whole segments, not substrings):
    ``/docker/<id>``, ``docker-<id>.scope``, ``libpod-<id>``, ``/lxc/<name>``, ``kubepods...``."""
    for line in text.splitlines():
        for segment in line.split(":", 2)[-1].split("/"):
            if segment.startswith("kubepods"):
                return "kubernetes"
            if segment == "docker" or (
                segment.startswith("docker-") and segment.endswith(".scope")
            ):
                return "docker"
            if segment.startswith("libpod"):
                return "podman"
            if segment == "lxc" or segment.startswith("lxc.payload"):
                return "lxc"
    return None


def read_hardware(root: Path) -> tuple[str | None, str | None]:
    """(vendor, model) from DMI; on boards without DMI (ARM), the device tree's model."""
    vendor = _meaningful(read_value(root, f"{DMI}/sys_vendor"))
    product = _meaningful(read_value(root, f"{DMI}/product_name"))
    version = _meaningful(read_value(root, f"{DMI}/product_version"))
    if product is None:
        vendor = _meaningful(read_value(root, f"{DMI}/board_vendor")) or vendor
        product = _meaningful(read_value(root, f"{DMI}/board_name"))
    if product is not None and version is not None and version not in product:
        product = f"{product} {version}"  # Lenovo: "20HRCTO1WW" + "ThinkPad X1 Carbon 5th"
    if product is None:
        tree = read_value(root, "/proc/device-tree/model") or read_value(
            root, "/sys/firmware/devicetree/base/model"
        )
        product = _meaningful(tree)
    return vendor, product


def _meaningful(value: str | None) -> str | None:
    return None if value is None or value.lower() in PLACEHOLDERS else value


def read_gpus(root: Path) -> tuple[Gpu, ...]:
    """Display controllers: PCI devices of class 0x03, and DRM cards on other buses (SoCs),
    named from pci.ids where it is installed."""
    found: dict[str, Gpu] = {}
    for address in list_names(root, "/sys/bus/pci/devices"):
        device = f"/sys/bus/pci/devices/{address}"
        if (read_value(root, f"{device}/class") or "").startswith("0x03"):
            found[address] = _pci_gpu(root, device, address)
    for card in list_names(root, "/sys/class/drm"):
        if not card.startswith("card") or not card[4:].isdigit():
            continue  # "card0-HDMI-A-1" is a connector, "renderD128" the same GPU again
        target = os.path.basename(os.path.realpath(under(root, f"/sys/class/drm/{card}/device")))
        if target not in found and read_value(root, f"/sys/class/drm/{card}/device/vendor") is None:
            driver = _driver(root, f"/sys/class/drm/{card}/device")
            found[target] = Gpu(None, None, None, None, None, driver)
    if not found:
        return ()
    return _named(root, tuple(found[key] for key in sorted(found)))


def _pci_gpu(root: Path, device: str, address: str) -> Gpu:
    def hex_id(name: str) -> str | None:
        value = read_value(root, f"{device}/{name}") or ""
        digits = value.lower().removeprefix("0x")
        return digits if len(digits) == 4 and all(c in "0123456789abcdef" for c in digits) else None

    driver = _driver(root, device)
    return Gpu(clean(address), hex_id("vendor"), hex_id("device"), None, None, driver)


def _driver(root: Path, device: str) -> str | None:
    link = under(root, f"{device}/driver")
    return clean(os.path.basename(os.readlink(link))) if os.path.islink(link) else None


def _named(root: Path, gpus: tuple[Gpu, ...]) -> tuple[Gpu, ...]:
    database = None
    for path in PCI_IDS:
        database = read_text(root, path, PCI_IDS_BYTES)
        if database:
            break
    if not database:
        return gpus
    named = []
    for gpu in gpus:
        vendor, device = pci_names(database, gpu.vendor_id, gpu.device_id)
        named.append(Gpu(gpu.pci_address, gpu.vendor_id, gpu.device_id, vendor, device, gpu.driver))
    return tuple(named)


def pci_names(
    database: str, vendor_id: str | None, device_id: str | None
) -> tuple[str | None, str | None]:
    """(vendor, device) names from pci.ids: ``vvvv  Vendor`` at the start of a line, then its
    devices as ``\\tdddd  Device`` lines (``\\t\\t`` lines are its subsystems)."""
    if vendor_id is None:
        return None, None
    start = database.find(f"\n{vendor_id}  ")
    if start < 0:
        return None, None
    line_end = database.find("\n", start + 1)
    line_end = len(database) if line_end < 0 else line_end
    vendor = clean(database[start + len(vendor_id) + 3 : line_end])
    if device_id is None:
        return vendor, None
    following = _VENDOR_LINE.search(database, line_end)
    block_end = following.start() if following else len(database)
    at = database.find(f"\n\t{device_id}  ", line_end - 1, block_end)
    if at < 0:
        return vendor, None
    name_end = database.find("\n", at + 1)
    name_end = len(database) if name_end < 0 else name_end
    return vendor, clean(database[at + len(device_id) + 4 : name_end])


def read_battery(root: Path) -> Battery | None:
    """The first system battery (not a mouse's: those say scope "Device")."""
    supplies = "/sys/class/power_supply"
    for name in list_names(root, supplies):
        base = f"{supplies}/{name}"
        if (
            read_value(root, f"{base}/type") != "Battery"
            or read_value(root, f"{base}/scope") == "Device"
        ):
            continue
        percent = _capacity(root, base)
        status = read_value(root, f"{base}/status")
        if percent is not None or status is not None:
            return Battery(percent, status)
    return None


def _capacity(root: Path, base: str) -> int | None:
    value = read_value(root, f"{base}/capacity")
    if value is not None and value.isdigit():
        return min(100, int(value))
    for now, full in (("energy_now", "energy_full"), ("charge_now", "charge_full")):
        have, total = read_value(root, f"{base}/{now}"), read_value(root, f"{base}/{full}")
        if have and total and have.isdigit() and total.isdigit() and int(total) > 0:
            return min(100, round(int(have) * 100 / int(total)))
    return None


HWMON = "/sys/class/hwmon"
_SENSOR_INPUT = re.compile(r"(temp|fan)([0-9]+)_input")


def _sensor_order(name: str) -> tuple[str, int]:
    """temp2_input before temp10_input."""
    found = _SENSOR_INPUT.fullmatch(name)
    return (found.group(1), int(found.group(2))) if found else (name, 0)


def read_sensors(root: Path) -> tuple[tuple[SensorTemperature, ...], tuple[Fan, ...]]:
    """Every temperature and fan the hardware monitor chips report (/sys/class/hwmon, what
    lm-sensors and psutil read), chip by chip. A reading the chip cannot give (a read error, a
    fan that is not connected reading 0) is left out."""
    temperatures: list[SensorTemperature] = []
    fans: list[Fan] = []
    for device in list_names(root, HWMON):
        base = f"{HWMON}/{device}"
        chip = read_value(root, f"{base}/name") or device
        for name in sorted(list_names(root, base), key=_sensor_order):
            found = _SENSOR_INPUT.fullmatch(name)
            if found is None:
                continue
            kind, number = found.groups()
            value = read_int(root, f"{base}/{name}")
            label = read_value(root, f"{base}/{kind}{number}_label") or f"{kind}{number}"
            if value is None:
                continue
            if kind == "temp":
                temperatures.append(SensorTemperature(chip, label, value / 1000))
            elif value > 0:
                fans.append(Fan(chip, label, value))
    return tuple(temperatures), tuple(fans)
