"""The theme's colours meet RGAA's contrast levels for every text the style sheet colours:
4.5:1 in the normal look, 7:1 in the high-contrast look; and the text sizes scale the type."""

from __future__ import annotations

import re

import pytest

from ui.theme import HIGH_CONTRAST, STANDARD, TEXT_SCALES, Look, stylesheet

RULE = re.compile(r"([^{}]+)\{([^}]*)\}")


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def declarations(body: str) -> dict[str, str]:
    found = {}
    for part in body.split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            found[name.strip()] = value.strip()
    return found


def text_pairs(look: Look) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every text the sheet colours. A rule without
    its own background is drawn on the page or on a white surface (a dialog, a tile): both
    are checked. Disabled controls are exempt (WCAG 1.4.3), like decorations (::chunk)."""
    palette = look.palette
    pairs = []
    sheet = stylesheet(look)
    for selectors, body in RULE.findall(sheet):
        rule = declarations(body)
        selector = " ".join(selectors.split())
        if ":disabled" in selector or "::" in selector:
            continue
        if "color" not in rule and "background" not in rule:
            continue
        foreground = rule.get("color", palette["text"])
        background = rule.get("background", "transparent")
        if not background.startswith("#"):
            grounds = {palette["page"], palette["surface"]}
        else:
            grounds = {background}
        pairs.extend((selector, foreground, ground) for ground in sorted(grounds))
    return pairs


@pytest.mark.parametrize(
    ("look", "minimum"),
    [(Look(), 4.5), (Look(high_contrast=True), 7.0)],
    ids=["standard", "high-contrast"],
)
def test_every_coloured_text_is_readable(look: Look, minimum: float) -> None:
    pairs = text_pairs(look)
    assert len(pairs) > 30  # the whole sheet was read, not a fragment
    weak = [
        f"{selector}: {fg} on {bg} = {contrast(fg, bg):.2f}"
        for selector, fg, bg in pairs
        if contrast(fg, bg) < minimum
    ]
    assert weak == []


def test_the_check_catches_a_weak_pair() -> None:
    """The check itself fails on a colour a person could not read."""
    weak = 'QLabel[role="help"] { color: #aaaaaa; }'
    pairs = text_pairs_of(weak, Look())
    assert pairs and contrast(pairs[0][1], pairs[0][2]) < 4.5


def text_pairs_of(template: str, look: Look) -> list[tuple[str, str, str]]:
    sheet = stylesheet(look, template)
    found = []
    for selectors, body in RULE.findall(sheet):
        rule = declarations(body)
        if "color" in rule:
            found.append((selectors.strip(), rule["color"], look.palette["page"]))
    return found


def test_both_palettes_define_the_same_colours() -> None:
    assert STANDARD.keys() == HIGH_CONTRAST.keys()
    template = re.sub(r"/\*.*?\*/", "", stylesheet_template(), flags=re.S)
    used = set(re.findall(r"@([a-z][a-z-]*)", template))
    assert used <= STANDARD.keys()


def stylesheet_template() -> str:
    from ui.theme import STYLE_PATH

    return STYLE_PATH.read_text(encoding="utf-8")


def test_text_sizes_scale_type_and_targets() -> None:
    normal, largest = stylesheet(Look()), stylesheet(Look(text_size=len(TEXT_SCALES) - 1))
    assert "font-size: 24px" in normal
    assert f"font-size: {round(24 * TEXT_SCALES[-1])}px" in largest
    assert f"min-height: {round(64 * TEXT_SCALES[-1])}px" in largest
    assert "@" not in normal  # every token was filled in


@pytest.mark.parametrize("look", [Look(), Look(high_contrast=True)], ids=["standard", "contrast"])
def test_the_focus_is_drawn_visibly(look: Look) -> None:
    """A thick border in the focus colour on buttons and boxes, at 3:1 at least against the
    page and the surfaces (WCAG 1.4.11, what a keyboard or switch user follows)."""
    sheet = stylesheet(look)
    focus = look.palette["focus"]
    assert f"QPushButton:focus {{ outline: none; border-color: {focus}; }}" in sheet
    assert f"QLineEdit:focus {{ border: 3px solid {focus}; }}" in sheet
    for ground in (look.palette["page"], look.palette["surface"]):
        assert contrast(focus, ground) >= 3.0
