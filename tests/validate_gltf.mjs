// Run the Khronos glTF validator on one file and print its JSON report; exit 1 if it reports errors.
// usage: node tests/validate_gltf.mjs FILE.glb [VALIDATOR_DIR]   (VALIDATOR_DIR defaults to .venv/gltf-validator: `make validator`)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [file, dir = '.venv/gltf-validator'] = process.argv.slice(2);
if (!file) { console.error('usage: node validate_gltf.mjs FILE.glb [VALIDATOR_DIR]'); process.exit(2); }
const validator = createRequire(path.resolve(dir) + path.sep)('gltf-validator');
const report = await validator.validateBytes(new Uint8Array(readFileSync(file)), { uri: path.basename(file), maxIssues: 0 });
console.log(JSON.stringify(report, null, 1));
process.exit(report.issues.numErrors > 0 ? 1 : 0);
