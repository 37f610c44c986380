import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.layout import (
    MAX_SIDE_CELLS,
    MIN_HEIGHT,
    MIN_WIDTH,
    NO_GPUS,
    TOGGLEABLE_PANELS,
    Layout,
    Rect,
    Tier,
    clamp_size,
    compute_layout,
    screen_panels,
    split,
)
from sot.render.frame import process_page_rows
from sot.render.panels import PANELS
from tests.property import examples


def test_split_carries_the_remainder() -> None:
    assert split(10, [1, 1, 1]) == [3, 4, 3]
    assert sum(split(101, [60, 40])) == 101
    assert split(0, [1, 2]) == [0, 0]


def test_tiers() -> None:
    assert compute_layout(39, 30).tier is Tier.TOO_SMALL
    assert compute_layout(80, 9).tier is Tier.TOO_SMALL
    assert compute_layout(40, 10).tier is Tier.NARROW
    assert compute_layout(80, 24).tier is Tier.COMPACT
    assert compute_layout(100, 30).tier is Tier.MEDIUM
    assert compute_layout(160, 48).tier is Tier.FULL
    full = compute_layout(160, 48)
    assert all(full.rect(name) is not None for name in ("cpu", "memory", "disks", "network"))


@pytest.mark.parametrize(
    ("width", "height", "rows"),
    [(80, 24, 14), (100, 30, 16), (120, 40, 20), (160, 48, 24), (60, 20, 10), (40, 10, 3)],
)
def test_the_process_table_gets_the_room(width: int, height: int, rows: int) -> None:
    # htop shows 15 rows at 80x24 and 39 at 160x48; sot keeps its meters above the table.
    table = compute_layout(width, height).rect("processes")
    assert table is not None and process_page_rows(width, height) >= rows


def _assert_tiles(layout: Layout, width: int, height: int) -> None:
    """Every rect on screen, none overlapping, each registered panel at its minimum size; the
    panels tile the screen (no gap rows or columns)."""
    rects = layout.panels()
    for rect in rects:
        assert rect.width > 0 and rect.height > 0
        assert rect.x >= 0 and rect.right <= width
        assert rect.y >= 0 and rect.bottom <= height
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            overlap_x = a.x < b.right and b.x < a.right
            overlap_y = a.y < b.bottom and b.y < a.bottom
            assert not (overlap_x and overlap_y), (a, b)
    for name, rect in layout.places:
        panel = PANELS[name]
        assert rect.width >= panel.min_width and rect.height >= panel.min_height, (name, rect)
    if layout.tier is not Tier.TOO_SMALL:
        assert sum(r.width * r.height for r in rects) == width * height


@settings(max_examples=examples(400))
@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=200))
def test_every_rect_is_on_screen_and_disjoint(width: int, height: int) -> None:
    _assert_tiles(compute_layout(width, height), width, height)


def test_sizes_from_outside_are_clamped_to_1000_cells_each_way() -> None:
    assert clamp_size(99_999_999, 40) == (MAX_SIDE_CELLS, 40)
    assert clamp_size(120, 10**12) == (120, MAX_SIDE_CELLS)
    assert clamp_size(-5, 0) == (0, 0)
    assert clamp_size(1000, 1000) == (1000, 1000)


TOGGLEABLE_HERE = ("cpu", "memory", "disks", "network", "gpu", "processes")


@settings(max_examples=examples(600))
@given(
    st.integers(min_value=MIN_WIDTH, max_value=400),
    st.integers(min_value=MIN_HEIGHT, max_value=150),
    st.frozensets(st.sampled_from(TOGGLEABLE_PANELS)),
    st.sampled_from((None, *screen_panels("dashboard"))),
)
def test_hidden_and_zoomed_panels_keep_every_tier(
    width: int, height: int, hidden: frozenset[str], zoom: str | None
) -> None:
    layout = compute_layout(width, height, hidden=hidden, zoom=zoom)
    assert layout.tier is not Tier.TOO_SMALL
    _assert_tiles(layout, width, height)
    names = [name for name, _ in layout.places]
    if zoom is not None:
        assert names == ["header", zoom, "status"]
        return
    shown = set(TOGGLEABLE_HERE) - hidden
    if shown:
        assert not set(names) & hidden  # a hidden panel is not drawn...
    else:  # ...unless everything is hidden: then the table stays
        assert names == ["header", "processes", "status"]
    table = layout.rect("processes")
    if "processes" not in hidden or not shown:
        assert table is not None and table.height >= 3  # its border, header and a row
        assert process_page_rows(width, height, hidden=hidden) >= 1


@pytest.mark.parametrize("screen", ["ps", "disk"])
@settings(max_examples=examples(100))
@given(
    width=st.integers(min_value=MIN_WIDTH, max_value=300),
    height=st.integers(min_value=MIN_HEIGHT, max_value=120),
    data=st.data(),
)
def test_other_screens_zoom_each_panel(
    screen: str, width: int, height: int, data: st.DataObject
) -> None:
    zoom = data.draw(st.sampled_from((None, *screen_panels(screen))))
    layout = compute_layout(width, height, screen=screen, zoom=zoom)
    _assert_tiles(layout, width, height)
    if zoom is not None:
        assert [name for name, _ in layout.places] == ["header", zoom, "status"]


def test_hidden_panels_give_their_room_to_the_table() -> None:
    # Without GPUs, as on most machines: the GPU band would otherwise share the rows.
    full = compute_layout(160, 48, hidden=NO_GPUS).rect("processes")
    no_memory = compute_layout(160, 48, hidden=frozenset({"memory", "gpu"}))
    cpu = no_memory.rect("cpu")
    assert cpu is not None and cpu.width == 160  # the band's other panel takes the width
    no_graphs = compute_layout(160, 48, hidden=frozenset({"cpu", "memory", "gpu"})).rect(
        "processes"
    )
    assert full is not None and no_graphs is not None and no_graphs.height > full.height
    # The medium tier's rates band loses a line per hidden panel, the compact summary too.
    medium = compute_layout(100, 30, hidden=frozenset({"disks", "gpu"})).rect("rates")
    assert medium is not None and medium.height == 1
    compact = compute_layout(80, 24, hidden=frozenset({"cpu", "gpu"})).rect("summary")
    assert compact is not None and compact.height == 3
    gone = compute_layout(80, 24, hidden=frozenset({"cpu", "memory", "disks", "network", "gpu"}))
    assert gone.rect("summary") is None
    table = gone.rect("processes")
    assert table is not None and table.height == 22


def test_zoom_gives_the_panel_the_body() -> None:
    for width, height in ((40, 10), (80, 24), (160, 48)):
        table = compute_layout(width, height, zoom="processes").rect("processes")
        assert table == Rect(1, 0, width, height - 2)
    assert compute_layout(80, 24, zoom="ports").rect("ports") is None  # not a dashboard panel


def test_with_the_table_hidden_a_meter_band_keeps_a_row_per_line() -> None:
    # 100x30 (medium): the rates band keeps its two lines, the graphs take the rest.
    layout = compute_layout(100, 30, hidden=frozenset({"processes", "gpu"}))
    rates, cpu = layout.rect("rates"), layout.rect("cpu")
    assert rates is not None and rates.height == 2
    assert cpu is not None and cpu.height == 30 - 2 - 2
    one_line = compute_layout(100, 30, hidden=frozenset({"processes", "gpu", "disks"}))
    assert (one_line.rect("rates") or Rect(0, 0, 0, 0)).height == 1
    # Only meters left (80x24, compact): they take the body, nothing else can.
    compact = compute_layout(80, 24, hidden=frozenset({"processes", "gpu"})).rect("summary")
    assert compact is not None and compact.height == 22
