"""The Export menu's Walkthrough… dialog in a real browser: its defaults, the range it checks,
the frame time shown for GIF and MP4 only, and the file it downloads read back."""
from __future__ import annotations

import shutil
import subprocess

from PIL import Image

from tests.page.test_browser import AT_PLUS, TOTAL, open_studio


def test_walkthrough_dialog_downloads_the_chosen_range(page, tmp_path):
    open_studio(page)                                   # the lecture's example, at step 0
    page.keyboard.press("End")
    page.click("#btn-walkthrough")
    dialog = page.locator("#walkthrough-dialog")
    assert dialog.is_visible()
    assert page.input_value("#wt-from") == "0" and page.input_value("#wt-to") == str(TOTAL)
    assert page.text_content("#wt-summary") == f"{TOTAL + 1} pages: steps 0 to {TOTAL}."
    assert not page.is_visible("#wt-frame")             # PDF: no frame time
    page.screenshot(path="/tmp/exports/dialog-pdf.png")

    # Arrow keys in the dialog's fields do not step the graph behind it.
    page.fill("#wt-from", "3")
    page.press("#wt-from", "ArrowUp")
    page.press("#wt-format", "ArrowLeft")
    assert page.input_value("#wt-from") == "4"
    assert page.input_value("#step-slider") == str(TOTAL)

    # A backwards range is refused before any request.
    page.fill("#wt-from", "9")
    page.fill("#wt-to", "2")
    assert "'From' must not be after 'to'" in page.text_content("#wt-summary")
    assert page.is_disabled("#wt-download")

    page.select_option("#wt-format", "gif")
    assert page.is_visible("#wt-frame")
    page.fill("#wt-from", "2")
    page.fill("#wt-to", str(AT_PLUS))
    page.fill("#wt-frame", "600")
    assert page.text_content("#wt-summary") == f"{AT_PLUS - 1} frames: steps 2 to {AT_PLUS}."
    page.screenshot(path="/tmp/exports/dialog-gif.png")
    with page.expect_download(timeout=90_000) as info:     # made by the server: seconds under load
        page.click("#wt-download")
    download = info.value
    assert download.suggested_filename == f"backprop-walkthrough-steps-2-{AT_PLUS}.gif"
    download.save_as(tmp_path / "w.gif")
    gif = Image.open(tmp_path / "w.gif")
    assert gif.n_frames == AT_PLUS - 1 and gif.info["duration"] == 600
    page.wait_for_selector("#walkthrough-dialog", state="hidden")


def test_walkthrough_dialog_pdf_of_the_steps_so_far(page, tmp_path):
    open_studio(page)
    for _ in range(AT_PLUS):
        page.keyboard.press("ArrowRight")
    page.click("#btn-walkthrough")
    page.click("#wt-upto")
    assert page.input_value("#wt-to") == str(AT_PLUS)
    with page.expect_download(timeout=90_000) as info:     # made by the server: seconds under load
        page.click("#wt-download")
    info.value.save_as(tmp_path / "w.pdf")
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed: scripts/setup.sh --test"
    text = subprocess.run(["pdftotext", str(tmp_path / "w.pdf"), "-"], capture_output=True, check=True).stdout.decode()
    pages = text.split("\f")[:-1]
    assert len(pages) == AT_PLUS + 1
    assert "downstream = local × upstream: 2 = 1 × 2" in pages[-1]


def test_walkthrough_dialog_html_player_opens_offline(page, browser, tmp_path):
    """The HTML player downloaded from the dialog opens from disk with every request refused."""
    open_studio(page)
    page.click("#btn-walkthrough")
    page.select_option("#wt-format", "html")
    assert not page.is_visible("#wt-frame")
    assert page.text_content("#wt-summary") == f"{TOTAL + 1} steps: steps 0 to {TOTAL}."
    with page.expect_download(timeout=90_000) as info:     # made by the server: seconds under load
        page.click("#wt-download")
    info.value.save_as(tmp_path / "w.html")
    ctx = browser.new_context()
    allowed, blocked = (tmp_path / "w.html").as_uri(), []

    def route(r):
        if r.request.url == allowed and r.request.is_navigation_request():
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**", route)
    player = ctx.new_page()
    player.goto(allowed)
    player.wait_for_selector("#bp-player svg")
    player.keyboard.press("End")
    player.screenshot(path="/tmp/exports/player-from-dialog.png")
    ctx.close()
    assert blocked == []                      # the file itself, nothing else


def test_walkthrough_dialog_asks_for_the_pages_language(page, tmp_path):
    """A Korean page asks for a Korean walkthrough ("lang": "ko"); the player comes back in Korean."""
    page.goto(page.base_url + "/?lang=ko")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#btn-walkthrough")
    page.select_option("#wt-format", "html")
    with page.expect_request("**/api/walkthrough") as sent, page.expect_download(timeout=90_000) as info:
        page.click("#wt-download")
    assert sent.value.post_data_json["lang"] == "ko"
    info.value.save_as(tmp_path / "w.html")
    player = (tmp_path / "w.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in player and f"{TOTAL}단계 중 0단계" in player
