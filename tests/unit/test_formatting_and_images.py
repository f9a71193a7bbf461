"""The formatting allow-list and picture checks, without an app."""

import io

import pytest
from PIL import Image

from quizapp.banks.formatting import clean_text, plain_text, render_html
from quizapp.banks.images import MAX_IMAGE_BYTES, ImageError, process_image
from tests.media_files import SVG_WITH_SCRIPT, decompression_bomb, jpeg_with_exif, png_bytes

DIGEST = "ab" * 32

XSS_VECTORS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<svg onload="window.__xss=1"></svg>',
    '<a href="javascript:window.__xss=1">x</a>',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<b style="background:url(javascript:alert(1))" onmouseover="window.__xss=1">x</b>',
    '<table><tr><td onclick="window.__xss=1">1</td></tr></table>',
    "<<script>script>window.__xss=1<</script>/script>",
    '<img src="media:' + DIGEST + '" alt="x" onerror="window.__xss=1">',
]


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_script_never_survives_cleaning_or_rendering(vector):
    cleaned = clean_text(f"Stem {vector}").text
    rendered = render_html(vector, "/media/")
    for text in (cleaned, rendered):
        assert "<script" not in text and "javascript:" not in text
        assert "onerror" not in text and "onload" not in text and "onclick" not in text
        assert "onmouseover" not in text and "style=" not in text and "<iframe" not in text


def test_allowed_formatting_is_kept_and_the_rest_removed_with_a_warning():
    text = (
        "<p>K<sup>+</sup> and H<sub>2</sub>O, <b>bold</b> <i>it</i><br>"
        '<span class="x">span</span></p><ul><li>one</li></ul>'
        "<table><tr><th>a</th><td>1</td></tr></table>"
    )
    result = clean_text(text)
    assert "<sup>+</sup>" in result.text and "<sub>2</sub>" in result.text
    assert "<ul><li>one</li></ul>" in result.text and "<th>a</th>" in result.text
    assert "<span" not in result.text and "span" in result.text
    assert result.warning == "formatting that is not allowed was removed: the <span> tag"


def test_plain_text_is_stored_as_written_and_shown_escaped():
    assert clean_text("Nausea & vomiting").text == "Nausea & vomiting"
    assert clean_text("Nausea & vomiting").warning is None
    # With a "<" the text is read as HTML: a lone "<" is kept, escaped, and shown as written.
    assert plain_text(clean_text("K < 3.5 & falling").text) == "K < 3.5 & falling"
    assert render_html("Nausea & vomiting", "/m/") == "Nausea &amp; vomiting"
    assert plain_text("<b>K</b><sup>+</sup> &amp; Na") == "K+ & Na"


def test_images_need_a_stored_source_and_alt_text():
    kept = clean_text(f'<img src="media:{DIGEST}" alt="An ECG strip">')
    assert kept.images == [DIGEST] and not kept.missing_alt
    assert clean_text(f'<img src="media:{DIGEST}">').missing_alt
    outside = clean_text('<img src="https://evil.example/x.png" alt="x">')
    assert outside.text == "" and outside.unresolved == ["https://evil.example/x.png"]
    rendered = render_html(f'<img src="media:{DIGEST}" alt="An ECG strip">', "/m/")
    assert rendered == f'<img src="/m/{DIGEST}" class="question-image" alt="An ECG strip">'
    assert plain_text(f'<img src="media:{DIGEST}" alt="An ECG strip">') == "[image: An ECG strip]"


def test_a_picture_is_re_encoded_without_its_metadata():
    image = process_image(jpeg_with_exif(), "photo.jpg")
    assert image.mimetype == "image/jpeg" and (image.width, image.height) == (8, 6)
    assert b"SecretCam" not in image.data and b"answer-is-B" not in image.data
    assert not Image.open(io.BytesIO(image.data)).getexif()
    assert process_image(png_bytes()).digest == process_image(png_bytes()).digest


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Just some text, renamed to picture.png\n" * 3, "is not a PNG, JPEG, GIF or WebP"),
        (png_bytes(64, 64, "green")[:-30], "damaged or incomplete"),
        (decompression_bomb(5000), "5000 × 5000 pixels; images may have at most"),
        (decompression_bomb(30_000), "looks like a decompression bomb"),
        (b"\x89PNG" + b"\0" * MAX_IMAGE_BYTES, "images may take at most 5.0 MB"),
        (SVG_WITH_SCRIPT, "SVG drawing, which is not accepted"),
    ],
    ids=["renamed-text", "truncated", "too-many-pixels", "decompression-bomb", "oversize", "svg"],
)
def test_refused_pictures(data, message):
    with pytest.raises(ImageError, match=message):
        process_image(data, "picture.png")


def test_a_bomb_is_refused_before_its_pixels_are_decoded():
    bomb = decompression_bomb(8000)
    assert len(bomb) < 10_000
    with pytest.raises(ImageError, match="8000 × 8000"):
        process_image(bomb)
