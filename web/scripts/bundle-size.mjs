// Reports the gzipped JavaScript a browser loads for each first page a visitor can land on (the
// entry chunk, its static imports, and the lazily split chunks of the route and of its layouts),
// one JSON line per route, and fails when any is over the budget.
// Env: BUNDLE_ROUTES (comma-separated route files under src/routes/, without .tsx; default: the
// sign-in page, the signed-in home page and the status page), BUNDLE_BUDGET_KB (default 250).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");
const routes = (process.env.BUNDLE_ROUTES ?? process.env.BUNDLE_ROUTE ?? "_auth/sign-in,_app/index,status")
  .split(",")
  .map((r) => r.trim())
  .filter(Boolean);
const budgetKb = Number(process.env.BUNDLE_BUDGET_KB ?? 250);

const manifest = JSON.parse(await readFile(path.join(distDir, ".vite", "manifest.json"), "utf8"));
const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
if (entries.length === 0) throw new Error("no entry chunk in the manifest");

function routeChunks(file) {
  return Object.keys(manifest).filter((k) => manifest[k].isDynamicEntry && k.split("?")[0] === `src/routes/${file}.tsx`);
}

/** "_app/settings/members" → its layouts "_app", "_app/settings", then itself. */
function withLayouts(route) {
  const parts = route.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** The URL a route file serves, for the report: "_app/settings/index" → "/settings". */
function urlOf(route) {
  const segments = route.split("/").filter((s) => !s.startsWith("_") && s !== "index");
  return `/${segments.join("/")}`;
}

const sizes = new Map();
async function gzipKb(file) {
  if (!sizes.has(file)) sizes.set(file, gzipSync(await readFile(path.join(distDir, file)), { level: 9 }).length / 1024);
  return sizes.get(file);
}

let failed = false;
for (const route of routes) {
  const own = routeChunks(route);
  if (own.length === 0) throw new Error(`no split chunk for src/routes/${route}.tsx`);
  const keys = new Set();
  const collect = (key) => {
    if (keys.has(key) || !manifest[key]) return;
    keys.add(key);
    for (const dep of manifest[key].imports ?? []) collect(dep);
  };
  [...entries, ...withLayouts(route).flatMap(routeChunks)].forEach(collect);

  const jsFiles = [...new Set([...keys].map((k) => manifest[k].file))];
  const cssFiles = [...new Set([...keys].flatMap((k) => manifest[k].css ?? []))];
  let jsKb = 0;
  for (const f of jsFiles) jsKb += await gzipKb(f);
  let cssKb = 0;
  for (const f of cssFiles) cssKb += await gzipKb(f);

  console.log(
    JSON.stringify({
      metric: "initial_route_js_gzip_kb",
      route: urlOf(route),
      route_file: `src/routes/${route}.tsx`,
      js_gzip_kb: Number(jsKb.toFixed(1)),
      css_gzip_kb: Number(cssKb.toFixed(1)),
      budget_kb: budgetKb,
      files: jsFiles,
    }),
  );
  if (jsKb > budgetKb) {
    console.error(`bundle-size: ${jsKb.toFixed(1)} KB gzipped JS for ${urlOf(route)} exceeds the ${budgetKb} KB budget`);
    failed = true;
  }
}
if (failed) process.exitCode = 1;
