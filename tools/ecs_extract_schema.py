#!/usr/bin/env python3
"""Writes a JSON Schema (draft 2020-12) for Elastic Common Schema documents from ECS's own
generated field list (github.com/elastic/ecs, `generated/ecs/ecs_flat.yml` at a release tag),
restricted to the field sets named on the command line, so tests can validate documents offline.

Each field's ECS type becomes a JSON type (keyword/text kinds: string; date: string; long,
integer, short, byte: integer; float kinds: number; boolean; object/flattened: object), its
`allowed_values` an enum (for `event.kind`, `event.category`, `event.type`, ...), and since every
Elasticsearch field may hold an array, a value or an array of values is accepted. Fields ECS
marks `required` are required. Inside the chosen field sets nothing unknown is accepted
(`additionalProperties: false`); top-level names outside ECS are accepted when listed as custom
namespaces (ECS: custom fields go outside its field sets).

    python3 tools/ecs_extract_schema.py GIT_DIR v8.17.0 base,ecs,event,rule,threat,... modelwatch > schema.json
"""
import json
import subprocess
import sys

import yaml

git_dir, tag, field_sets, custom = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")
flat = yaml.safe_load(
    subprocess.run(["git", "-C", git_dir, "show", f"{tag}:generated/ecs/ecs_flat.yml"], check=True, capture_output=True).stdout
)

STRING = {"keyword", "constant_keyword", "wildcard", "text", "match_only_text", "ip", "version", "geo_point", "date"}
INTEGER = {"long", "integer", "short", "byte", "unsigned_long"}
NUMBER = {"float", "half_float", "scaled_float", "double"}


def leaf(field):
    kind = field["type"]
    if kind in STRING:
        schema = {"type": "string"}
    elif kind in INTEGER:
        schema = {"type": "integer"}
    elif kind in NUMBER:
        schema = {"type": "number"}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    else:  # object, flattened, nested
        schema = {"type": "object"}
    if field.get("allowed_values"):
        schema["enum"] = [value["name"] for value in field["allowed_values"]]
    if kind in ("object", "flattened", "nested"):
        return schema
    return {"anyOf": [schema, {"type": "array", "items": schema}]}


root = {"type": "object", "properties": {}, "additionalProperties": False, "required": []}
for name, field in flat.items():
    if field.get("flat_name", name).split(".")[0] not in field_sets and not (
        "base" in field_sets and "." not in name
    ):
        continue
    node = root
    parts = name.split(".")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        properties = node.setdefault("properties", {})
        if last:
            existing = properties.get(part)
            properties[part] = leaf(field) if existing is None or "properties" not in existing else existing
            if field.get("required"):
                node.setdefault("required", []).append(part)
        else:
            child = properties.get(part)
            if child is None or "properties" not in child:
                # An object field (`labels`, `threat.technique`) may also hold sub-fields.
                child = {"type": "object", "properties": {}, "additionalProperties": False}
                properties[part] = child
            node = child
for namespace in custom:
    root["properties"][namespace] = {"type": "object"}
schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$comment": f"Extracted by tools/ecs_extract_schema.py from github.com/elastic/ecs generated/ecs/ecs_flat.yml at {tag}; field sets {','.join(field_sets)}; custom namespaces {','.join(custom)}",
    "title": f"ECS {tag} documents",
} | root
# `labels` is an object of keyword values (ECS: "labels: type object, object_type keyword").
schema["properties"]["labels"] = {"type": "object", "additionalProperties": {"type": "string"}}
json.dump(schema, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
