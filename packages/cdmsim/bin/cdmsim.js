#!/usr/bin/env node
// The installed `cdmsim` command. It exists before the build (npm links bins at
// install time), and loads the compiled CLI; run `npm run build` first.
import('../dist/main.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('cdmsim: the CLI is not built yet; run `npm run build` (or `npm start`) in the repository first\n');
    process.exit(1);
  }
  throw e;
});
