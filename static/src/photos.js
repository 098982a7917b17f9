// The photo capture of every job's form (templates/_photo_capture.html): each photo taken
// is kept here, shown as a thumbnail that can be removed, and counted against the limit.
import { fill } from "./text.js";

const MAX_PHOTO_SIDE = 1600;

/** A photo made smaller on the device: at most 1600 px on its longer side, as JPEG. */
export async function resized(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
}

const chosen = new WeakMap();

/** The photos chosen with a capture's file input, in the order they were taken. */
export function chosenPhotos(input) {
  return (chosen.get(input) ?? []).map((photo) => photo.file);
}

/** Photo `number` of a list as a thumbnail with its remove button; `labels.photo` and
 * `labels.remove` are the translated texts, with `{n}` for the number. */
export function thumbnail(url, labels, number, remove) {
  const item = document.createElement("li");
  const image = document.createElement("img");
  image.src = url;
  image.alt = fill(labels.photo, { n: number });
  image.width = 88;
  image.height = 88;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "remove";
  button.textContent = "×";
  button.setAttribute("aria-label", fill(labels.remove, { n: number }));
  button.addEventListener("click", remove);
  item.append(image, button);
  return item;
}

export function startPhotoCapture(capture) {
  const input = capture.querySelector("input[data-photos]");
  const list = capture.querySelector(".thumbs");
  const count = capture.querySelector(".photo-count");
  const photos = [];
  chosen.set(input, photos);
  const labels = { photo: capture.dataset.photoLabel, remove: capture.dataset.removeLabel };

  const render = () => {
    list.replaceChildren(
      ...photos.map((photo, index) =>
        thumbnail(photo.url, labels, index + 1, () => {
          URL.revokeObjectURL(photo.url);
          photos.splice(photos.indexOf(photo), 1);
          render();
          input.focus();
        }),
      ),
    );
    list.hidden = photos.length === 0;
    count.textContent = `${photos.length} / ${input.dataset.maxCount}`;
    count.classList.toggle("over", photos.length > Number(input.dataset.maxCount));
  };

  input.addEventListener("change", () => {
    for (const file of input.files) photos.push({ file, url: URL.createObjectURL(file) });
    // Emptied, so that the next shot adds to these rather than replacing them.
    input.value = "";
    render();
  });
  input.form.addEventListener("reset", () => {
    for (const photo of photos) URL.revokeObjectURL(photo.url);
    photos.length = 0;
    render();
  });
}
