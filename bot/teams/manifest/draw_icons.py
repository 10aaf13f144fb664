"""Draw Pestbot's two Teams icons once, by hand; the PNG files beside this script are what the package ships:

    python -m bot.teams.manifest.draw_icons

The mark is a speech bubble with a heart: someone to talk to, kindly. Microsoft's rules ("Teams app package",
learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package, "App icons"):

- color.png: 192×192, the symbol within the middle 96×96 (48 pixels of padding) on a solid square background,
  corners not rounded (Teams rounds them). Here a white bubble and a coral heart on the app's accent colour.
- outline.png: 32×32, white (255, 255, 255) on a fully transparent background (alpha 0), no other colour and no
  padding around the symbol. Here the bubble's outline with the heart inside, touching every edge.

Both are drawn larger and reduced by averaging blocks of pixels (smooth edges that never spill outside the symbol's
box); the outline is an alpha mask under pure white, so every pixel is white at some opacity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ACCENT = (0x2E, 0x6B, 0x4F)  # the manifest's default accentColor, #2E6B4F
WHITE = (255, 255, 255)
CORAL = (0xE8, 0x60, 0x4C)


def bubble(draw: Any, box: tuple[float, float, float, float], radius: float, tail: list[tuple[float, float]],
           fill: Any) -> None:
    """A rounded body with a tail below on the left."""
    draw.rounded_rectangle(box, radius=radius, fill=fill)
    draw.polygon(tail, fill=fill)


def heart(draw: Any, cx: float, cy: float, width: float, fill: Any) -> None:
    """A heart `width` wide, centred on (cx, cy): two circles and the point below them."""
    r = width / 4
    top = cy - 0.45 * width / 2
    for x in (cx - r, cx + r):
        draw.ellipse((x - r * 1.02, top - r, x + r * 1.02, top + r), fill=fill)
    draw.polygon([(cx - 2 * r * 0.98, top + r * 0.35), (cx + 2 * r * 0.98, top + r * 0.35),
                  (cx, cy + 0.55 * width)], fill=fill)


def color_icon(scale: int = 8) -> Any:
    from PIL import Image, ImageDraw

    s = scale
    canvas = Image.new("RGB", (192 * s, 192 * s), ACCENT)
    draw = ImageDraw.Draw(canvas)
    # The symbol stays inside x, y in [50, 142]: the 96×96 box of [48, 144) with a pixel to spare.
    bubble(draw, (50 * s, 54 * s, 142 * s, 122 * s), 20 * s,
           [(64 * s, 112 * s), (90 * s, 112 * s), (58 * s, 142 * s)], WHITE)
    heart(draw, 96 * s, 86 * s, 40 * s, CORAL)
    return canvas.reduce(s)


def inset_tail(tail: list[tuple[float, float]], d: float, top: float) -> list[tuple[float, float]]:
    """The tail's inside: its two slanted sides moved `d` inwards, cut off at `top` (inside the body's hollow, so
    that the body and the tail are one hollow)."""
    (ax, ay), (bx, by), (cx, cy) = tail

    def moved(p: tuple[float, float], q: tuple[float, float], towards: tuple[float, float]) -> tuple[float, ...]:
        nx, ny = q[1] - p[1], p[0] - q[0]  # a normal of the side p–q, turned to the triangle's inside
        length = (nx * nx + ny * ny) ** 0.5
        nx, ny = nx / length, ny / length
        if (towards[0] - p[0]) * nx + (towards[1] - p[1]) * ny < 0:
            nx, ny = -nx, -ny
        return p[0] + d * nx, p[1] + d * ny, q[0] - p[0], q[1] - p[1]  # a point on the moved side, its direction

    def at_height(side: tuple[float, ...], y: float) -> tuple[float, float]:
        px, py, dx, dy = side
        return px + (y - py) / dy * dx, y

    def crossing(one: tuple[float, ...], two: tuple[float, ...]) -> tuple[float, float]:
        px, py, dx, dy = one
        qx, qy, ex, ey = two
        t = ((qx - px) * ey - (qy - py) * ex) / (dx * ey - dy * ex)
        return px + t * dx, py + t * dy

    left, right = moved((ax, ay), (cx, cy), (bx, by)), moved((bx, by), (cx, cy), (ax, ay))
    return [at_height(left, top), at_height(right, top), crossing(left, right)]


def outline_icon(scale: int = 16) -> Any:
    from PIL import Image, ImageDraw

    s, w = scale, 2.5  # w: the stroke, in icon pixels
    mask = Image.new("L", (32 * s, 32 * s), 0)
    draw = ImageDraw.Draw(mask)
    body, radius = (0.0, 0.0, 32.0, 25.0), 8.0
    tail = [(5.0, 20.0), (17.0, 20.0), (3.0, 32.0)]

    def scaled(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * s, y * s) for x, y in points]

    bubble(draw, tuple(v * s for v in body), radius * s, scaled(tail), 255)
    inner = (w, w, 32 - w, 25 - w)
    bubble(draw, tuple(v * s for v in inner), (radius - w) * s, scaled(inset_tail(tail, w, 19.0)), 0)
    heart(draw, 16 * s, 12.5 * s, 13 * s, 255)
    icon = Image.new("RGBA", (32, 32), (*WHITE, 0))
    icon.putalpha(mask.reduce(s))
    return icon


def main() -> None:
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print(f"Getekend: {HERE / 'color.png'} en {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
