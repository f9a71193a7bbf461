"""The formatting a question may carry, cleaned at the door and again when shown. Pure.

Question texts (stems, options, prompts, items, rationales) are HTML fragments restricted to a
small allow-list: bold, italic, underline, sub- and superscript, line breaks, paragraphs, lists,
simple tables and images of our own store (``<img src="media:<sha256>" alt="...">``). A text
without ``<`` is plain text and is stored as written, so banks without formatting never change.
Everything else is removed by nh3, and the caller is told what was removed so it can warn.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

import nh3

#: The formatting kept; anything else is removed with a warning.
FORMAT_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "sub", "sup", "br", "p", "ul", "ol", "li",
     "table", "caption", "thead", "tbody", "tr", "th", "td", "img"}
)  # fmt: skip
FORMAT_ATTRIBUTES = {
    "img": {"src", "alt"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
#: Tags removed together with their content (not only the tag).
_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
#: How a stored text names an image of the store: its content hash.
MEDIA_SCHEME = "media:"
MEDIA_REF = re.compile(r"media:([0-9a-f]{64})")
_SRC_ATTRIBUTE = re.compile(r'src="media:([0-9a-f]{64})"')


@dataclass
class CleanText:
    """A text cleaned for storage, and what cleaning had to do."""

    text: str
    #: What was removed ("the <script> tag", "the style attribute of <p>"), for a warning.
    removed: list[str] = field(default_factory=list)
    #: Image sources that resolve_src could not turn into an image of the store.
    unresolved: list[str] = field(default_factory=list)
    #: Content hashes of the images the text shows.
    images: list[str] = field(default_factory=list)
    #: True when an image has no alt text (the caller refuses the text).
    missing_alt: bool = False

    @property
    def warning(self) -> str | None:
        if not self.removed:
            return None
        return "formatting that is not allowed was removed: " + ", ".join(self.removed)


class _Inspector(HTMLParser):
    """Lists the tags and attributes of a fragment that the allow-list will remove."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removed: dict[str, None] = {}
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in FORMAT_TAGS:
            self.removed[f"the <{tag}> tag"] = None
            return
        allowed = FORMAT_ATTRIBUTES.get(tag, set())
        for name, _ in attrs:
            if name not in allowed:
                self.removed[f"the {name} attribute of <{tag}>"] = None
        if tag == "img":
            self.images.append({name: value or "" for name, value in attrs})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def _sanitize(text: str, attribute_filter) -> str:
    return nh3.clean(
        text,
        tags=set(FORMAT_TAGS),
        clean_content_tags=_CONTENT_TAGS,
        attributes=FORMAT_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes={"media", "data", "http", "https"},  # img src: only media: survives
        strip_comments=True,
        link_rel=None,
    ).strip()


def clean_text(text: str, resolve_src: Callable[[str], str | None] | None = None) -> CleanText:
    """Clean one question text for storage.

    :param resolve_src: turns an image source of the file being read (a file name, a path in
        a package) into a content hash of the store, or None when it cannot; without it only
        ``media:<hash>`` sources are kept.
    """
    text = text.strip()
    if "<" not in text:
        return CleanText(text)
    inspector = _Inspector()
    inspector.feed(text)
    inspector.close()
    unresolved: list[str] = []

    def keep_attribute(tag: str, name: str, value: str) -> str | None:
        if tag != "img" or name != "src":
            return value
        if MEDIA_REF.fullmatch(value):
            return value
        digest = resolve_src(value) if resolve_src else None
        if digest is None:
            unresolved.append(value)
            return None
        return MEDIA_SCHEME + digest

    cleaned = _sanitize(text, keep_attribute)
    # An image whose source was dropped shows nothing: remove it altogether.
    cleaned = re.sub(r"<img(?![^>]*\bsrc=)[^>]*>", "", cleaned)
    images = list(dict.fromkeys(_SRC_ATTRIBUTE.findall(cleaned)))
    missing_alt = any(
        not image.get("alt", "").strip()
        for image in inspector.images
        if image.get("src") and image["src"] not in unresolved
    )
    return CleanText(cleaned, list(inspector.removed), unresolved, images, missing_alt)


def image_hashes(text: str) -> list[str]:
    """The content hashes of the images a stored text shows."""
    return list(dict.fromkeys(_SRC_ATTRIBUTE.findall(text))) if "<" in text else []


@lru_cache(maxsize=8192)
def render_html(text: str, media_prefix: str) -> str:
    """A stored text as safe HTML: sanitised again (stored rows may predate the door), images
    pointed at `media_prefix` + hash. Plain texts are only escaped. Cached: a results page
    shows the same few hundred texts to every student (30 µs each uncached)."""
    if "<" not in text and "&" not in text:
        return html.escape(text, quote=False)

    def point_images(tag: str, name: str, value: str) -> str | None:
        if tag == "img" and name == "src":
            match = MEDIA_REF.fullmatch(value)
            return value if match else None
        return value

    cleaned = _sanitize(text, point_images)
    return _SRC_ATTRIBUTE.sub(
        lambda m: f'src="{html.escape(media_prefix + m.group(1))}" class="question-image"', cleaned
    )


class _TextOnly(HTMLParser):
    _BREAKS = frozenset({"br", "p", "li", "tr", "ul", "ol", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            alt = dict(attrs).get("alt") or "image"
            self.parts.append(f"[image: {alt}]")
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag == "td" or tag == "th":
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(text: str) -> str:
    """A stored text without its formatting (images become "[image: alt]"), for places that
    hold text only: select options, keys read aloud, CSV files, plain-text formats."""
    if "<" not in text:
        return html.unescape(text) if "&" in text else text
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    lines = "".join(parser.parts).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())
