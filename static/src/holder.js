// Who holds this tablet. Signing out ends the holder at once, online or offline: no page
// of theirs opens and nothing is saved as them, while what they saved still syncs under
// their name. The next person signs in, or, offline, takes over with their PIN, checked
// here against the salted PBKDF2 hash the server sent (never the PIN itself).
import { enqueue, getMeta, setMeta } from "./store.js";
import { afterChange, syncNow } from "./sync.js";

// Wrong PINs before hand-over waits for the network (a sync resets the count).
const MAX_PIN_FAILURES = 5;
const JUST_SIGNED_IN = "kefu.justSignedIn";
const RETRY_SIGN_OUT_MS = 2000;

function renderedUser() {
  const { userId, userName } = document.body.dataset;
  return userId ? { id: Number(userId), name: userName } : null;
}

/** The user this tablet acts for now; null when nobody holds it. */
export async function holder() {
  return (await getMeta("holder", null)) ?? null;
}

function hexOf(buffer) {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function bytesOf(hex) {
  return new Uint8Array(hex.match(/../g).map((pair) => Number.parseInt(pair, 16)));
}

async function pinMatches(pin, colleague) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: bytesOf(colleague.salt), iterations: colleague.iterations },
    key,
    256,
  );
  return hexOf(bits) === colleague.hash;
}

function lockScreen() {
  return document.getElementById("hand-over");
}

async function fillColleagues(screen) {
  const choice = screen.querySelector("select[name=colleague]");
  const colleagues = await getMeta("pins", []);
  choice.replaceChildren(
    ...colleagues.map((colleague) => {
      const option = document.createElement("option");
      option.value = String(colleague.id);
      option.textContent = colleague.name;
      return option;
    }),
  );
  screen.querySelector("[data-pin-form]").hidden = colleagues.length === 0;
  screen.querySelector("[data-no-colleagues]").hidden = colleagues.length !== 0;
}

/** Nobody holds the tablet: the page is put away behind the hand-over screen. */
async function lock() {
  const screen = lockScreen();
  document.getElementById("main")?.setAttribute("inert", "");
  document.querySelector("nav.jobs")?.setAttribute("inert", "");
  await fillColleagues(screen);
  screen.querySelector("[data-sign-in]").hidden = !navigator.onLine;
  screen.hidden = false;
  screen.querySelector("select, a")?.focus();
}

function unlock(person) {
  lockScreen().hidden = true;
  document.getElementById("main")?.removeAttribute("inert");
  document.querySelector("nav.jobs")?.removeAttribute("inert");
  for (const name of document.querySelectorAll(".user-name, .menu-who-name")) name.textContent = person.name;
}

async function takeOver(screen) {
  const message = screen.querySelector("[data-pin-message]");
  if ((await getMeta("pinFailures", 0)) >= MAX_PIN_FAILURES) {
    message.textContent = screen.dataset.locked;
    return;
  }
  const form = screen.querySelector("[data-pin-form]");
  const colleagues = await getMeta("pins", []);
  const colleague = colleagues.find((person) => String(person.id) === form.elements.colleague.value);
  const pin = form.elements.pin.value;
  form.elements.pin.value = "";
  if (!colleague || !(await pinMatches(pin, colleague))) {
    const failures = (await getMeta("pinFailures", 0)) + 1;
    await setMeta("pinFailures", failures);
    message.textContent = failures >= MAX_PIN_FAILURES ? screen.dataset.locked : screen.dataset.wrongPin;
    return;
  }
  const previous = await getMeta("lastHolder", null);
  // Reported as the device's own change: the server learns of the hand-over from it and
  // tells the office, and only then accepts changes made as the new holder.
  await enqueue("handover.take@1", { user_id: colleague.id, from_user_id: previous?.id ?? null });
  await setMeta("pinFailures", 0);
  await becomeHolder({ id: colleague.id, name: colleague.name });
  message.textContent = "";
  unlock(colleague);
  await afterChange();
}

async function becomeHolder(person) {
  await setMeta("holder", person);
  await setMeta("lastHolder", person);
}

/** Sign the holder out on this device, whatever the network, then on the server if it can. */
export async function signOut(form) {
  await setMeta("holder", null);
  if (navigator.onLine) {
    form.submit();
  } else {
    await lock();
  }
}

async function serverReachable() {
  try {
    return (await fetch("/healthz", { cache: "no-store" })).ok;
  } catch {
    return false;
  }
}

/** Signed out while offline: send what waits, then end the session on the server too,
 * once the server answers (the browser says "online" before every request gets through). */
async function endServerSession() {
  if (!(await serverReachable())) {
    setTimeout(() => navigator.onLine && endServerSession(), RETRY_SIGN_OUT_MS);
    return;
  }
  await syncNow().catch(() => {});
  document.querySelector("form[data-logout]")?.submit();
}

/** Note on the sign-in form that the next page is that of someone who just signed in. */
function markSignIn() {
  document.getElementById("login-form")?.addEventListener("submit", () => {
    sessionStorage.setItem(JUST_SIGNED_IN, "1");
  });
}

export async function startHolder() {
  markSignIn();
  const screen = lockScreen();
  const page = renderedUser();
  if (!screen || !page) return;
  screen.querySelector("[data-pin-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    takeOver(screen);
  });
  window.addEventListener("online", async () => {
    screen.querySelector("[data-sign-in]").hidden = false;
    if ((await holder()) === null) await endServerSession();
  });
  const current = await getMeta("holder");
  if (sessionStorage.getItem(JUST_SIGNED_IN) || current === undefined) {
    // A sign-in is proof enough; a tablet from before hand-overs takes its user as holder.
    sessionStorage.removeItem(JUST_SIGNED_IN);
    await becomeHolder(page);
    return;
  }
  if (current === null) {
    await lock();
    if (navigator.onLine) await endServerSession();
    return;
  }
  if (current.id !== page.id) unlock(current);
}
