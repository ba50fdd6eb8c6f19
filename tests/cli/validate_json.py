#!/usr/bin/env python3
"""validate_json.py SCHEMA.json DOC.json [--expect-invalid]

Validates one JSON document (a command's --json output, or a tapeop-manifest.json) against its
JSON Schema (draft 2020-12) with python3-jsonschema. Prints every mismatch with its JSON path
and exits 1 when there is one (or, with --expect-invalid, when there is none: the schema must
catch the document's mistake).
"""
import json
import sys

from jsonschema import Draft202012Validator


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema_path, doc_path = argv[1], argv[2]
    expect_invalid = "--expect-invalid" in argv[3:]
    with open(schema_path) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    with open(doc_path) as f:
        doc = json.load(f)
    errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if expect_invalid:
        if not errors:
            print(f"{doc_path}: expected {schema_path} to reject it, but it validates", file=sys.stderr)
            return 1
        return 0
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"{doc_path}: {where}: {e.message} (schema {schema_path})", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
