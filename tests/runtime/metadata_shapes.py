"""Structural shapes of metadata types, to hold our pallets' declarations against Polkadot's.

A shape is the full, recursive description of a type as clients see it: a composite's path and
(name, type name, shape) of each field, a variant's (name, index, fields), sequences, arrays,
tuples, compacts, primitives and bit sequences. Two types with equal shapes have the same SCALE
bytes and decode the same way in @polkadot/api and py-substrate-interface.

`polkadot_v14_parachain_pallets.json` was made with exactly these functions from Polkadot's V14
metadata (see vectors/README.md); the tests apply them to our own metadata, decoded by scalecodec.
"""

from __future__ import annotations

from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

MAX_DEPTH = 12


def decode_metadata(raw: bytes) -> dict:
    """The V14 body of prefixed metadata bytes, as scalecodec decodes it."""
    rc = RuntimeConfiguration()
    rc.update_type_registry(load_type_registry_preset("core"))
    m = rc.create_scale_object("MetadataVersioned", data=ScaleBytes(raw))
    m.decode()
    return m.value[1]["V14"]


def type_table(md: dict) -> dict:
    table = md["types"]["types"] if isinstance(md["types"], dict) else md["types"]
    return {t["id"]: t["type"] for t in table}


def type_name(types: dict, tid: int) -> str:
    t = types[tid]
    d = t["def"]
    (k, body), = d.items()
    if t["path"]:
        return "::".join(t["path"])
    if k == "primitive":
        return body
    if k == "sequence":
        return f"Vec<{type_name(types, body['type'])}>"
    if k == "array":
        return f"[{type_name(types, body['type'])}; {body['len']}]"
    if k == "compact":
        return f"Compact<{type_name(types, body['type'])}>"
    if k == "tuple":
        return "(" + ", ".join(type_name(types, x) for x in body) + ")"
    if k == "bitsequence":
        return "BitVec"
    return k


def shape(types: dict, tid: int, depth: int = 0, seen: tuple = ()):
    t = types[tid]
    (k, body), = t["def"].items()
    if tid in seen or depth > MAX_DEPTH:
        return type_name(types, tid)
    seen = seen + (tid,)

    def fields(fs):
        return [[f.get("name"), f.get("typeName"), shape(types, f["type"], depth + 1, seen)] for f in fs]

    if k == "composite":
        return {"path": "::".join(t["path"]), "fields": fields(body["fields"])}
    if k == "variant":
        return {"path": "::".join(t["path"]),
                "variants": [[v["name"], v["index"], fields(v["fields"])] for v in body["variants"]]}
    if k == "sequence":
        return ["Vec", shape(types, body["type"], depth + 1, seen)]
    if k == "array":
        return ["Array", body["len"], shape(types, body["type"], depth + 1, seen)]
    if k == "compact":
        return ["Compact", shape(types, body["type"], depth + 1, seen)]
    if k == "tuple":
        return ["Tuple"] + [shape(types, x, depth + 1, seen) for x in body]
    if k == "primitive":
        return body
    if k == "bitsequence":
        return ["BitVec", type_name(types, body["bit_store_type"]), type_name(types, body["bit_order_type"])]
    return k


def _hex(x) -> str:
    if isinstance(x, str) and x.startswith("0x"):
        return x
    return "0x" + (x.encode("latin-1") if isinstance(x, str) else bytes(x)).hex()


def pallet_shapes(md: dict, names) -> dict:
    """{pallet: {index, storage: {item: {modifier, hashers, key, value, default}}, calls, events, errors,
    constants: {name: {type, value}}}} for the pallets in `names`."""
    types = type_table(md)
    out = {}
    for p in md["pallets"]:
        if p["name"] not in names:
            continue
        e = {"index": p["index"], "storage": {}, "calls": None, "events": None, "errors": None, "constants": {}}
        for s in (p.get("storage") or {}).get("entries", []):
            t = s["type"]
            if "Plain" in t:
                entry = {"hashers": [], "key": None, "value": shape(types, t["Plain"])}
            else:
                m = t["Map"]
                entry = {"hashers": m["hashers"], "key": shape(types, m["key"]), "value": shape(types, m["value"])}
            e["storage"][s["name"]] = {"modifier": s["modifier"], "default": _hex(s["default"]), **entry}
        for key, name in (("calls", "calls"), ("event", "events"), ("error", "errors")):
            if p.get(key):
                e[name] = shape(types, p[key]["ty"])
        for c in p.get("constants") or []:
            e["constants"][c["name"]] = {"type": shape(types, c["type"]), "value": _hex(c["value"])}
        out[p["name"]] = e
    return out


def registry_shape(scale_type) -> object:
    """The shape of one of our declared types, through the same path as metadata: our PortableRegistry
    encoding decoded by scalecodec, then `shape`."""
    from relaychain.primitives.scale_types import PortableRegistry

    reg = PortableRegistry()
    tid = reg.id_of(scale_type)
    rc = RuntimeConfiguration()
    rc.update_type_registry(load_type_registry_preset("core"))
    obj = rc.create_scale_object("PortableRegistry", data=ScaleBytes(reg.encode()))
    obj.decode()
    return shape(type_table(obj.value), tid)


def find_by_path(tree, path: str):
    """The first composite/variant shape with `path` anywhere inside a shapes JSON tree (None if absent)."""
    if isinstance(tree, dict):
        if tree.get("path") == path and ("fields" in tree or "variants" in tree):
            return tree
        items = tree.values()
    elif isinstance(tree, list):
        items = tree
    else:
        return None
    for v in items:
        found = find_by_path(v, path)
        if found is not None:
            return found
    return None
