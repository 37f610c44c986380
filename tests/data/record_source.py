"""Record this machine's psutil results into tests/data/recorded_host.json (run by hand).

uv run python tests/data/record_source.py
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from sot.collect.source import PsutilSource


def main() -> None:
    source = PsutilSource()
    procs = list(source.processes())[:40]

    def plain(value: object) -> object:
        return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value  # type: ignore[arg-type]

    doc = {
        "host": plain(source.host_info()),
        "cpu": [plain(c) for c in source.per_cpu_times() or []],
        "counts": list(source.cpu_counts()),
        "frequency": plain(source.cpu_frequency()),
        "sensors": [plain(s) for s in source.temperatures()],
        "load": source.load_average(),
        "users": source.user_count(),
        "memory": plain(source.virtual_memory()),
        "swap": plain(source.swap_memory()),
        "partitions": [plain(p) for p in source.partitions()],
        "usage": {
            p.mount_point: plain(source.disk_usage(p.mount_point))
            for p in source.partitions()
            if source.disk_usage(p.mount_point) is not None
        },
        "disks": {k: plain(v) for k, v in source.disk_counters().items()},
        "nics": {k: plain(v) for k, v in source.net_counters().items()},
        "nic_stats": {k: plain(v) for k, v in source.net_stats().items()},
        "addresses": {k: [list(v[0]), list(v[1])] for k, v in source.net_addresses().items()},
        "virtual": sorted(source.virtual_interfaces()),
        "route": source.default_route_interface(),
        "processes": [plain(p) for p in procs],
        "identities": {str(p.pid): plain(source.process_identity(p.pid)) for p in procs},
    }
    out = Path(__file__).with_name("recorded_host.json")
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
