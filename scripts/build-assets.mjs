// Builds static/dist: every front-end file under a content-hashed name, and a
// manifest.json mapping logical names to hashed ones for the Flask side
// (app/assets.py) and, later, the service worker's precache list.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "dist");

// logical name -> source file; third-party code comes from node_modules only.
const sources = {
  "htmx.js": "node_modules/htmx.org/dist/htmx.min.js",
  "app.js": "static/src/app.js",
  "app.css": "static/src/app.css",
  "icon.svg": "static/src/icon.svg",
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const manifest = {};
for (const [name, source] of Object.entries(sources)) {
  const bytes = readFileSync(join(root, source));
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  const ext = extname(name);
  const hashed = `${name.slice(0, -ext.length)}.${hash}${ext}`;
  writeFileSync(join(out, hashed), bytes);
  manifest[name] = hashed;
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`built ${Object.keys(manifest).length} assets into static/dist`);
