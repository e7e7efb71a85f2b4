#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""jsoncheck.py SCHEMA COMMAND [FILE]: the JSON document in FILE (default:
stdin) is what COMMAND prints with -j: valid against $defs/cmd_COMMAND of
SCHEMA (man/vfiomig.schema.json; check --soak is check_soak); exit 0, or 1
with every violation on stderr, 2 for a broken document."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    kind = "cmd_" + sys.argv[2]
    text = open(sys.argv[3]).read() if len(sys.argv) > 3 else sys.stdin.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        print(f"jsoncheck: not one JSON document: {e}", file=sys.stderr)
        return 2
    if kind not in schema["$defs"]:
        print(f"jsoncheck: no $defs/{kind} in the schema", file=sys.stderr)
        return 2
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    root = dict(schema, **{"$ref": "#/$defs/" + kind})
    errors = sorted(cls(root).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"jsoncheck: {kind}: {where}: {e.message}", file=sys.stderr)
    return 1 if errors else 0


sys.exit(main())
