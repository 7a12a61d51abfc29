// Run a Python script under the MicroPython WebAssembly build the site ships.
// usage: node tests/mpy_run.mjs <micropython.mjs> <pycore dir> <script.py>
// The pycore package is copied into the interpreter's file system at /pycore, and the
// script's standard output is written to this process's standard output.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [mjs, pycoreDir, script] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(mjs).href);
const chunks = [];
const mp = await loadMicroPython({ stdout: (line) => chunks.push(line), linebuffer: true });
mp.FS.mkdir("/pycore");
for (const name of readdirSync(pycoreDir)) {
  if (name.endsWith(".py")) {
    mp.FS.writeFile("/pycore/" + name, readFileSync(join(pycoreDir, name), "utf8"));
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
