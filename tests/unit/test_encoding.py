from sot.encoding import choose_glyphs, user_locale_is_utf8
from sot.render.glyphs import ASCII, UNICODE


def test_locale_detection_ignores_pythons_coercion() -> None:
    assert user_locale_is_utf8({"LANG": "en_US.UTF-8"})
    assert not user_locale_is_utf8({"LANG": "C"})
    assert not user_locale_is_utf8({"LANG": "C", "LC_CTYPE": "C.UTF-8"})  # PEP 538 coercion
    assert not user_locale_is_utf8({"LC_CTYPE": "C.UTF-8"})
    assert user_locale_is_utf8({"LANG": "de_DE", "LC_CTYPE": "de_DE.utf8"})
    assert not user_locale_is_utf8({"LC_ALL": "C", "LANG": "en_US.UTF-8"})
    assert not user_locale_is_utf8({})


def test_glyph_choice() -> None:
    utf8 = {"LANG": "en_US.UTF-8", "TERM": "xterm-256color"}
    assert choose_glyphs(utf8, "utf-8") is UNICODE
    assert choose_glyphs(utf8, "ascii") is ASCII
    assert choose_glyphs({**utf8, "TERM": "linux"}, "utf-8") is ASCII
    assert choose_glyphs({"LANG": "C", "TERM": "screen"}, "utf-8") is ASCII
    assert choose_glyphs(utf8, "utf-8", force_ascii=True) is ASCII
    assert choose_glyphs({"LANG": "C"}, "utf-8", force_unicode=True) is UNICODE
