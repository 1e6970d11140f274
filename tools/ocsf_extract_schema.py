#!/usr/bin/env python3
"""Writes a JSON Schema (draft 2020-12) for one OCSF event class from the OCSF schema's own
source files (github.com/ocsf/ocsf-schema at a release tag), so tests can validate findings
offline with `jsonschema`.

The class's attributes are merged along its `extends` chain (detection_finding -> finding ->
base_event) with every `$include`d profile; each attribute's type, array-ness and enum come from
`dictionary.json` (class-level enums override it, as the OCSF server does); `requirement:
required` becomes JSON Schema `required`; objects are resolved the same way (their `extends`
chain, `constraints.at_least_one`) to `max_depth`, deeper ones are any object. Unknown
attributes are refused (`additionalProperties: false`), except inside `unmapped`, which OCSF
leaves free.

    python3 tools/ocsf_extract_schema.py GIT_DIR v1.5.0 detection_finding > schema.json
"""
import json
import subprocess
import sys

git_dir, tag, class_name = sys.argv[1], sys.argv[2], sys.argv[3]
max_depth = int(sys.argv[4]) if len(sys.argv) > 4 else 3


def show(path):
    try:
        text = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{path}"], check=True, capture_output=True).stdout
    except subprocess.CalledProcessError:
        return None
    return json.loads(text)


dictionary = show("dictionary.json")
types = dictionary.get("types", {}).get("attributes", {})
attributes_dictionary = dictionary["attributes"]


def find_file(kind, name):
    if kind == "objects":
        return show(f"objects/{name}.json")
    listing = subprocess.run(
        ["git", "-C", git_dir, "ls-tree", "-r", "--name-only", tag, "events"], check=True, capture_output=True
    ).stdout.decode().split()
    for path in listing:
        if path.endswith(f"/{name}.json") or path == f"events/{name}.json":
            return show(path)
    return None


def merged_attributes(kind, name):
    """Attributes of a class or object with its extends chain and includes, child last."""
    definition = find_file(kind, name)
    if definition is None:
        return {}, {}
    attributes, constraints = {}, {}
    parent = definition.get("extends")
    if parent:
        attributes, constraints = merged_attributes(kind, parent)
    own = dict(definition.get("attributes", {}))
    for include in own.pop("$include", []):
        included = show(include) or {}
        for key, value in included.get("attributes", {}).items():
            value = dict(value)
            if include.startswith("profiles/") and value.get("requirement") == "required":
                value["requirement"] = "recommended"  # a profile's attributes bind only where it is applied
            attributes.setdefault(key, {}).update(value)
    for key, value in own.items():
        attributes.setdefault(key, {}).update(value or {})
    constraints.update(definition.get("constraints", {}))
    return attributes, constraints


def base_type(type_name):
    while type_name in types and types[type_name].get("type"):
        type_name = types[type_name]["type"]
    return type_name


def attribute_schema(name, merged, depth):
    entry = dict(attributes_dictionary.get(name, {}))
    entry.update({k: v for k, v in merged.items() if v is not None})
    type_name = base_type(entry.get("type", "string_t"))
    if type_name == "object_t" or not type_name.endswith("_t"):
        # Object attributes name their object as the type (`"type": "finding_info"`).
        object_type = entry.get("object_type") or (None if type_name == "object_t" else type_name)
        if name == "unmapped" or object_type is None or depth >= max_depth:
            schema = {"type": "object"}
        else:
            schema = object_schema(object_type, depth + 1)
    elif type_name in ("integer_t", "long_t", "timestamp_t", "port_t"):
        schema = {"type": "integer"}
    elif type_name == "float_t":
        schema = {"type": "number"}
    elif type_name == "boolean_t":
        schema = {"type": "boolean"}
    elif type_name == "json_t":
        schema = {}
    else:
        schema = {"type": "string"}
    enum = entry.get("enum")
    if enum and schema.get("type") == "integer":
        schema["enum"] = sorted(int(key) for key in enum)
    if entry.get("is_array"):
        schema = {"type": "array", "items": schema}
    return schema


def object_schema(name, depth):
    attributes, constraints = merged_attributes("objects", name)
    return shape(attributes, constraints, depth) | {"title": name}


def shape(attributes, constraints, depth):
    properties = {key: attribute_schema(key, value, depth) for key, value in attributes.items()}
    required = sorted(key for key, value in attributes.items() if (value or {}).get("requirement") == "required")
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    if constraints.get("at_least_one"):
        schema["anyOf"] = [{"required": [key]} for key in constraints["at_least_one"]]
    return schema


class_attributes, class_constraints = merged_attributes("events", class_name)
definition = find_file("events", class_name)
# The OCSF server computes these (category_uid, class_uid = category × 1000 + class,
# type_uid = class_uid × 100 + activity_id); the source files leave them as placeholders.
category_name = definition.get("category") or find_file("events", definition["extends"]).get("category")
category_uid = show("categories.json")["attributes"][category_name]["uid"]
class_uid = category_uid * 1000 + definition["uid"]
schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$comment": f"Extracted by tools/ocsf_extract_schema.py from github.com/ocsf/ocsf-schema at {tag}, class {class_name}",
    "title": f"OCSF {tag} {class_name}",
} | shape(class_attributes, class_constraints, 0)
schema["properties"]["category_uid"] = {"type": "integer", "enum": [category_uid]}
schema["properties"]["class_uid"] = {"type": "integer", "enum": [class_uid]}
activities = schema["properties"]["activity_id"].get("enum", [])
schema["properties"]["type_uid"] = {"type": "integer", "enum": [class_uid * 100 + a for a in activities]}
json.dump(schema, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
