// Jest 29 cannot load ES modules from CommonJS; @openclaw/gateway-client, @openclaw/gateway-protocol and
// typebox ship only .mjs. Node 20.19+ loads them natively (require of ESM), so tests compile them to CommonJS.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

// Cached results are keyed on this file too, so a change here recompiles them.
const self = readFileSync(require.resolve('./esm-transformer.js'));

const options = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  allowJs: true,
  sourceMap: false,
};

module.exports = {
  process(source, filename) {
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: options,
      // TypeScript keeps ES module syntax in a .mjs file whatever `module` says, so it is named .js here.
      fileName: filename.replace(/\.mjs$/, '.js'),
    });
    return { code: outputText };
  },
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(self)
      .update(ts.version)
      .update(filename)
      .update('\0')
      .update(source)
      .digest('hex');
  },
};
