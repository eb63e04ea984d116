// The residents' pages in Debian's headless Chromium (never a downloaded browser).
//
//   node run.mjs <directory-base-url> <partner-base-url>
//
// The directory serves /find; the partner origin (another port) serves a plain page holding the
// documented embed snippet. Checks: the search flow by keyboard alone; the embed from another
// origin, sized to its content, host styles untouched; the print stylesheet; JavaScript off;
// reflow at 320px; and axe-core (WCAG 2.0/2.1/2.2 A and AA tags) with zero violations on every
// page type. Screenshots at 360px and 1280px go to $SCREENSHOTS_DIR when it is set.
// Prints "ok - ..." / "not ok - ..." per check and "browser tests: all passed" at the end.

import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const [base, partner] = process.argv.slice(2);
if (!base || !partner) {
  console.error("usage: node run.mjs <directory-base-url> <partner-base-url>");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const screens = process.env.SCREENSHOTS_DIR || "";
if (screens) mkdirSync(screens, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), "directory-chromium-"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  userDataDir: profile,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let failures = 0;
async function check(name, body) {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  try {
    await body(page);
    console.log(`ok - ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`not ok - ${name}: ${error && error.stack ? error.stack : error}`);
  } finally {
    await page.close();
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/// Runs axe-core in the page (or frame) and fails on any violation of the WCAG A/AA tags.
async function axe(target, label) {
  await target.evaluate(axeSource);
  const result = await target.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    AXE_TAGS,
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`,
  );
  assert(problems.length === 0, `${label}: axe found ${problems.length} violation(s):\n  ${problems.join("\n  ")}`);
}

/// Whether the focused element shows a focus indicator (an outline or a box shadow).
async function focusVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const style = getComputedStyle(el);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
  });
}

/// Presses Tab until `matches(focused)` (at most `limit` times); every stop must show focus.
async function tabTo(page, describe, matches, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName, id: el.id, text: (el.textContent || "").trim(), value: el.value || "", href: el.getAttribute("href") || "" };
    });
    if (focused.tag !== "BODY") assert(await focusVisible(page), `no visible focus on ${JSON.stringify(focused)}`);
    if (matches(focused)) return focused;
  }
  throw new Error(`could not reach ${describe} with Tab`);
}

async function pressAndWait(page, key) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.keyboard.press(key)]);
}

async function shoot(page, url, name) {
  if (!screens) return;
  for (const width of [360, 1280]) {
    await page.setViewport({ width, height: 900 });
    if (url) await page.goto(url, { waitUntil: "load" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await page.screenshot({ path: join(screens, `${name}-${width}.png`), fullPage: true });
  }
}

const resultsUrl = `${base}/find?where=NR19+1NY&need=strength-and-balance`;

await check("search flow by keyboard alone: find, open, add to list, share", async (page) => {
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${base}/find`, { waitUntil: "load" });
  const skip = await tabTo(page, "the skip link", (f) => f.href === "#main", 1);
  assert(skip.text === "Skip to main content", "the first Tab stop is the skip link");
  await tabTo(page, "the postcode field", (f) => f.id === "where");
  await page.keyboard.type("NR19 1NY");
  await tabTo(page, "the Strength and balance topic", (f) => f.tag === "BUTTON" && f.text === "Strength and balance");
  await pressAndWait(page, "Enter");
  const heading = await page.$eval("#results-title", (h) => h.textContent);
  assert(/\d+ results? for strength and balance near NR19 1NY/.test(heading), `results heading: ${heading}`);
  const link = await tabTo(page, "a class's page", (f) => f.tag === "A" && f.href.startsWith("/find/services/"));
  await pressAndWait(page, "Enter");
  const title = await page.$eval("h1", (h) => h.textContent);
  assert(title === link.text, `opened ${title}, wanted ${link.text}`);
  await tabTo(page, "Add to my list", (f) => f.tag === "A" && f.text.startsWith("Add") && f.text.endsWith("to my list"));
  await pressAndWait(page, "Enter");
  assert(page.url().includes("/find/shortlist?list="), `on the list page: ${page.url()}`);
  const shared = await page.$eval("#share", (input) => input.value);
  assert(shared.startsWith(base + "/find/shortlist?list="), `a link that rebuilds the list: ${shared}`);
  await page.goto(shared, { waitUntil: "load" });
  const names = await page.$$eval("article.card h2", (hs) => hs.map((h) => h.textContent));
  assert(names.length === 1 && names[0] === title, `the shared list holds the class: ${names}`);
  const button = await page.$eval("[data-print]", (b) => b.hidden);
  assert(button === false, "with JavaScript the print button is shown");
});

await check("JavaScript off: the search, the list and help still work", async (page) => {
  await page.setJavaScriptEnabled(false);
  await page.goto(`${base}/find`, { waitUntil: "load" });
  await page.type("#where", "NR19 1NY");
  await page.type("#q", "chair");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  const count = await page.$$eval("ol.results > li", (items) => items.length);
  assert(count > 0, "results without JavaScript");
  await Promise.all([page.waitForNavigation(), page.click("ol.results > li:first-child p.no-print a")]);
  const list = await page.$eval("header.site li:last-child a", (a) => a.textContent);
  assert(list === "My list (1)", `the list holds one: ${list}`);
  await page.goto(`${base}/find/help`, { waitUntil: "load" });
  await page.type("#about", "I have had a fall and I am lonely");
  await page.type("#where", "NR19 1NY");
  await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
  const h1 = await page.$eval("h1", (h) => h.textContent);
  assert(h1 === "Things that could help", `help answer: ${h1}`);
  const button = await page.goto(`${base}/find/shortlist?list=979f7e02-cde4-505c-85e3-ca69556c72da`).then(() => page.$eval("[data-print]", (b) => b.hidden));
  assert(button === true, "without JavaScript the print button stays hidden");
});

await check("print stylesheet hides navigation and forms and keeps the results", async (page) => {
  await page.goto(resultsUrl, { waitUntil: "load" });
  await page.emulateMediaType("print");
  const shown = await page.evaluate(() => ({
    header: getComputedStyle(document.querySelector("header.site")).display,
    form: getComputedStyle(document.querySelector("form")).display,
    nav: [...document.querySelectorAll("nav")].map((n) => getComputedStyle(n).display),
    cards: [...document.querySelectorAll("article.card")].filter((c) => getComputedStyle(c).display !== "none").length,
    add: getComputedStyle(document.querySelector("article.card .no-print")).display,
  }));
  assert(shown.header === "none" && shown.form === "none", `header ${shown.header}, form ${shown.form}`);
  assert(shown.nav.every((d) => d === "none"), `navigation printed: ${shown.nav}`);
  assert(shown.add === "none", "list links are not printed");
  assert(shown.cards > 0, "results are printed");
  const pdf = await page.pdf({ format: "A4" });
  assert(pdf.length > 1000, "prints to PDF");
});

await check("embed on a partner page from another origin sizes itself to its content", async (page) => {
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(partner, { waitUntil: "load" });
  const frameHandle = await page.waitForSelector("iframe");
  const frame = await frameHandle.contentFrame();
  await frame.waitForSelector("#results-title");
  const heading = await frame.$eval("#results-title", (h) => h.textContent);
  assert(heading.includes("near NR19 1NY"), `the embed searched the partner's place: ${heading}`);
  const sized = async () => {
    const content = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const box = await page.$eval("iframe", (f) => f.getBoundingClientRect().height);
    return { content, box };
  };
  await page.waitForFunction(
    () => parseFloat(document.querySelector("iframe").style.height) > 1000,
    { timeout: 10000 },
  );
  let { content, box } = await sized();
  assert(Math.abs(content - box) <= 2, `iframe ${box}px for ${content}px of content`);
  // A narrower page is taller: the iframe follows.
  await page.setViewport({ width: 360, height: 800 });
  await page.waitForFunction(
    (before) => parseFloat(document.querySelector("iframe").style.height) > before + 50,
    { timeout: 10000 },
    box,
  );
  ({ content, box } = await sized());
  assert(Math.abs(content - box) <= 2, `after reflow: iframe ${box}px for ${content}px`);
  // Messages from anyone but the directory's frame are ignored.
  await page.evaluate(() => window.postMessage({ directoryEmbed: 1, height: 5 }, "*"));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await page.$eval("iframe", (f) => f.getBoundingClientRect().height);
  assert(Math.abs(after - box) <= 2, `a message from the host page resized the iframe to ${after}`);
  // The host page's own styles are untouched.
  const host = await page.evaluate(() => ({
    h1: getComputedStyle(document.querySelector("#host-title")).color,
    font: getComputedStyle(document.body).fontFamily,
    background: getComputedStyle(document.body).backgroundColor,
  }));
  assert(host.h1 === "rgb(75, 0, 130)" && host.font.includes("Georgia") && host.background === "rgb(253, 246, 227)", JSON.stringify(host));
  const inFrame = new URL(frame.url());
  assert(inFrame.origin === new URL(base).origin && inFrame.origin !== new URL(partner).origin, "the frame is the directory's origin");
  await axe(frame, "embedded results");
  await page.setViewport({ width: 1280, height: 900 });
  if (screens) {
    for (const width of [360, 1280]) {
      await page.setViewport({ width, height: 900 });
      await new Promise((resolve) => setTimeout(resolve, 800));
      await page.screenshot({ path: join(screens, `embed-on-partner-page-${width}.png`), fullPage: true });
    }
  }
});

await check("text reflows at 320px with no sideways scrolling", async (page) => {
  await page.setViewport({ width: 320, height: 640 });
  for (const url of [resultsUrl, `${base}/find/help`]) {
    await page.goto(url, { waitUntil: "load" });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 320, `${url} is ${wide}px wide at 320px`);
  }
});

/// Every kind of page, with axe-core.
async function firstLink(page, url, prefix) {
  await page.goto(url, { waitUntil: "load" });
  return page.$$eval(`a[href^="${prefix}"]`, (links) => (links[0] ? links[0].getAttribute("href") : null));
}

await check("axe-core finds no WCAG 2.2 A/AA violations on any page type", async (page) => {
  await page.setViewport({ width: 1280, height: 900 });
  const service = await firstLink(page, resultsUrl, "/find/services/");
  const fund = await firstLink(page, `${base}/find?q=grant`, "/find/funds/");
  assert(service && fund, `found a service (${service}) and a fund (${fund})`);
  const serviceId = service.split("/").pop().split("?")[0];
  const pages = [
    ["search form", `${base}/find`],
    ["results", resultsUrl],
    ["no results", `${base}/find?where=NR19+1NY&q=xqzvbnmwpt`],
    ["error: unknown postcode", `${base}/find?where=SW1A+1AA`],
    ["error: empty search", `${base}/find?where=&q=`],
    ["service page", `${base}${service}`],
    ["fund page", `${base}${fund}`],
    ["not found", `${base}/find/services/00000000-0000-0000-0000-000000000000`],
    ["help form", `${base}/find/help`],
    ["shortlist", `${base}/find/shortlist?list=${serviceId}`],
    ["empty shortlist", `${base}/find/shortlist`],
    ["themed embed page", `${base}/find?embed=1&where=NR19+1NY&need=strength-and-balance&accent=4b0082&font=serif`],
  ];
  for (const [label, url] of pages) {
    await page.goto(url, { waitUntil: "load" });
    await axe(page, label);
  }
  await page.goto(`${base}/find/help`, { waitUntil: "load" });
  await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
  assert((await page.title()).startsWith("Error:"), "the empty help form is refused");
  await axe(page, "help form with errors");
  await page.type("#about", "I have had two falls and I worry about money");
  await page.type("#where", "NR19 1NY");
  await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
  await axe(page, "help answer");
  await shoot(page, null, "help-answer");
  await shoot(page, `${base}/find`, "search-form");
  await shoot(page, resultsUrl, "results");
  await shoot(page, `${base}/find?where=SW1A+1AA`, "error-unknown-postcode");
  await shoot(page, `${base}${service}`, "service");
  await shoot(page, `${base}${fund}`, "fund");
  await shoot(page, `${base}/find/shortlist?list=${serviceId}`, "shortlist");
});

await browser.close();
rmSync(profile, { recursive: true, force: true });
if (failures > 0) {
  console.log(`browser tests: ${failures} failed`);
  process.exit(1);
}
console.log("browser tests: all passed");
