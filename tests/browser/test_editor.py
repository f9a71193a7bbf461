"""The question editor and an upload with pictures, in Chromium, with and without JavaScript:
upload a bank with its media folder, edit a question by its form (add an option, upload a
picture with alt text, preview, save), and no script from a question ever runs."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.banks.test_media import picture_bank
from tests.media_files import png_bytes

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"


def _picture_loaded(locator) -> bool:
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_upload_a_bank_with_pictures_then_edit_a_question_by_its_form(
    browser, live_server, make_user, tmp_path, javascript
):
    teacher = make_user("instructor", password=PASSWORD)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("strips.yaml", picture_bank("strips", "red"))
        archive.writestr("media/red.png", png_bytes(40, 30, "red"))
    bank_file = tmp_path / "strips.zip"
    bank_file.write_bytes(package.getvalue())
    picture = tmp_path / "lead-ii.png"
    picture.write_bytes(png_bytes(30, 20, "blue"))

    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.add_init_script("window.__xss = undefined")
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")

    # The upload: its preview shows the pictures, with their alt text.
    page.goto(live_server + "/banks/upload")
    page.get_by_label("Question file").set_input_files(str(bank_file))
    page.get_by_role("button", name=re.compile("Upload|Preview|Check")).first.click()
    strip = page.get_by_role("img", name="An ECG strip")
    expect(strip).to_be_visible()
    assert _picture_loaded(strip)
    page.get_by_role("button", name=re.compile("Import 2 questions")).click()
    expect(page.get_by_text("Imported 2 questions")).to_be_visible()
    slug = re.search(r"/banks/([^/?#]+)$", page.url).group(1)

    # The editor: add an option, put a picture in it, preview, then save.
    page.goto(f"{live_server}/banks/{slug}/questions/p1/edit")
    expect(page.get_by_label("Question text")).to_have_value(re.compile("Name this rhythm"))
    page.get_by_role("button", name="Add an option").click()
    page.get_by_label("Option D", exact=True).fill("Sinus <i>bradycardia</i>")
    page.get_by_label(re.compile("^Picture")).set_input_files(str(picture))
    page.get_by_label("Put it in").select_option(label="Option D")
    page.get_by_label("Its alt text").fill("Lead II strip")
    page.get_by_role("button", name="Upload the picture").click()
    expect(page.get_by_text("Picture added")).to_be_visible()
    stem = page.get_by_label("Question text")
    stem.fill(stem.input_value() + "<script>window.__xss = 1</script>")
    page.get_by_role("button", name="Preview as a student sees it").click()
    preview = page.locator("#student-preview")
    expect(preview.get_by_role("img", name="Lead II strip")).to_be_visible()
    assert _picture_loaded(preview.get_by_role("img", name="Lead II strip"))
    expect(preview.get_by_role("img", name="An ECG strip")).to_be_visible()
    expect(preview.locator("i", has_text="bradycardia")).to_be_visible()
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Saved as a new version.")).to_be_visible()
    expect(
        page.get_by_text(re.compile("formatting that is not allowed was removed"))
    ).to_be_visible()
    assert page.evaluate("window.__xss") is None
    assert errors == []
    context.close()
