// The portal's accessibility checks, run by `meetprep accessibility check`: html-validate on
// each page's markup, axe-core (WCAG 2.1 A/AA) on each page as Debian's Chromium renders it.
//   node audit.mjs <folder> <page.html>...     (paths relative to the folder)
// Prints one JSON report on stdout: the tools' versions and, per page, what each found.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";
import { HtmlValidate, StaticConfigLoader } from "html-validate";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const version = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version;
const [folder, ...pages] = process.argv.slice(2);
// recommended, without long-title: a title says which meeting and body it is (WCAG 2.4.2 asks
// for descriptive titles, not short ones; search engines' truncation is no barrier)
const validator = new HtmlValidate(new StaticConfigLoader({ extends: ["html-validate:recommended"],
                                                            rules: { "long-title": "off" } }));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const report = { tools: { "axe-core": version("axe-core"), "html-validate": version("html-validate"),
                          chromium: browser.version() }, pages: [] };
try {
  const page = await browser.newPage();
  for (const name of pages) {
    const file = path.join(folder, name);
    const html = await validator.validateFile(file);
    const markup = html.results.flatMap((r) => r.messages.map((m) => ({ rule: m.ruleId, severity: m.severity,
                                                                         line: m.line, message: m.message })));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 20000 });
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
    const axe = result.violations.map((v) => ({ rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
    report.pages.push({ page: name, markup, axe });
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
