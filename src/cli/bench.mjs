#!/usr/bin/env node
// The `bench` executable. Plain JavaScript so an old Node gets a clear message instead of a syntax
// error: bench runs its TypeScript sources directly, which needs Node >= 22.18 (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `bench needs Node.js >= 22.18 (found ${process.versions.node}).\n` +
      '  fix: install a newer Node, e.g. `npm install --prefix ~/.cache/node24 node@24` and put ~/.cache/node24/node_modules/node/bin first on PATH',
  );
  process.exit(2);
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
