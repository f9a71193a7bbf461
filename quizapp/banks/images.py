"""Check and normalise a question image. Pure: bytes in, a ProcessedImage or ImageError out.

Only PNG, JPEG, GIF and WebP are accepted, and only when Pillow decodes the whole picture.
The picture is then re-encoded from its pixels, so nothing of the original file survives but
the pixels: no EXIF (camera, place, the file's own name), no ICC or text chunks, no trailing
data. SVG is refused: it is a program as much as a picture (scripts, external references), and
sanitising or rasterising it safely needs more than this app should carry; export it as PNG.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

#: Larger uploads are refused before decoding.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: More pixels than this are refused from the header, before the pixels are decoded: a few
#: kilobytes of PNG can claim a picture that would fill the memory (a decompression bomb).
MAX_IMAGE_PIXELS = 4096 * 4096
#: The re-encoded picture must fit in this many bytes.
MAX_STORED_BYTES = 2 * 1024 * 1024

_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/png", "WEBP": "image/webp"}
_SUFFIXES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class ImageError(ValueError):
    """The file is not an image we accept; the message says why, in the uploader's terms."""


@dataclass(frozen=True)
class ProcessedImage:
    #: sha256 of `data`: the image's name in the store and its ETag.
    digest: str
    mimetype: str
    width: int
    height: int
    data: bytes


def suffix_for(mimetype: str) -> str:
    """The file name suffix of a stored picture's type (png, jpg or webp)."""
    return _SUFFIXES[mimetype]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in data[:4096].lower()


def process_image(data: bytes, name: str = "the image") -> ProcessedImage:
    """Decode, check and re-encode an uploaded picture.

    :raises ImageError: for a file that is not a whole PNG, JPEG, GIF or WebP picture, an SVG,
        or one over the limits.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(
            f"{name} takes {_size(len(data))}; images may take at most {_size(MAX_IMAGE_BYTES)}"
        )
    if _looks_like_svg(data):
        raise ImageError(f"{name} is an SVG drawing, which is not accepted: export it as PNG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(_FORMATS)) as image:
                source_format = image.format
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ImageError(
                        f"{name} is {width} × {height} pixels; images may have at most "
                        f"{MAX_IMAGE_PIXELS:,} pixels (for example 4096 × 4096)"
                    )
                image.load()
                picture = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"{name} claims far more pixels than a picture may have ({MAX_IMAGE_PIXELS:,} at "
            "most): it looks like a decompression bomb"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{name} is not a PNG, JPEG, GIF or WebP picture") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{name} is damaged or incomplete and cannot be read") from None
    mimetype = _FORMATS[source_format]
    out = io.BytesIO()
    if mimetype == "image/jpeg":
        picture.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif mimetype == "image/webp":
        picture.save(out, "WEBP", quality=88)
    else:  # PNG, and GIF (its first frame) as PNG
        if picture.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            picture = picture.convert("RGBA")
        picture.save(out, "PNG", optimize=True)
    stored = out.getvalue()
    if len(stored) > MAX_STORED_BYTES:
        raise ImageError(
            f"{name} still takes {_size(len(stored))} once cleaned; make it smaller than "
            f"{_size(MAX_STORED_BYTES)} (fewer pixels, or JPEG)"
        )
    return ProcessedImage(
        digest=hashlib.sha256(stored).hexdigest(),
        mimetype=mimetype,
        width=picture.width,
        height=picture.height,
        data=stored,
    )
