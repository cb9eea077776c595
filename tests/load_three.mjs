// Open a glTF file with three.js's own GLTFLoader (under node, no browser) and print what a three.js app
// would get: each mesh's morph targets by name, each animation's tracks with their keyframes.
// usage: node tests/load_three.mjs FILE.glb [NPM_DIR]   (NPM_DIR defaults to .venv/gltf-validator: `make validator`)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, dir = '.venv/gltf-validator'] = process.argv.slice(2);
if (!file) { console.error('usage: node load_three.mjs FILE.glb [NPM_DIR]'); process.exit(2); }
const jsm = path.resolve(dir, 'node_modules', 'three', 'examples', 'jsm', 'loaders', 'GLTFLoader.js');
const { GLTFLoader } = await import(pathToFileURL(jsm).href);
// node has no DOM to decode images into: a texture then fails to load (three logs it and goes on
// without it); geometry, morph targets and animations need none
const errors = [];
console.error = (...a) => errors.push(a.join(' '));
console.warn = console.error;
const bytes = readFileSync(file);
const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const base = pathToFileURL(path.dirname(path.resolve(file)) + path.sep).href;
const gltf = await new Promise((ok, fail) => new GLTFLoader().parse(data, base, ok, fail));
const meshes = [];
gltf.scene.traverse((o) => {
  if (o.isMesh) meshes.push({
    name: o.name,
    vertices: o.geometry.attributes.position.count,
    morph_targets: o.geometry.morphAttributes.position ? o.geometry.morphAttributes.position.length : 0,
    names: o.morphTargetDictionary || {},
  });
});
const animations = gltf.animations.map((a) => ({
  name: a.name,
  duration: a.duration,
  tracks: a.tracks.map((t) => ({ name: t.name, times: Array.from(t.times), values: Array.from(t.values) })),
}));
console.log(JSON.stringify({ meshes, animations, messages: errors }));
