import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.layout import MAX_SIDE_CELLS, Tier, clamp_size, compute_layout, split
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


@settings(max_examples=examples(400))
@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=200))
def test_every_rect_is_on_screen_and_disjoint(width: int, height: int) -> None:
    layout = compute_layout(width, height)
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
        panel = PANELS[name]  # every placed panel is registered, and gets its minimum size
        assert rect.width >= panel.min_width and rect.height >= panel.min_height, (name, rect)
    if layout.tier is not Tier.TOO_SMALL:
        # Panels tile the screen: no gap rows, no gap columns.
        assert sum(r.width * r.height for r in rects) == width * height


def test_sizes_from_outside_are_clamped_to_1000_cells_each_way() -> None:
    assert clamp_size(99_999_999, 40) == (MAX_SIDE_CELLS, 40)
    assert clamp_size(120, 10**12) == (120, MAX_SIDE_CELLS)
    assert clamp_size(-5, 0) == (0, 0)
    assert clamp_size(1000, 1000) == (1000, 1000)
