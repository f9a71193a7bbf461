"""Pictures made on the fly for the tests (nothing binary is committed)."""

import io
import struct
import zlib

from PIL import Image


def png_bytes(width: int = 8, height: int = 6, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(width: int = 8, height: int = 6) -> bytes:
    """A JPEG carrying EXIF (a camera make and a description) that cleaning must remove."""
    image = Image.new("RGB", (width, height), "blue")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x010E] = "answer-is-B.jpg"  # ImageDescription
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb(side: int = 30_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims side x side pixels: the zeros of its
    pixel data compress about a thousand to one."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\0" * (side + 1) * 64, 9)  # the first rows only
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>window.__xss = 1</script><rect width='10' height='10'/></svg>"
)
