"""Open a glTF file in Blender (its `bpy` module, `make blender`) with Blender's own glTF importer
and print what an animator would find, as JSON: each mesh object's shape keys and the keyframes of
every animation that drives them.

usage: .venv/blender/bin/python tests/open_in_blender.py FILE.glb
"""

import json
import os
import sys
import bpy


def shape_key_actions():
    "{action name: {shape key name: [(frame, value), ...]}} for every action on shape keys."
    out = {}
    for act in bpy.data.actions:
        curves = {}
        for fc in act.fcurves:
            if fc.data_path.startswith('key_blocks["') and fc.data_path.endswith('"].value'):
                key = fc.data_path[len('key_blocks["') : -len('"].value')]
                curves[key] = [[k.co[0], k.co[1]] for k in fc.keyframe_points]
        if curves:
            out[act.name] = curves
    return out


def main(path: str) -> dict:
    "Import `path` into an empty scene: its meshes' shape keys, shape-key actions and scene fps."
    bpy.ops.wm.read_factory_settings(use_empty=True)
    res = bpy.ops.import_scene.gltf(filepath=path)
    if 'FINISHED' not in res:
        raise SystemExit(f"{path}: Blender's glTF importer returned {res}")
    meshes = [
        {
            'name': o.name,
            'vertices': len(o.data.vertices),
            'shape_keys': [k.name for k in o.data.shape_keys.key_blocks[1:]]
            if o.data.shape_keys
            else [],
        }
        for o in bpy.context.scene.objects
        if o.type == 'MESH'
    ]
    return {
        'blender': bpy.app.version_string,
        'fps': bpy.context.scene.render.fps,
        'meshes': meshes,
        'actions': shape_key_actions(),
    }


if __name__ == '__main__':
    print('FREEAVATAR-JSON ' + json.dumps(main(sys.argv[1])), flush=True)
    # bpy 4.2 can crash while the interpreter shuts down (seen: SIGSEGV on some files, after the
    # import): the answer is out, so leave at once
    os._exit(0)
