// Applies the @nestjs/swagger CLI plugin under ts-jest, with the options nest-cli.json gives it, so tests see the
// same OpenAPI document as the built service (where src/build/prepare.js applies it).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const plugin = require('@nestjs/swagger/plugin');

const config = JSON.parse(readFileSync(join(__dirname, '..', 'nest-cli.json'), 'utf8'));
const { options } = config.compilerOptions.plugins.find((entry) => entry.name === '@nestjs/swagger');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (cs) => plugin.before(options, cs.program);
