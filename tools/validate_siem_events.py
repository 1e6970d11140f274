#!/usr/bin/env python3
"""Validates SIEM documents (one JSON object per line) against a JSON Schema with `jsonschema`
(pip package; `.ci/run` installs it when missing). Prints each violation with its line number and
JSON path; exits 1 when any line is invalid or not JSON, 0 when all are valid, and prints how
many documents it checked.

    python3 tools/validate_siem_events.py SCHEMA.json EVENTS.jsonl
"""
import json
import sys

import jsonschema

schema_path, documents_path = sys.argv[1], sys.argv[2]
with open(schema_path) as handle:
    validator = jsonschema.Draft202012Validator(json.load(handle))
failures = 0
count = 0
with open(documents_path) as handle:
    for number, line in enumerate(handle, 1):
        count += 1
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"line {number}: not JSON: {error}")
            failures += 1
            continue
        for error in validator.iter_errors(document):
            print(f"line {number}: {error.json_path}: {error.message[:300]}")
            failures += 1
print(f"{count} documents, {failures} violations")
sys.exit(1 if failures or count == 0 else 0)
