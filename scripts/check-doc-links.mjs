// Checks every relative link of README.md and docs/ (Markdown `[text](target)`, `[label]: target`
// and `<a href>`): the file or folder it names exists, and a `#fragment` into a Markdown page names
// one of its headings (GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, a
// repeated heading numbered -1, -2...). Links inside code are not links. Part of `npm run lint`.
// Run: node scripts/check-doc-links.mjs
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function markdownFiles(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found;
}

/** A page's lines with fenced code blocks blanked (line numbers kept). */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (marker && marker[1][0] === fence[0] && marker[1].length >= fence.length) fence = null;
      return '';
    }
    if (marker) {
      fence = marker[1];
      return '';
    }
    return line;
  });
}

const anchorCache = new Map();

/** GitHub's anchor for each heading of a page (inline code in a heading is part of its anchor). */
function headingAnchors(path) {
  let anchors = anchorCache.get(path);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map();
  for (const line of proseLines(readFileSync(path, 'utf8'))) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .replace(/<[^>]*>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  anchorCache.set(path, anchors);
  return anchors;
}

const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
const problems = [];
let checked = 0;
for (const page of pages) {
  proseLines(readFileSync(page, 'utf8')).forEach((prose, index) => {
    const line = prose.replace(/(`+)[\s\S]*?\1/g, '');
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1]),
      ...[...line.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      checked++;
      const [pathPart, fragment] = target.split('#', 2);
      const file = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
      const where = `${relative(root, page)}:${index + 1}`;
      if (!existsSync(file)) {
        problems.push(`${where}: ${target} — no such file (${relative(root, file)})`);
        continue;
      }
      if (fragment && file.endsWith('.md') && statSync(file).isFile()) {
        if (!headingAnchors(file).has(decodeURIComponent(fragment).toLowerCase())) {
          problems.push(
            `${where}: ${target} — ${relative(root, file)} has no heading with the anchor #${fragment}`,
          );
        }
      }
    }
  });
}
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`error doc-links: ${problems.length} broken link(s); fix the target or the link.`);
  process.exit(1);
}
console.log(`✔ ${checked} relative links in README.md and docs/ resolve (files and heading anchors)`);
