// Builds static/dist: our front-end code bundled with its npm packages, every file under
// a content-hashed name, a manifest.json mapping logical names to hashed ones (read by
// app/assets.py), app icons drawn from the SVG, and the service worker, which precaches
// exactly this build's files. Text files get brotli and gzip twins beside them, which
// app/compression.py sends to browsers that take them.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { Resvg } from "@resvg/resvg-js";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// KEFU_ASSET_DIR builds elsewhere (a release being prepared, a test's second release);
// KEFU_RELEASE stamps the bundles, so that two releases always differ.
const out = process.env.KEFU_ASSET_DIR || join(root, "static", "dist");
const release = process.env.KEFU_RELEASE || "";
const ICON_SIZES = [192, 512];

// `import "kefu:jobs"` stands for every module in static/src/jobs/: a new job's device
// code is found by being there.
const jobsIndex = {
  name: "kefu-jobs",
  setup(plugin) {
    plugin.onResolve({ filter: /^kefu:jobs$/ }, () => ({ path: "jobs", namespace: "kefu" }));
    plugin.onLoad({ filter: /.*/, namespace: "kefu" }, () => ({
      contents: readdirSync(join(root, "static/src/jobs"))
        .filter((name) => name.endsWith(".js"))
        .sort()
        .map((name) => `import "./${name}";`)
        .join("\n"),
      resolveDir: join(root, "static/src/jobs"),
    }));
  },
};

// Alpine's CSP build reads every global once as it loads, to refuse them to expressions
// later; reading `fence` makes Chromium report a deprecated API, which Lighthouse counts
// against best practices. Alpine skips two such globals already (alpinejs/alpine#4787);
// this skips the third until a release of its own does.
const ALPINE_SKIPS = 'key === "styleMedia" || key === "sharedStorage"';
const alpineSkipsFence = {
  name: "alpine-skips-fence",
  setup(plugin) {
    plugin.onLoad({ filter: /@alpinejs[\\/]csp[\\/]dist[\\/]module\.esm\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      if (!source.includes(ALPINE_SKIPS)) throw new Error(`${path} changed: does it still read globalThis.fence?`);
      return { contents: source.replace(ALPINE_SKIPS, `${ALPINE_SKIPS} || key === "fence"`), loader: "js" };
    });
  },
};

async function bundle(entry, define = {}) {
  const result = await build({
    plugins: [jobsIndex, alpineSkipsFence],
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    format: "iife",
    target: "chrome100",
    write: false,
    define,
    banner: release ? { js: `/* Kefu release ${release} */` } : undefined,
    logLevel: "warning",
  });
  return Buffer.from(result.outputFiles[0].contents);
}

function read(source) {
  return readFileSync(join(root, source));
}

function png(svg, size) {
  return new Resvg(svg, { fitTo: { mode: "width", value: size } }).render().asPng();
}

// A launcher may cut a maskable icon to any shape that holds the middle 80%: the drawing
// keeps within it, so it only needs a square of the brand colour under its rounded corners.
function maskable(svg) {
  return svg.toString().replace(/(<svg[^>]*>)/, '$1<rect width="100%" height="100%" fill="#0b5d4b"/>');
}

const TEXT = new Set([".js", ".css", ".svg"]);

function writeWithTwins(path, bytes) {
  writeFileSync(path, bytes);
  if (!TEXT.has(extname(path))) return;
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// logical name -> bytes; third-party code comes from node_modules only.
const files = {
  "htmx.js": read("node_modules/htmx.org/dist/htmx.min.js"),
  "app.js": await bundle("static/src/app.js"),
  "app.css": read("static/src/app.css"),
  "icon.svg": read("static/src/icon.svg"),
};
const logo = read("static/src/icon.svg");
for (const size of ICON_SIZES) files[`icon-${size}.png`] = png(logo, size);
files["icon-maskable-512.png"] = png(maskable(logo), 512);

const manifest = {};
for (const [name, bytes] of Object.entries(files)) {
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  const ext = extname(name);
  const hashed = `${name.slice(0, -ext.length)}.${hash}${ext}`;
  writeWithTwins(join(out, hashed), bytes);
  manifest[name] = hashed;
}
writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

// The worker's own bytes change whenever any file changes, so browsers install it anew.
const precache = Object.values(manifest).map((hashed) => ({ url: `/static/dist/${hashed}`, revision: null }));
const buildId = createHash("sha256").update(JSON.stringify(precache)).digest("hex").slice(0, 12);
const worker = await bundle("static/src/sw.js", {
  __PRECACHE__: JSON.stringify(precache),
  __BUILD_ID__: JSON.stringify(buildId),
});
writeWithTwins(join(out, "sw.js"), worker);
console.log(`built ${Object.keys(manifest).length} assets and sw.js (build ${buildId}) into ${out}`);
