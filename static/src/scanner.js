// The QR scanner of every job that scans (templates/_qr_scanner.html): checkpoint stickers
// on patrols, passes at the gate. jsQR decodes the camera's frames here, because
// BarcodeDetector is missing from Chromium on Linux and from Firefox. A decoded code is
// announced as a bubbling `qr-scanned` event whose `detail.text` is the code's text; the
// page that holds the scanner decides what it means.

import jsQR from "jsqr";

// Decoding a smaller frame is several times faster and still reads a sticker at arm's length.
const FRAME_WIDTH = 640;

/** The text of the QR code in these pixels, or null when there is none. */
export function decodeQr(image) {
  const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
  return code ? code.data : null;
}

function startScanner(scanner) {
  const start = scanner.querySelector("[data-scan-start]");
  const stop = scanner.querySelector("[data-scan-stop]");
  const view = scanner.querySelector(".scan-view");
  const video = scanner.querySelector("video");
  const status = scanner.querySelector(".scan-status");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null;

  const close = () => {
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    start.hidden = false;
  };

  const look = () => {
    if (!stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      canvas.width = Math.min(FRAME_WIDTH, video.videoWidth);
      canvas.height = Math.round((video.videoHeight * canvas.width) / video.videoWidth);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const text = decodeQr(context.getImageData(0, 0, canvas.width, canvas.height));
      if (text !== null) {
        close();
        status.textContent = "";
        scanner.dispatchEvent(new CustomEvent("qr-scanned", { bubbles: true, detail: { text } }));
        return;
      }
    }
    requestAnimationFrame(look);
  };

  start.addEventListener("click", async () => {
    status.textContent = "";
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch {
      status.textContent = scanner.dataset.cameraError;
      return;
    }
    video.srcObject = stream;
    view.hidden = false;
    start.hidden = true;
    await video.play();
    stop.focus();
    requestAnimationFrame(look);
  });
  stop.addEventListener("click", () => {
    close();
    start.focus();
  });
  // A camera left on drains the tablet's battery and keeps its light on.
  window.addEventListener("pagehide", close);
}

function startScannersIn(root) {
  root.querySelectorAll("[data-qr-scanner]:not([data-scanner-started])").forEach((scanner) => {
    scanner.dataset.scannerStarted = "";
    startScanner(scanner);
  });
}

export function startScanners() {
  startScannersIn(document);
  document.addEventListener("htmx:load", (event) => startScannersIn(event.target));
}
