// Run a Python script under the MicroPython WebAssembly build the site ships.
// usage: node tests/mpy_run.mjs <micropython.mjs> <package dir>... <script.py>
// The .py and .pack files of each package directory (pycore, tests/cases) are copied into
// the interpreter's file system at /<its name>, and the script's standard output is written
// to this process's output.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const mjs = args[0];
const packages = args.slice(1, -1);
const script = args[args.length - 1];
const { loadMicroPython } = await import(pathToFileURL(mjs).href);
const chunks = [];
const mp = await loadMicroPython({ stdout: (line) => chunks.push(line), linebuffer: true });
for (const dir of packages) {
  const target = "/" + basename(dir);
  mp.FS.mkdir(target);
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".py") || name.endsWith(".pack")) {
      mp.FS.writeFile(target + "/" + name, readFileSync(join(dir, name)));
    }
  }
}
try {
  mp.runPython("import sys\nsys.path.insert(0, '/')\n" + readFileSync(script, "utf8"));
} catch (err) {
  process.stdout.write(chunks.join("\n") + "\n");
  console.error(String(err));
  process.exit(1);
}
process.stdout.write(chunks.join("\n") + "\n");
