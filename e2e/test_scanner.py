"""The shared QR scanner reads a code from the camera, in a real Chromium whose fake
camera shows one, and announces it to the page around it."""

from flask import render_template_string

SCANNER = "{% from '_qr_scanner.html' import qr_scanner %}{{ qr_scanner('扫码') }}"

PLACE_SCANNER = """(html) => {
  const box = document.createElement('section');
  box.innerHTML = html;
  document.querySelector('main').append(box);
  document.addEventListener('qr-scanned', (event) => { window.scanned = event.detail.text; });
  // As htmx announces markup it has swapped in, which is how scanners reach a page later.
  box.dispatchEvent(new CustomEvent('htmx:load', { bubbles: true }));
}"""


def test_the_scanner_reads_the_cameras_qr_code_and_turns_the_camera_off(camera_tablet, live_server):
    page = camera_tablet("floor1", "kefu-checkpoint:Sticker-0123456789")
    with live_server.app.test_request_context():
        scanner_html = render_template_string(SCANNER)
    page.evaluate(PLACE_SCANNER, scanner_html)
    page.context.set_offline(True)

    page.get_by_role("button", name="扫码").click()

    page.wait_for_function("() => window.scanned !== undefined")
    assert page.evaluate("window.scanned") == "kefu-checkpoint:Sticker-0123456789"
    assert page.locator(".scan-view").is_hidden()
    assert page.locator("video").evaluate("(video) => video.srcObject") is None
    assert page.get_by_role("button", name="扫码").is_visible()
