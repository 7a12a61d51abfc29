// Typeset TeX with the vendored KaTeX at build time (used by tools/mkdocs_hooks.py).
// stdin: a JSON array of {"tex": string, "display": bool}; stdout: a JSON array of HTML.
// Pages then need only katex.min.css and its fonts, no JavaScript.
import { readFileSync } from "node:fs";
import katex from "../node_modules/katex/dist/katex.mjs";

const items = JSON.parse(readFileSync(0, "utf8"));
const html = items.map(({ tex, display }) =>
  katex.renderToString(tex, { displayMode: display, throwOnError: true, output: "htmlAndMathml" }));
process.stdout.write(JSON.stringify(html));
