// Loads every page of a portal in Debian's Chromium, runs axe-core on each, checks that every
// link resolves and that the search finds a word. Prints one JSON report on stdout.
//   node check.mjs <start URL> <search word>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [start, word] = process.argv.slice(2);
const origin = new URL(start).origin;
const scope = new URL(".", start).href;  // the body's folder: pages outside it are not crawled

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const report = { pages: [], violations: [], broken: [], texts: {}, search: null, errors: [] };
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => report.errors.push(String(e)));
  const queue = [start];
  const seen = new Set();
  const checked = new Map();
  while (queue.length && seen.size < 300) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await page.goto(url, { waitUntil: "load", timeout: 20000 });
    if (!response || response.status() !== 200) { report.broken.push({ from: null, href: url, status: response?.status() }); continue; }
    report.pages.push(url);
    report.texts[url] = await page.evaluate(() => document.documentElement.outerHTML);
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
    for (const v of result.violations) {
      report.violations.push({ page: url, id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) });
    }
    const links = await page.evaluate(() => [...document.querySelectorAll("a[href], link[href], script[src]")]
      .map((a) => a.href || a.src));
    for (const link of links) {
      const target = new URL(link);
      target.hash = "";
      if (target.origin !== origin) continue;
      const href = target.href;
      if (!checked.has(href)) {
        const r = await page.request.get(href);
        checked.set(href, r.status());
      }
      if (checked.get(href) !== 200) report.broken.push({ from: url, href, status: checked.get(href) });
      if (href.endsWith(".html") && href.startsWith(scope) && !seen.has(href)) queue.push(href);
    }
  }
  // the search, as a user types it
  await page.goto(new URL("search.html", scope).href);
  await page.fill("#q", word);
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#status").textContent.length > 0 &&
                                   !document.querySelector("#status").textContent.includes("…"), null, { timeout: 10000 });
  report.search = await page.evaluate(() => ({
    status: document.querySelector("#status").textContent,
    hits: [...document.querySelectorAll("#results a")].map((a) => ({ text: a.textContent, href: a.href })),
  }));
} catch (e) {
  report.errors.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
