"""Build the Teams app package: manifest.json with the bot's app id filled in, plus the two icons.

    python -m bot.teams.manifest.package --app-id 00000000-0000-0000-0000-000000000000 [--out pestbot-teams.zip]

Icons: color.png (192×192) and outline.png (32×32, white on transparent) next to manifest.json are used
when present; otherwise plain placeholder PNGs are generated here (standard library only).
"""

from __future__ import annotations

import argparse
import re
import struct
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).parent
PLACEHOLDER = "{{MICROSOFT_APP_ID}}"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def png(size: int, rgba: tuple[int, int, int, int]) -> bytes:
    """A square PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgba) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * size))
            + chunk(b"IEND", b""))


def build(app_id: str, out: Path) -> Path:
    if not GUID.match(app_id):
        raise SystemExit(f"--app-id moet de Microsoft App ID (een GUID) zijn, niet {app_id!r}")
    manifest = (HERE / "manifest.json").read_text(encoding="utf-8").replace(PLACEHOLDER, app_id)
    icons = {"color.png": png(192, (46, 107, 79, 255)), "outline.png": png(32, (255, 255, 255, 255))}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest)
        for name, generated in icons.items():
            own = HERE / name
            package.writestr(name, own.read_bytes() if own.exists() else generated)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--out", type=Path, default=Path("pestbot-teams.zip"))
    args = parser.parse_args()
    print(build(args.app_id, args.out))


if __name__ == "__main__":
    main()
