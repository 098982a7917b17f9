// The header's own controls: the user menu, and the property switch inside it.

function closeMenus(except) {
  for (const menu of document.querySelectorAll("details[data-menu][open]")) {
    if (menu !== except) menu.open = false;
  }
}

export function startHeader() {
  // A menu left open would cover the page: a tap elsewhere or Escape closes it.
  document.addEventListener("click", (event) => closeMenus(event.target.closest("details[data-menu]")));
  document.addEventListener("keydown", (event) => {
    const open = document.querySelector("details[data-menu][open]");
    if (event.key !== "Escape" || !open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
}
