"""``sot info``'s readers on fake machines: os-release and the logo it chooses, CPU, memory,
network, sessions. Each test writes a tree in tmp and passes it as the root, with the uname and
environment of the machine it describes: nothing global is patched."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from sot.collect.facts import (
    Uname,
    parse_os_release,
    read_cpu,
    read_facts,
    read_init_system,
    read_load,
    read_logged_in_users,
    read_memory,
    read_os_release,
    read_uptime,
)
from sot.collect.facts_network import read_network
from sot.render.logos import LOGOS, TUX, choose_logo
from tests.fake_tree import make_tree

LINUX = Uname("Linux", "fakehost", "6.1.0-test", "x86_64")

UBUNTU = """PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
ID=ubuntu
ID_LIKE=debian
"""
ROCKY = """NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
"""
MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\nPRETTY_NAME="Linux Mint 21.3"\n'
ALPINE = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME='Alpine Linux v3.19'\n"


def os_release(tmp_path: Path, text: str, path: str = "/etc/os-release") -> Path:
    return make_tree(tmp_path, {path: text})


# --- os-release -------------------------------------------------------------------------------


def test_os_release_quoting_follows_the_shell_rules_of_the_format() -> None:
    text = (
        "# a comment\n"
        "\n"
        'PRETTY_NAME="Fancy \\"Quoted\\" \\$HOME \\\\ OS"\n'
        "NAME='Single $quoted'\n"
        "ID=plain\n"
        "VERSION=unquoted\\ space\n"
        "BUILD_ID=\"a\"'b'c\n"
        "not a line\n"
        "lower-case-key=x\n"
        "  VERSION_ID=7  \n"
    )
    fields = parse_os_release(text)
    assert fields["PRETTY_NAME"] == 'Fancy "Quoted" $HOME \\ OS'
    assert fields["NAME"] == "Single $quoted"
    assert fields["ID"] == "plain"
    assert fields["VERSION"] == "unquoted space"
    assert fields["BUILD_ID"] == "abc"
    assert fields["VERSION_ID"] == "7"
    assert "lower-case-key" not in fields and "not a line" not in fields


def test_os_release_id_like_is_a_list_of_lower_case_ids(tmp_path: Path) -> None:
    release = read_os_release(os_release(tmp_path, ROCKY), LINUX)
    assert release.id == "rocky"
    assert release.id_like == ("rhel", "centos", "fedora")
    assert release.pretty_name == "Rocky Linux 9.3 (Blue Onyx)"
    assert release.version_id == "9.3"


def test_os_release_falls_back_to_usr_lib(tmp_path: Path) -> None:
    release = read_os_release(os_release(tmp_path, ALPINE, "/usr/lib/os-release"), LINUX)
    assert (release.id, release.pretty_name, release.version_id) == (
        "alpine",
        "Alpine Linux v3.19",
        "3.19.1",
    )


def test_missing_os_release_leaves_the_os_unknown_on_linux(tmp_path: Path) -> None:
    release = read_os_release(tmp_path, LINUX)
    assert release.id is None and release.id_like == ()
    assert release.pretty_name == "Linux"


def test_without_os_release_macos_and_freebsd_are_named_from_uname(tmp_path: Path) -> None:
    mac = read_os_release(tmp_path, Uname("Darwin", "mac", "23.4.0", "arm64"))
    bsd = read_os_release(tmp_path, Uname("FreeBSD", "bsd", "14.0-RELEASE", "amd64"))
    assert (mac.id, mac.pretty_name) == ("macos", "macOS")
    assert (bsd.id, bsd.pretty_name) == ("freebsd", "FreeBSD 14.0-RELEASE")


def test_missing_id_defaults_to_linux_and_pretty_name_to_name_and_version(
    tmp_path: Path,
) -> None:
    release = read_os_release(os_release(tmp_path, 'NAME="Custom"\nVERSION="1 (x)"\n'), LINUX)
    assert release.id == "linux"
    assert release.pretty_name == "Custom 1 (x)"


# --- logos --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("os_id", "id_like", "logo"),
    [
        ("debian", "", "debian"),
        ("ubuntu", "debian", "ubuntu"),
        ("fedora", "", "fedora"),
        ("rhel", "fedora", "rhel"),
        ("centos", "rhel fedora", "centos"),
        ("rocky", "rhel centos fedora", "rocky"),
        ("almalinux", "rhel centos fedora", "almalinux"),
        ("arch", "", "arch"),
        ("manjaro", "arch", "manjaro"),
        ("pop", "ubuntu debian", "pop"),
        ("alpine", "", "alpine"),
        ("opensuse-leap", "suse opensuse", "opensuse"),
        ("opensuse-tumbleweed", "opensuse suse", "opensuse"),
        ("amzn", "fedora", "amzn"),
        ("nixos", "", "nixos"),
        ("gentoo", "", "gentoo"),
        ("raspbian", "debian", "raspbian"),
        ("macos", "", "macos"),
        ("freebsd", "", "freebsd"),
        # ID_LIKE, first match wins: Mint is Ubuntu's, Oracle Linux Fedora's, Kali Debian's.
        ("linuxmint", "ubuntu debian", "ubuntu"),
        ("ol", "fedora", "fedora"),
        ("kali", "debian", "debian"),
        ("endeavouros", "arch", "arch"),
        # Whole identifiers only: no logo for names that merely contain one.
        ("debianish", "", "tux"),
        ("popcorn", "archer", "tux"),
        ("void", "", "tux"),
        (None, "", "tux"),
    ],
)
def test_the_logo_is_chosen_from_id_then_id_like(
    os_id: str | None, id_like: str, logo: str
) -> None:
    assert choose_logo(os_id, id_like.split()).name == logo


def test_every_logo_is_small_plain_ascii_and_distinct() -> None:
    arts = set()
    for logo in LOGOS:
        assert 6 <= len(logo.art) <= 16, logo.name
        assert logo.width <= 26, logo.name
        assert all(line.isascii() and line.isprintable() for line in logo.art), logo.name
        assert all(line == line.rstrip() for line in logo.art), logo.name
        assert 0 <= logo.colour <= 7 and 0 <= logo.accent <= 7
        arts.add(logo.art)
    assert len(arts) == len(LOGOS)
    assert TUX.ids == ()


def test_os_release_to_logo_end_to_end(tmp_path: Path) -> None:
    release = read_os_release(os_release(tmp_path, MINT), LINUX)
    assert choose_logo(release.id, release.id_like).name == "ubuntu"


# --- CPU, memory, uptime, load -------------------------------------------------------------------


def cpuinfo_block(processor: int, package: int, core: int) -> str:
    return (
        f"processor\t: {processor}\nvendor_id\t: GenuineIntel\n"
        "model name\t: Intel(R) Xeon(R)   Gold 6230 CPU @ 2.10GHz\n"
        f"physical id\t: {package}\ncore id\t\t: {core}\nflags\t\t: fpu vme ht\n"
    )


def test_cores_are_distinct_package_and_core_ids_threads_are_processors(tmp_path: Path) -> None:
    # Two sockets, two cores each, two threads per core.
    blocks = [cpuinfo_block(n, n // 4, (n // 2) % 2) for n in range(8)]
    files = {
        "/proc/cpuinfo": "\n".join(blocks),
        "/sys/devices/system/cpu/cpufreq/policy0/cpuinfo_max_freq": "3900000\n",
        "/sys/devices/system/cpu/cpufreq/policy4/cpuinfo_max_freq": "2100000\n",
    }
    model, cores, threads, mhz = read_cpu(make_tree(tmp_path, files))
    assert model == "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"
    assert (cores, threads, mhz) == (4, 8, 3900.0)


def test_arm_cores_come_from_sysfs_topology(tmp_path: Path) -> None:
    blocks = [f"processor\t: {n}\nBogoMIPS\t: 108.00\nCPU part\t: 0xd08\n" for n in range(4)]
    files: dict[str, str] = {"/proc/cpuinfo": "\n".join(blocks)}
    for n in range(4):
        files[f"/sys/devices/system/cpu/cpu{n}/topology/core_id"] = f"{n}\n"
        files[f"/sys/devices/system/cpu/cpu{n}/topology/physical_package_id"] = "0\n"
    model, cores, threads, mhz = read_cpu(make_tree(tmp_path, files))
    assert (model, cores, threads, mhz) == (None, 4, 4, None)


def test_threads_fall_back_to_the_online_cpu_ranges(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"/sys/devices/system/cpu/online": "0-3,8-11\n"})
    assert read_cpu(tree) == (None, None, 8, None)


def test_memory_used_is_total_minus_available(tmp_path: Path) -> None:
    meminfo = (
        "MemTotal:       16000000 kB\nMemFree:         1000000 kB\n"
        "MemAvailable:   12000000 kB\nBuffers:          100000 kB\nCached:          2000000 kB\n"
        "SwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n"
    )
    tree = make_tree(tmp_path, {"/proc/meminfo": meminfo})
    assert read_memory(tree) == (16000000 * 1024, 4000000 * 1024, 2000000 * 1024, 500000 * 1024)


def test_memory_before_memavailable_counts_buffers_and_cache_as_free(tmp_path: Path) -> None:
    meminfo = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n"
    total, used, swap_total, _ = read_memory(make_tree(tmp_path, {"/proc/meminfo": meminfo}))
    assert (total, used, swap_total) == (1000 * 1024, 600 * 1024, None)


def test_unreadable_numbers_are_unknown_never_zero_or_nan(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"/proc/uptime": "nan 1.0\n", "/proc/loadavg": "0.5 inf 0.1\n"})
    assert read_uptime(tree) is None
    assert read_load(tree, LINUX) is None
    assert read_memory(tmp_path / "nothing") == (None, None, None, None)
    good = make_tree(tmp_path / "ok", {"/proc/uptime": "3723.5 9.0\n", "/proc/loadavg": "1 2 3"})
    assert read_uptime(good) == 3723.5
    assert read_load(good, LINUX) == (1.0, 2.0, 3.0)


# --- network ------------------------------------------------------------------------------------

ROUTE_HEADER = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
)
FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 172.17.0.0/16 2 0 2
           |-- 172.17.0.1
              /32 host LOCAL
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.7
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
"""
IF_INET6 = (
    "00000000000000000000000000000001 01 80 10 80       lo\n"
    "fe80000000000000021122fffe334455 02 40 20 80     eth0\n"
    "20010db8000000000000000000000099 02 40 00 01     eth0\n"  # temporary (privacy)
    "20010db8000000000000000000000042 02 40 00 20     eth0\n"  # deprecated
    "20010db8000000000000000000000007 02 40 00 80     eth0\n"  # permanent: the one
)
IPV6_ROUTE = (
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fe800000000000000000000000000001 00000400 00000001 00000000 00450003     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
)


def route(*rows: tuple[str, str, str, str]) -> str:
    """Rows of (interface, destination, gateway, mask) in /proc/net/route's hex."""
    lines = [f"{i}\t{d}\t{g}\t0003\t0\t0\t100\t{m}\t0\t0\t0" for i, d, g, m in rows]
    return ROUTE_HEADER + "\n".join(lines) + "\n"


def test_primary_addresses_are_those_of_the_default_route_interface(tmp_path: Path) -> None:
    routes = route(
        ("eth0", "00000000", "010200C0", "00000000"),
        ("eth0", "000200C0", "00000000", "00FFFFFF"),
        ("docker0", "000011AC", "00000000", "0000FFFF"),
    )
    files = {
        "/proc/net/route": routes,
        "/proc/net/fib_trie": FIB_TRIE,
        "/proc/net/if_inet6": IF_INET6,
        "/proc/net/ipv6_route": IPV6_ROUTE,
    }
    assert read_network(make_tree(tmp_path, files)) == ("eth0", "192.0.2.7", "2001:db8::7")


def test_a_slash_32_address_is_found_as_the_only_unclaimed_local_one(tmp_path: Path) -> None:
    # As on some clouds: the address is a /32, the gateway reached through a host route.
    routes = route(
        ("ens4", "00000000", "01000A0A", "00000000"),
        ("ens4", "01000A0A", "00000000", "FFFFFFFF"),
        ("docker0", "000011AC", "00000000", "0000FFFF"),
    )
    trie = FIB_TRIE.replace("192.0.2.7", "10.10.0.5")
    tree = make_tree(tmp_path, {"/proc/net/route": routes, "/proc/net/fib_trie": trie})
    assert read_network(tree) == ("ens4", "10.10.0.5", None)


def test_no_default_route_means_no_primary_address(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"/proc/net/route": route(), "/proc/net/fib_trie": FIB_TRIE})
    assert read_network(tree) == (None, None, None)


# --- sessions, init -------------------------------------------------------------------------------


def utmp_record(kind: int, user: str) -> bytes:
    record = bytearray(384)
    struct.pack_into("=h", record, 0, kind)
    record[44 : 44 + len(user)] = user.encode()
    return bytes(record)


def test_logged_in_users_come_from_utmp_user_processes(tmp_path: Path) -> None:
    kinds = [(2, "reboot"), (7, "alice"), (7, "bob"), (7, "alice"), (8, "carol")]
    utmp = b"".join(utmp_record(kind, user) for kind, user in kinds)
    tree = make_tree(tmp_path, {"/run/utmp": utmp})
    assert read_logged_in_users(tree) == ("alice", "bob")


def test_without_utmp_logind_sessions_count_only_under_a_running_systemd(tmp_path: Path) -> None:
    files = {
        "/run/systemd/sessions/3": "USER=dave\nCLASS=user\nSTATE=active\n",
        "/run/systemd/sessions/c1": "USER=gdm\nCLASS=greeter\n",
        "/run/systemd/sessions/3.ref": "",
    }
    tree = make_tree(tmp_path, files)
    assert read_logged_in_users(tree) is None  # stale files, systemd is not running
    make_tree(tmp_path, {"/run/systemd/system/": ""})
    assert read_logged_in_users(tree) == ("dave",)


def test_init_system_names_pid_1_and_tells_plain_inits_apart(tmp_path: Path) -> None:
    assert read_init_system(make_tree(tmp_path / "a", {"/proc/1/comm": "systemd\n"})) == "systemd"
    openrc = make_tree(tmp_path / "b", {"/proc/1/comm": "init\n", "/run/openrc/softlevel": ""})
    assert read_init_system(openrc) == "openrc"
    busybox = make_tree(
        tmp_path / "c",
        {"/proc/1/comm": "init\n", "/bin/busybox": ""},
        {"/sbin/init": "../bin/busybox"},
    )
    assert read_init_system(busybox) == "busybox"
    assert read_init_system(tmp_path / "d") is None


# --- the whole record ----------------------------------------------------------------------------


def test_read_facts_on_a_fake_machine(tmp_path: Path) -> None:
    files = {
        "/etc/os-release": UBUNTU,
        "/proc/sys/kernel/hostname": "web-1\n",
        "/proc/sys/kernel/osrelease": "5.15.0-105-generic\n",
        "/proc/cpuinfo": "\n".join(cpuinfo_block(n, 0, n) for n in range(2)),
        "/proc/meminfo": "MemTotal: 2048 kB\nMemFree: 1024 kB\nMemAvailable: 1536 kB\n",
        "/proc/uptime": "90061.2 10.0\n",
        "/proc/1/comm": "systemd\n",
        "/var/lib/dpkg/status": "Package: a\nStatus: install ok installed\n",
    }
    environ = {"USER": "alice", "SHELL": "/usr/bin/zsh", "TERM": "xterm-256color", "LANG": "C"}
    facts = read_facts(make_tree(tmp_path, files), environ, LINUX)
    assert (facts.user, facts.hostname, facts.os_id, facts.os_id_like) == (
        "alice",
        "web-1",
        "ubuntu",
        ("debian",),
    )
    assert facts.kernel_release == "5.15.0-105-generic"
    assert facts.architecture == "x86_64"
    assert (facts.cpu_cores, facts.cpu_threads) == (2, 2)
    assert (facts.memory_total_bytes, facts.memory_used_bytes) == (2048 * 1024, 512 * 1024)
    assert facts.uptime_s == 90061.2
    assert (facts.shell, facts.term, facts.locale, facts.init_system) == (
        "zsh",
        "xterm-256color",
        "C",
        "systemd",
    )
    assert facts.packages == (("dpkg", 1),)
    assert facts.root_total_bytes is not None and facts.root_total_bytes > 0
    assert facts.load is None and facts.users is None and facts.battery is None


def test_read_facts_falls_back_to_uname_and_sanitizes_what_files_say(tmp_path: Path) -> None:
    hostile = 'PRETTY_NAME="\x1b]0;owned\x07Evil\x1b[2J OS\tX"\nID=evil\n'
    facts = read_facts(make_tree(tmp_path, {"/etc/os-release": hostile}), {"USER": "u"}, LINUX)
    assert facts.os_pretty_name == "]0;ownedEvil[2J OS X"
    assert (facts.hostname, facts.kernel_release) == ("fakehost", "6.1.0-test")
