// Texts the server translated, with blanks the device fills in.

/** `template` with each `{name}` filled from `values`; a blank with no value stays. */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (blank, name) => values[name] ?? blank);
}
