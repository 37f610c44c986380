"""Virtual machines, containers, hardware, GPUs, batteries and package counts, each on a fake
tree passed in as the root."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sot.collect.facts_hardware import (
    pci_names,
    read_battery,
    read_container,
    read_gpus,
    read_hardware,
    read_sensors,
    read_virtualization,
)
from sot.collect.packages import read_package_counts
from sot.facts import Battery, Fan, Gpu, SensorTemperature, SystemFacts, facts_document
from sot.render.info import labelled_facts
from tests.fake_tree import make_tree

DMI = "/sys/class/dmi/id"
CLOCKSOURCES = "/sys/devices/system/clocksource/clocksource0/available_clocksource"
X86_HOST_FLAGS = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr ht\n"
X86_GUEST_FLAGS = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr hypervisor\n"
ARM_CPUINFO = "processor\t: 0\nFeatures\t: fp asimd evtstrm\n"


@pytest.mark.parametrize(
    ("files", "kernel", "expected"),
    [
        # KVM through DMI: QEMU's tables name the machine; KVM's clock says it is accelerated.
        ({f"{DMI}/product_name": "KVM\n", "/proc/cpuinfo": X86_GUEST_FLAGS}, None, "kvm"),
        (
            {
                f"{DMI}/sys_vendor": "QEMU\n",
                f"{DMI}/product_name": "Standard PC (Q35 + ICH9, 2009)\n",
                CLOCKSOURCES: "kvm-clock tsc acpi_pm\n",
            },
            None,
            "kvm",
        ),
        ({f"{DMI}/sys_vendor": "QEMU\n"}, None, "qemu"),
        # KVM with no DMI at all (Firecracker): the cpuinfo flag and KVM's clock source.
        ({"/proc/cpuinfo": X86_GUEST_FLAGS, CLOCKSOURCES: "tsc kvm-clock\n"}, None, "kvm"),
        ({f"{DMI}/sys_vendor": "VMware, Inc.\n"}, None, "vmware"),
        ({f"{DMI}/sys_vendor": "innotek GmbH\n"}, None, "oracle"),
        ({f"{DMI}/sys_vendor": "Amazon EC2\n"}, None, "amazon"),
        (
            {
                f"{DMI}/sys_vendor": "Microsoft Corporation\n",
                f"{DMI}/product_name": "Virtual Machine\n",
            },
            None,
            "microsoft",
        ),
        # A Surface laptop is made by Microsoft too, and is no virtual machine.
        (
            {
                f"{DMI}/sys_vendor": "Microsoft Corporation\n",
                f"{DMI}/product_name": "Surface Laptop 5\n",
                "/proc/cpuinfo": X86_HOST_FLAGS,
            },
            None,
            "none",
        ),
        ({"/sys/hypervisor/type": "xen\n"}, None, "xen"),
        # Xen's dom0 runs the hypervisor; it is not its guest.
        (
            {
                "/sys/hypervisor/type": "xen\n",
                "/proc/xen/capabilities": "control_d\n",
                "/proc/cpuinfo": X86_HOST_FLAGS,
            },
            None,
            "none",
        ),
        ({"/proc/cpuinfo": X86_GUEST_FLAGS}, "5.15.153.1-microsoft-standard-WSL2", "wsl"),
        ({"/proc/cpuinfo": X86_GUEST_FLAGS}, "4.4.0-19041-Microsoft", "wsl"),
        ({"/proc/cpuinfo": X86_GUEST_FLAGS}, None, "vm"),
        ({"/proc/cpuinfo": X86_HOST_FLAGS}, None, "none"),
        ({"/proc/cpuinfo": ARM_CPUINFO}, None, None),  # no flag to tell: unknown, not "none"
        ({}, None, None),
        # Prefixes, not substrings.
        ({f"{DMI}/sys_vendor": "NotQEMU Corp\n", "/proc/cpuinfo": X86_HOST_FLAGS}, None, "none"),
    ],
)
def test_virtualization(
    tmp_path: Path, files: dict[str, str], kernel: str | None, expected: str | None
) -> None:
    assert read_virtualization(make_tree(tmp_path, files), kernel) == expected


@pytest.mark.parametrize(
    ("files", "environ", "expected"),
    [
        ({"/.dockerenv": ""}, {}, "docker"),
        ({"/run/.containerenv": ""}, {}, "podman"),
        ({"/proc/1/environ": b"PATH=/bin\0container=lxc\0"}, {}, "lxc"),
        ({"/run/systemd/container": "systemd-nspawn\n"}, {}, "systemd-nspawn"),
        ({"/proc/1/cgroup": "12:cpu:/lxc/web1\n0::/lxc/web1\n"}, {}, "lxc"),
        ({"/proc/1/cgroup": "0::/lxc.payload.web1/init.scope\n"}, {}, "lxc"),
        ({"/proc/1/cgroup": "0::/system.slice/docker-0123abcd.scope\n"}, {}, "docker"),
        ({"/proc/1/cgroup": "1:name=systemd:/docker/0123abcd\n"}, {}, "docker"),
        ({"/proc/1/cgroup": "0::/machine.slice/libpod-0123abcd.scope\n"}, {}, "podman"),
        ({}, {"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, "kubernetes"),
        ({"/var/run/secrets/kubernetes.io/serviceaccount/token": "x"}, {}, "kubernetes"),
        # A pod whose runtime also leaves /.dockerenv is a Kubernetes pod first.
        (
            {"/proc/1/cgroup": "0::/kubepods/besteffort/pod12/abc\n", "/.dockerenv": ""},
            {},
            "kubernetes",
        ),
        ({"/proc/1/cgroup": "0::/kubepods.slice/kubepods-burstable.slice/x\n"}, {}, "kubernetes"),
        # The host itself, and a path that only contains an engine's name.
        ({"/proc/1/cgroup": "0::/init.scope\n"}, {}, None),
        ({"/proc/1/cgroup": "0::/user.slice/dockerish/lxcfs-helper\n"}, {}, None),
        ({}, {}, None),
    ],
)
def test_container(
    tmp_path: Path, files: dict[str, str | bytes], environ: dict[str, str], expected: str | None
) -> None:
    assert read_container(make_tree(tmp_path, files), environ) == expected


def test_hardware_from_dmi_skips_placeholders_and_adds_lenovo_names(tmp_path: Path) -> None:
    lenovo = make_tree(
        tmp_path / "a",
        {
            f"{DMI}/sys_vendor": "LENOVO\n",
            f"{DMI}/product_name": "20HRCTO1WW\n",
            f"{DMI}/product_version": "ThinkPad X1 Carbon 5th\n",
        },
    )
    assert read_hardware(lenovo) == ("LENOVO", "20HRCTO1WW ThinkPad X1 Carbon 5th")
    board = make_tree(
        tmp_path / "b",
        {
            f"{DMI}/sys_vendor": "System manufacturer\n",
            f"{DMI}/product_name": "To Be Filled By O.E.M.\n",
            f"{DMI}/board_vendor": "ASUSTeK COMPUTER INC.\n",
            f"{DMI}/board_name": "PRIME B450M-A\n",
        },
    )
    assert read_hardware(board) == ("ASUSTeK COMPUTER INC.", "PRIME B450M-A")
    pi = make_tree(tmp_path / "c", {"/proc/device-tree/model": "Raspberry Pi 4 Model B Rev 1.4\0"})
    assert read_hardware(pi) == (None, "Raspberry Pi 4 Model B Rev 1.4")
    assert read_hardware(tmp_path / "none") == (None, None)


PCI_IDS = """# pci.ids excerpt
#\tcomment inside
8086  Intel Corporation
\t1237  440FX - 82441FX PMC [Natoma]
\t5917  UHD Graphics 620
\t\t1028 0810  Subsystem that is not the device
10de  NVIDIA Corporation
\t1f99  TU117M [GeForce GTX 1650 Mobile / Max-Q]
C 03  Display controller
\t00  VGA compatible controller
"""


def gpu_machine(tmp_path: Path, pci_ids_at: str | None) -> Path:
    pci = "/sys/devices/pci0000:00"
    files: dict[str, str] = {
        f"{pci}/0000:00:02.0/class": "0x030000\n",
        f"{pci}/0000:00:02.0/vendor": "0x8086\n",
        f"{pci}/0000:00:02.0/device": "0x5917\n",
        f"{pci}/0000:01:00.0/class": "0x030200\n",
        f"{pci}/0000:01:00.0/vendor": "0x10de\n",
        f"{pci}/0000:01:00.0/device": "0x1f99\n",
        f"{pci}/0000:00:1f.3/class": "0x040300\n",  # audio: not a GPU
        f"{pci}/0000:00:1f.3/vendor": "0x8086\n",
        "/sys/bus/platform/drivers/vc4-drm/": "",
        "/sys/devices/platform/gpu/uevent": "DRIVER=vc4-drm\n",
        "/sys/bus/pci/drivers/i915/": "",
    }
    if pci_ids_at is not None:
        files[pci_ids_at] = PCI_IDS
    links = {
        "/sys/bus/pci/devices/0000:00:02.0": f"{pci}/0000:00:02.0",
        "/sys/bus/pci/devices/0000:01:00.0": f"{pci}/0000:01:00.0",
        "/sys/bus/pci/devices/0000:00:1f.3": f"{pci}/0000:00:1f.3",
        f"{pci}/0000:00:02.0/driver": "/sys/bus/pci/drivers/i915",
        "/sys/class/drm/card0": f"{pci}/0000:00:02.0/drm/card0",
        f"{pci}/0000:00:02.0/drm/card0/device": f"{pci}/0000:00:02.0",
        "/sys/class/drm/card0-eDP-1": f"{pci}/0000:00:02.0/drm/card0/card0-eDP-1",
        "/sys/class/drm/card1": "/sys/devices/platform/gpu/drm/card1",
        "/sys/devices/platform/gpu/drm/card1/device": "/sys/devices/platform/gpu",
        "/sys/devices/platform/gpu/driver": "/sys/bus/platform/drivers/vc4-drm",
    }
    return make_tree(tmp_path, files, links)


def test_gpus_without_pci_ids_are_shown_by_id(tmp_path: Path) -> None:
    assert read_gpus(gpu_machine(tmp_path, None)) == (
        Gpu("0000:00:02.0", "8086", "5917", None, None, "i915"),
        Gpu("0000:01:00.0", "10de", "1f99", None, None, None),
        Gpu(None, None, None, None, None, "vc4-drm"),
    )


@pytest.mark.parametrize("place", ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"])
def test_gpus_are_named_from_pci_ids_where_it_is_installed(tmp_path: Path, place: str) -> None:
    gpus = read_gpus(gpu_machine(tmp_path, place))
    assert [(g.vendor_name, g.device_name) for g in gpus] == [
        ("Intel Corporation", "UHD Graphics 620"),
        ("NVIDIA Corporation", "TU117M [GeForce GTX 1650 Mobile / Max-Q]"),
        (None, None),
    ]


def test_pci_ids_lookup_stays_within_the_vendor() -> None:
    assert pci_names(PCI_IDS, "8086", "1f99") == ("Intel Corporation", None)
    assert pci_names(PCI_IDS, "abcd", "5917") == (None, None)
    assert pci_names(PCI_IDS, "10de", None) == ("NVIDIA Corporation", None)


def test_battery_skips_peripherals_and_computes_capacity_when_missing(tmp_path: Path) -> None:
    supplies = "/sys/class/power_supply"
    tree = make_tree(
        tmp_path,
        {
            f"{supplies}/AC/type": "Mains\n",
            f"{supplies}/BAT0/type": "Battery\n",
            f"{supplies}/BAT0/status": "Discharging\n",
            f"{supplies}/BAT0/energy_now": "25000000\n",
            f"{supplies}/BAT0/energy_full": "50000000\n",
            f"{supplies}/hidpp_battery_0/type": "Battery\n",
            f"{supplies}/hidpp_battery_0/scope": "Device\n",
            f"{supplies}/hidpp_battery_0/capacity": "5\n",
        },
    )
    assert read_battery(tree) == Battery(50, "Discharging")
    assert read_battery(tmp_path / "desktop") is None


def test_sensors_every_chip_reading_in_order_with_labels_and_no_dead_fans(tmp_path: Path) -> None:
    hwmon = "/sys/class/hwmon"
    device = "/sys/devices/platform/coretemp.0/hwmon/hwmon1"
    tree = make_tree(
        tmp_path,
        {
            f"{device}/name": "coretemp\n",
            f"{device}/temp1_label": "Package id 0\n",
            f"{device}/temp1_input": "61000\n",
            f"{device}/temp2_label": "Core 0\n",
            f"{device}/temp2_input": "55500\n",
            f"{device}/temp10_label": "Core 8\n",
            f"{device}/temp10_input": "57000\n",
            f"{hwmon}/hwmon2/name": "nvme\n",
            f"{hwmon}/hwmon2/temp1_input": "38850\n",  # no label: "temp1"
            f"{hwmon}/hwmon2/temp2_input": "not a number\n",
            f"{hwmon}/hwmon3/name": "thinkpad\n",
            f"{hwmon}/hwmon3/fan1_input": "2400\n",
            f"{hwmon}/hwmon3/fan2_input": "0\n",  # not connected
        },
        links={f"{hwmon}/hwmon1": device},  # as sysfs has them: links to the device
    )
    temperatures, fans = read_sensors(tree)
    assert temperatures == (
        SensorTemperature("coretemp", "Package id 0", 61.0),
        SensorTemperature("coretemp", "Core 0", 55.5),
        SensorTemperature("coretemp", "Core 8", 57.0),
        SensorTemperature("nvme", "temp1", 38.85),
    )
    assert fans == (Fan("thinkpad", "fan1", 2400),)
    assert read_sensors(tmp_path / "no-sensors") == ((), ())
    facts = SystemFacts(temperatures=temperatures, fans=fans)
    shown = dict(labelled_facts(facts))
    assert shown["Temperatures"] == "coretemp 61C, nvme 39C"
    assert shown["Fans"] == "2400 rpm"
    assert dict(labelled_facts(SystemFacts()))["Temperatures"] is None
    document = facts_document(facts, "0")
    assert document["temperatures"][1] == {"chip": "coretemp", "label": "Core 0", "celsius": 55.5}
    assert document["fans"] == [{"chip": "thinkpad", "label": "fan1", "rpm": 2400}]


# --- package counts -------------------------------------------------------------------------------


def rpmdb(path: Path, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)")
        connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b"x",)] * rows)
    connection.close()


def test_package_counts_per_manager(tmp_path: Path) -> None:
    dpkg = (
        "Package: a\nStatus: install ok installed\n\n"
        "Package: b\nStatus: deinstall ok config-files\n\n"
        "Package: c\nStatus: install ok installed\n"
    )
    tree = make_tree(
        tmp_path,
        {
            "/var/lib/dpkg/status": dpkg,
            "/lib/apk/db/installed": "C:Q1x\nP:musl\nV:1\n\nC:Q1y\nP:busybox\nV:1\n",
            "/var/lib/pacman/local/ALPM_DB_VERSION": "9\n",
            "/var/lib/pacman/local/bash-5.2-1/desc": "",
            "/var/lib/pacman/local/glibc-2.39-1/desc": "",
            "/nix/var/nix/profiles/": "",
            "/home/al/.nix-profile/manifest.json": '{"version": 3, "elements": {"a": {}, "b": {}}}',
            "/var/lib/flatpak/app/org.gimp.GIMP/": "",
            "/home/al/.local/share/flatpak/app/org.kde.krita/": "",
            "/snap/bin/": "",
            "/snap/core22/": "",
            "/snap/firefox/": "",
            "/snap/README": "",
        },
    )
    rpmdb(tmp_path / "var/lib/rpm/rpmdb.sqlite", 3)
    assert read_package_counts(tree, {"HOME": "/home/al"}) == (
        ("dpkg", 2),
        ("rpm", 3),
        ("apk", 2),
        ("pacman", 2),
        ("nix", 2),
        ("flatpak", 2),
        ("snap", 2),
    )


def test_databases_sot_does_not_read_are_present_but_uncounted(tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path,
        {
            "/var/lib/rpm/Packages": "berkeley db",
            "/nix/var/nix/profiles/": "",
            "/var/lib/snapd/snaps/core_100.snap": "",
            "/var/lib/snapd/snaps/core_101.snap": "",
            "/var/lib/snapd/snaps/lxd_2.snap": "",
            "/var/lib/snapd/snaps/partial/": "",
        },
    )
    assert read_package_counts(tree, {"HOME": "/root"}) == (
        ("rpm", None),
        ("nix", None),
        ("snap", 2),
    )


def test_a_damaged_rpmdb_is_unknown_and_no_manager_means_no_counts(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"/usr/lib/sysimage/rpm/rpmdb.sqlite": "not sqlite at all"})
    assert read_package_counts(tree, {}) == (("rpm", None),)
    assert read_package_counts(tmp_path / "bare", {}) == ()
