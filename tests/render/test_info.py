"""``sot info``'s layout: golden text for a fake machine at two widths (logo beside the facts,
and facts only), its JSON, and the rules every width keeps. Regenerate the golden files with
``SOT_UPDATE_GOLDEN=1 uv run pytest tests/render/test_info.py`` and review the diff."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from sot.facts import Battery, Gpu, SystemFacts, facts_document
from sot.render.info import (
    InfoRole,
    bytes_text,
    plain_text,
    render_info,
    styled_text,
    uptime_text,
)
from sot.render.logos import choose_logo, logo_named
from tests.property import examples

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "\x1b]0;PWNED\x07\x1b[2Jx\tname\n中文🙂"
ESCAPES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def fake_machine(**changes: object) -> SystemFacts:
    facts = SystemFacts(
        user="alice",
        hostname="build-07",
        os_id="debian",
        os_id_like=(),
        os_name="Debian GNU/Linux",
        os_pretty_name="Debian GNU/Linux 12 (bookworm)",
        os_version="12 (bookworm)",
        os_version_id="12",
        kernel_release="6.1.0-18-amd64",
        architecture="x86_64",
        virtualization="kvm",
        container=None,
        hardware_vendor="QEMU",
        hardware_model="Standard PC (Q35 + ICH9, 2009)",
        cpu_model="AMD EPYC 7B13",
        cpu_cores=4,
        cpu_threads=8,
        cpu_max_mhz=3050.0,
        gpus=(
            Gpu("0000:00:02.0", "1af4", "1050", "Red Hat, Inc.", "Virtio 1.0 GPU", "virtio-pci"),
            Gpu("0000:00:03.0", "1234", "1111", None, None, None),
        ),
        memory_total_bytes=16 * 1024**3,
        memory_used_bytes=5 * 1024**3 + 300 * 1024**2,
        swap_total_bytes=2 * 1024**3,
        swap_used_bytes=0,
        root_total_bytes=100 * 1024**3,
        root_used_bytes=37 * 1024**3,
        default_interface="ens3",
        ipv4_address="10.0.0.7",
        ipv6_address="2001:db8::7",
        uptime_s=3 * 86400 + 4 * 3600 + 5 * 60 + 9,
        load=(0.52, 0.4, 0.33),
        init_system="systemd",
        shell="bash",
        term="xterm-256color",
        term_program="tmux 3.3a",
        locale="en_US.UTF-8",
        users=("alice", "root"),
        packages=(("dpkg", 1423), ("rpm", None), ("flatpak", 12)),
        battery=Battery(87, "Discharging"),
    )
    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def check(name: str, actual: str) -> None:
    assert not ESCAPES.search(actual), "escape bytes in plain output"
    path = GOLDEN / name
    if os.environ.get("SOT_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    elif not path.exists():
        pytest.fail(f"golden file {name} is missing: write it with SOT_UPDATE_GOLDEN=1")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs"


@pytest.mark.parametrize(
    ("width", "ascii_only", "name"),
    [
        (100, False, "info-debian-100.txt"),  # logo beside the facts
        (44, False, "info-debian-44.txt"),  # narrower than logo + 40: facts only, values cut
        (72, True, "info-debian-ascii-72.txt"),
    ],
)
def test_info_text_golden(width: int, ascii_only: bool, name: str) -> None:
    facts = fake_machine()
    lines = render_info(facts, choose_logo(facts.os_id, facts.os_id_like), width, ascii_only)
    check(name, plain_text(lines))


def test_info_json_golden() -> None:
    document = facts_document(fake_machine(), "0.0.0-test")
    check("info.json", json.dumps(document, indent=2, ensure_ascii=True) + "\n")


def test_json_keys_are_the_ones_the_issue_promises_and_unknown_is_null() -> None:
    document = facts_document(SystemFacts(), "0")
    promised = {
        "hostname",
        "os_id",
        "os_pretty_name",
        "kernel_release",
        "architecture",
        "virtualization",
        "container",
        "cpu_model",
        "cpu_cores",
        "cpu_threads",
        "memory_total_bytes",
        "swap_total_bytes",
        "root_used_bytes",
        "root_total_bytes",
        "uptime_s",
        "load_1m",
        "packages",
        "gpus",
        "schema_version",
    }
    assert promised <= set(document)
    assert document["schema_version"] == 1
    assert document["packages"] == {} and document["gpus"] == [] and document["users"] is None
    assert all(document[key] is None for key in promised - {"schema_version", "packages", "gpus"})


def test_no_logo_and_unknown_facts_print_only_what_is_known() -> None:
    text = plain_text(render_info(SystemFacts(hostname="h", kernel_release="6.1"), None, 80, False))
    assert text == "h\n─\nKernel: 6.1\n"
    assert plain_text(render_info(SystemFacts(), None, 80, False)) == ""


def test_without_a_width_nothing_is_cut_and_the_logo_stays() -> None:
    long_name = "x" * 300
    facts = fake_machine(os_pretty_name=long_name)
    text = plain_text(render_info(facts, logo_named("tux"), None, False))
    assert long_name in text
    assert text.splitlines()[2].startswith(logo_named("tux").art[2])  # type: ignore[union-attr]


def test_colours_go_where_the_palette_says_and_plain_text_has_none() -> None:
    lines = render_info(
        SystemFacts(user="u", hostname="h", shell="sh"), logo_named("arch"), 80, False
    )
    palette = {
        InfoRole.PLAIN: "<0>",
        InfoRole.LOGO: "<L>",
        InfoRole.TITLE: "<T>",
        InfoRole.LABEL: "<l>",
    }
    styled = styled_text(lines, palette, "<0>")
    first = styled.splitlines()[0]
    assert first.startswith("<L>") and "<T>u@h" in first and first.endswith("<0>")
    assert "<l>Shell: <0>sh<0>" in styled
    assert "<" not in plain_text(lines)


@settings(max_examples=examples(60))
@given(st.integers(1, 140), st.booleans(), st.sampled_from(["hostile", "fake"]))
@example(1, False, "hostile")
@example(61, False, "hostile")
@example(60, True, "fake")
def test_every_line_fits_the_width_and_holds_no_escape(
    width: int, ascii_only: bool, which: str
) -> None:
    facts = (
        fake_machine(hostname=HOSTILE, os_pretty_name=HOSTILE * 3, shell=HOSTILE)
        if which == "hostile"
        else fake_machine()
    )
    lines = render_info(facts, logo_named("debian"), width, ascii_only)
    text = plain_text(lines)
    assert not ESCAPES.search(text)
    for line in text.splitlines():
        assert wcswidth(line) <= width, (width, line)
        if ascii_only:
            assert line.isascii()


def test_numbers_read_as_people_write_them() -> None:
    assert [bytes_text(n) for n in (0, 1023, 1024, 5 * 1024**3 + 300 * 1024**2, 252 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "5.3 GiB",
        "252 GiB",
    ]
    assert [uptime_text(s) for s in (59, 3600, 90061.2)] == ["0m", "1h 0m", "1d 1h 1m"]


def test_ascii_facts_are_laid_out_without_loading_wcwidth() -> None:
    # wcwidth's import costs more than a third of sot info's budget: only text that needs it
    # (CJK, emoji) may load it, not the rule, the ellipsis or a cut ASCII value.
    code = (
        "import sys\n"
        "from sot.facts import SystemFacts\n"
        "from sot.render.info import render_info\n"
        "from sot.render.logos import TUX\n"
        "facts = SystemFacts(user='u', hostname='h', os_pretty_name='x' * 200)\n"
        "render_info(facts, TUX, 60, False)\n"
        "before = 'wcwidth' in sys.modules\n"
        "render_info(SystemFacts(hostname='中文'), TUX, 60, False)\n"
        "print(before, 'wcwidth' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "True"]
