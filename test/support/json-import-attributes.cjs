// Jest transform for @actions/languageservice and @actions/workflow-parser: their ESM dist imports
// JSON without an import attribute (`import schema from "../workflow-v1.0.min.json"`), which Jest 30
// warns about and its next major rejects, as plain Node already does. This adds `with { type: "json" }`.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const self = readFileSync(__filename);
const bareJsonImport = /(\bfrom\s*(["'])[^"'\n]+\.json\2)(?!\s*(?:with|assert)\b)/g;

module.exports = {
  process(sourceText) {
    return { code: sourceText.replace(bareJsonImport, '$1 with { type: "json" }') };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha256').update(self).update('\0').update(sourcePath).update('\0').update(sourceText).digest('hex');
  },
};
