// Reports the gzipped size of the JavaScript a browser loads for the initial route (entry chunk,
// its static imports, and the lazily split chunks of that route), and fails over the budget.
// Env: BUNDLE_ROUTE (route file under src/routes/, default "status"), BUNDLE_BUDGET_KB (default 250).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");
const route = process.env.BUNDLE_ROUTE ?? "status";
const budgetKb = Number(process.env.BUNDLE_BUDGET_KB ?? 250);

const manifest = JSON.parse(await readFile(path.join(distDir, ".vite", "manifest.json"), "utf8"));

const keys = new Set();
function collect(key) {
  if (keys.has(key) || !manifest[key]) return;
  keys.add(key);
  for (const dep of manifest[key].imports ?? []) collect(dep);
}
const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
const routeChunks = Object.keys(manifest).filter(
  (k) => manifest[k].isDynamicEntry && k.split("?")[0] === `src/routes/${route}.tsx`,
);
if (entries.length === 0) throw new Error("no entry chunk in the manifest");
if (routeChunks.length === 0) throw new Error(`no split chunk for src/routes/${route}.tsx`);
[...entries, ...routeChunks].forEach(collect);

async function gzipKb(file) {
  const buf = await readFile(path.join(distDir, file));
  return gzipSync(buf, { level: 9 }).length / 1024;
}

const jsFiles = [...new Set([...keys].map((k) => manifest[k].file))];
const cssFiles = [...new Set([...keys].flatMap((k) => manifest[k].css ?? []))];
let jsKb = 0;
for (const f of jsFiles) jsKb += await gzipKb(f);
let cssKb = 0;
for (const f of cssFiles) cssKb += await gzipKb(f);

const result = {
  metric: "initial_route_js_gzip_kb",
  route: `/${route}`,
  js_gzip_kb: Number(jsKb.toFixed(1)),
  css_gzip_kb: Number(cssKb.toFixed(1)),
  budget_kb: budgetKb,
  files: jsFiles,
};
console.log(JSON.stringify(result));
if (jsKb > budgetKb) {
  console.error(`bundle-size: ${jsKb.toFixed(1)} KB gzipped JS for /${route} exceeds the ${budgetKb} KB budget`);
  process.exitCode = 1;
}
