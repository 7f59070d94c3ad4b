// Validates an AsyncAPI document with the AsyncAPI parser, the library
// `asyncapi validate` runs (the CLI itself needs Node 24, where Debian 12 has
// 18, and takes minutes to install). Relative $refs resolve from the
// document's own path. Exits 1 on any diagnostic of severity error or warning.
// CommonJS, so that NODE_PATH finds the parser in the cache tools.sh fills.
'use strict';
const path = require('node:path');
const { Parser, fromFile } = require('@asyncapi/parser');

async function main(file) {
  const { document, diagnostics } = await fromFile(new Parser(), path.resolve(file)).parse();
  // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
  const names = ['error', 'warning', 'info', 'hint'];
  for (const d of diagnostics) {
    const where = d.path && d.path.length ? d.path.join('/') : '(document)';
    console.log(`${names[d.severity]} ${d.code} at ${where}: ${d.message}`);
  }
  const problems = diagnostics.filter((d) => d.severity <= 1).length;
  if (!document || problems > 0) {
    console.error(`validate_asyncapi: ${file}: ${problems} problem(s)`);
    return 1;
  }
  console.log(`validate_asyncapi: ${file}: valid AsyncAPI ${document.version()}, ` +
              `${document.channels().length} channel(s), ${document.messages().length} message(s)`);
  return 0;
}

if (process.argv.length !== 3) {
  console.error('usage: node validate_asyncapi.cjs ASYNCAPI_FILE');
  process.exit(2);
}
main(process.argv[2]).then((code) => process.exit(code), (error) => {
  console.error(`validate_asyncapi: ${error.stack || error}`);
  process.exit(1);
});
