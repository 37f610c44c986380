"""``sot info``'s text: the facts as labelled lines, beside the OS's logo when there is room.

Pure: facts, a width and the glyph choice in, rows of spans out; which escape sequences (if any)
a role becomes is the command's business. Widths are display cells, measured by
``sot.render.cells``, which is imported only for text beyond ASCII and our own one-cell glyphs:
it loads wcwidth's tables, about 60 ms, more than a third of ``sot info``'s budget, for text that
usually is ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sot.facts import Fan, Gpu, SensorTemperature, SystemFacts
from sot.render.logos import Logo
from sot.safe_text import sanitize

LOGO_GAP = 3  # blanks between the logo and the facts
MIN_FACTS_WIDTH = 40  # narrower than logo + this: facts only, as the issue asks
# Text measured without wcwidth: printable ASCII, the ellipsis and box lines (the rule under the
# title), one cell each wherever wcwidth is asked.
_ONE_CELL_TEXT = re.compile("[\x20-\x7e\u2026\u2500-\u257f]*")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
# systemd-detect-virt's names as people write them.
VIRTUALIZATION_NAMES = {
    "kvm": "KVM",
    "qemu": "QEMU",
    "xen": "Xen",
    "vmware": "VMware",
    "microsoft": "Hyper-V",
    "oracle": "VirtualBox",
    "amazon": "Amazon EC2 (KVM)",
    "google": "Google Compute Engine (KVM)",
    "wsl": "WSL",
    "parallels": "Parallels",
    "bhyve": "bhyve",
    "bochs": "Bochs",
    "apple": "Apple Virtualization",
    "vm": "a virtual machine (hypervisor not named)",
}
CONTAINER_NAMES = {
    "docker": "Docker",
    "podman": "Podman",
    "lxc": "LXC",
    "lxc-libvirt": "LXC (libvirt)",
    "kubernetes": "Kubernetes",
    "systemd-nspawn": "systemd-nspawn",
}


class InfoRole:
    """What a span is, for the command's palette."""

    PLAIN = ""
    LOGO = "logo"
    TITLE = "title"
    LABEL = "label"
    RULE = "rule"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    role: str = InfoRole.PLAIN


InfoLine = tuple[Span, ...]


def display_width(text: str) -> int:
    if _ONE_CELL_TEXT.fullmatch(text):
        return len(text)
    from sot.render.cells import display_width as cells_width

    return cells_width(text)


def fit(text: str, width: int, ellipsis: str) -> str:
    """``text`` cut to ``width`` cells, ending in ``ellipsis`` when cut."""
    if _ONE_CELL_TEXT.fullmatch(text) and _ONE_CELL_TEXT.fullmatch(ellipsis):
        if len(text) <= width:
            return text
        return (text[: max(0, width - len(ellipsis))] + ellipsis)[: max(0, width)]
    from sot.render.cells import fit as cells_fit

    return cells_fit(text, width, ellipsis)


def render_info(
    facts: SystemFacts, logo: Logo | None, width: int | None, ascii_only: bool
) -> tuple[InfoLine, ...]:
    """The lines of ``sot info``: the logo on the left when ``width`` (None: no limit) leaves
    the facts at least MIN_FACTS_WIDTH cells, the facts alone otherwise."""
    rows = fact_rows(facts, ascii_only)
    ellipsis = "~" if ascii_only else "…"
    if logo is not None and (width is None or width >= logo.width + MIN_FACTS_WIDTH):
        left, indent = logo.art, logo.width + LOGO_GAP
    else:
        left, indent = (), 0
    room = None if width is None else width - indent
    lines = []
    for index in range(max(len(left), len(rows))):
        spans: list[Span] = []
        if left:
            art = left[index] if index < len(left) else ""
            spans.append(Span(art.ljust(indent), InfoRole.LOGO))
        if index < len(rows):
            spans.extend(_fitted(rows[index], room, ellipsis))
        lines.append(tuple(span for span in spans if span.text))
    return tuple(lines)


def _fitted(spans: InfoLine, room: int | None, ellipsis: str) -> list[Span]:
    if room is None:
        return list(spans)
    out = []
    for span in spans:
        text = fit(span.text, room, ellipsis)
        room -= display_width(text)
        out.append(Span(text, span.role))
    return out


def fact_rows(facts: SystemFacts, ascii_only: bool) -> list[InfoLine]:
    """The title (user@host), its rule, then one ``Label: value`` line per known fact."""

    def safe(text: str) -> str:
        return sanitize(text, ascii_only)

    rows: list[InfoLine] = []
    title = "@".join(part for part in (facts.user, facts.hostname) if part)
    if title:
        rows.append((Span(safe(title), InfoRole.TITLE),))
        rule = "-" if ascii_only else "─"
        rows.append((Span(rule * display_width(safe(title)), InfoRole.RULE),))
    for label, value in labelled_facts(facts):
        if value:
            rows.append((Span(f"{label}: ", InfoRole.LABEL), Span(safe(value))))
    return rows


def labelled_facts(facts: SystemFacts) -> list[tuple[str, str | None]]:
    """(label, value) in display order; a None value is not shown."""
    return [
        ("OS", _os(facts)),
        ("Arch", facts.architecture),
        ("Host", _host(facts)),
        ("Kernel", facts.kernel_release),
        ("Virtualization", _virtualization(facts.virtualization)),
        ("Container", _name_of(facts.container, CONTAINER_NAMES)),
        ("Uptime", None if facts.uptime_s is None else uptime_text(facts.uptime_s)),
        ("Load", None if facts.load is None else " ".join(f"{v:.2f}" for v in facts.load)),
        ("Packages", _packages(facts.packages)),
        ("Init", facts.init_system),
        ("Shell", facts.shell),
        ("Terminal", _terminal(facts)),
        ("Locale", facts.locale),
        ("CPU", _cpu(facts)),
        *[("GPU", gpu_text(gpu)) for gpu in facts.gpus],
        ("Memory", usage_text(facts.memory_used_bytes, facts.memory_total_bytes)),
        ("Swap", _swap(facts)),
        ("Disk (/)", usage_text(facts.root_used_bytes, facts.root_total_bytes)),
        ("Local IP", _addresses(facts)),
        ("Users", None if not facts.users else ", ".join(facts.users)),
        ("Battery", _battery(facts)),
        ("Temperatures", temperatures_text(facts.temperatures)),
        ("Fans", fans_text(facts.fans)),
    ]


def _os(facts: SystemFacts) -> str | None:
    name = facts.os_pretty_name or facts.os_name
    version = facts.os_version_id
    if name and version and version not in name:
        return f"{name} ({version})"
    return name


def _host(facts: SystemFacts) -> str | None:
    vendor, model = facts.hardware_vendor, facts.hardware_model
    if model and vendor and not model.lower().startswith(vendor.lower()):
        return f"{vendor} {model}"
    return model or vendor


def _name_of(value: str | None, names: Mapping[str, str]) -> str | None:
    return None if value is None else names.get(value, value)


def _virtualization(value: str | None) -> str | None:
    return None if value == "none" else _name_of(value, VIRTUALIZATION_NAMES)


def _packages(counts: tuple[tuple[str, int | None], ...]) -> str | None:
    known = [f"{count} ({manager})" for manager, count in counts if count is not None]
    return ", ".join(known) or None


def _terminal(facts: SystemFacts) -> str | None:
    if facts.term and facts.term_program:
        return f"{facts.term} ({facts.term_program})"
    return facts.term or facts.term_program


def _cpu(facts: SystemFacts) -> str | None:
    counts = []
    if facts.cpu_cores is not None:
        counts.append(f"{facts.cpu_cores} core{'s' if facts.cpu_cores != 1 else ''}")
    if facts.cpu_threads is not None and facts.cpu_threads != facts.cpu_cores:
        counts.append(f"{facts.cpu_threads} thread{'s' if facts.cpu_threads != 1 else ''}")
    parts = [facts.cpu_model or ("CPU" if counts else "")]
    if counts:
        parts.append(f"({', '.join(counts)})")
    if facts.cpu_max_mhz is not None:
        parts.append(f"@ {facts.cpu_max_mhz / 1000:.2f} GHz")
    return " ".join(part for part in parts if part) or None


def gpu_text(gpu: Gpu) -> str:
    """Names from pci.ids where it had them, the PCI ids otherwise, and the driver."""
    if gpu.device_name:
        name = f"{gpu.vendor_name} {gpu.device_name}" if gpu.vendor_name else gpu.device_name
    elif gpu.vendor_id:
        name = f"{gpu.vendor_name or 'PCI'} {gpu.vendor_id}:{gpu.device_id or '????'}"
    else:
        name = "display controller"
    return f"{name} ({gpu.driver})" if gpu.driver else name


def bytes_text(count: int) -> str:
    """1024-based, three significant figures at most: ``512 B``, ``9.5 GiB``, ``252 GiB``."""
    size = float(count)
    unit = 0
    while size >= 1024 and unit < len(_BINARY_UNITS) - 1:
        size /= 1024
        unit += 1
    if unit == 0:
        return f"{count} B"
    digits = 1 if size < 100 else 0
    return f"{size:.{digits}f} {_BINARY_UNITS[unit]}"


def usage_text(used: int | None, total: int | None) -> str | None:
    if total is None:
        return None
    if used is None:
        return f"{bytes_text(total)} total"
    share = f" ({used * 100 / total:.0f}%)" if total > 0 else ""
    return f"{bytes_text(used)} / {bytes_text(total)}{share}"


def _swap(facts: SystemFacts) -> str | None:
    if facts.swap_total_bytes == 0:
        return "none"
    return usage_text(facts.swap_used_bytes, facts.swap_total_bytes)


def _addresses(facts: SystemFacts) -> str | None:
    found = ", ".join(a for a in (facts.ipv4_address, facts.ipv6_address) if a)
    if not found:
        return None
    return f"{found} ({facts.default_interface})" if facts.default_interface else found


def _battery(facts: SystemFacts) -> str | None:
    battery = facts.battery
    if battery is None:
        return None
    percent = None if battery.percent is None else f"{battery.percent}%"
    if percent and battery.status:
        return f"{percent} ({battery.status})"
    return percent or battery.status


def uptime_text(seconds: float) -> str:
    """``3d 4h 5m``, ``4h 5m``, ``5m``: what a person reads at a glance."""
    minutes_total = int(seconds) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if days or hours:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts)


def plain_text(lines: tuple[InfoLine, ...]) -> str:
    """The lines as text, trailing blanks removed: no escape byte anywhere."""
    return "".join("".join(span.text for span in line).rstrip() + "\n" for line in lines)


def styled_text(lines: tuple[InfoLine, ...], palette: Mapping[str, str], reset: str) -> str:
    """The lines with each role's sequence before its text (``palette`` comes from the command:
    rendering never chooses escape bytes)."""
    out = []
    for line in lines:
        text = "".join(palette.get(span.role, reset) + span.text for span in line).rstrip()
        out.append(text + reset if line else "")
    return "\n".join(out) + "\n"


def temperatures_text(readings: tuple[SensorTemperature, ...]) -> str | None:
    """The hottest reading of each chip, in the chips' order: "coretemp 52C, nvme 38C" (every
    reading is in the JSON)."""
    hottest: dict[str, float] = {}
    for reading in readings:
        hottest[reading.chip] = max(reading.celsius, hottest.get(reading.chip, reading.celsius))
    return ", ".join(f"{chip} {celsius:.0f}C" for chip, celsius in hottest.items()) or None


def fans_text(fans: tuple[Fan, ...]) -> str | None:
    """ "2400 rpm, 1800 rpm" """
    return ", ".join(f"{fan.rpm} rpm" for fan in fans) or None
