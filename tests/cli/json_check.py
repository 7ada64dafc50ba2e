#!/usr/bin/env python3
"""tests/cli/json_check.py: checks one json form of a show command against
its schema in tests/cli/schema/ (tunsh(1), JSON).  Python's json module
only, no pip package: the schema is a subset of JSON Schema (type,
properties, required, additionalProperties, items, enum, oneOf), and
on top of it the rule of tunsh(1) that an absent value is null, so no
string may be "" or "-" unless its schema's enum lists it.

    json_check.py SCHEMA [FILE]    (FILE or standard input)

Exits 0 when the document fits, 1 with every misfit named by its path.
"""
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    # bool is an int to Python; JSON's true is not a number
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def check(schema, value, path, errors):
    if "oneOf" in schema:
        fits = []
        for alt in schema["oneOf"]:
            e = []
            check(alt, value, path, e)
            fits.append(e)
        if sum(1 for e in fits if not e) != 1:
            best = min(fits, key=len)
            errors.append("%s: fits %d of the oneOf alternatives, not 1%s"
                          % (path, sum(1 for e in fits if not e),
                             "; closest: " + "; ".join(best) if best else ""))
        return
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(TYPES[t](value) for t in types):
            errors.append("%s: %s is %s, not %s" % (
                path, json.dumps(value)[:40], type(value).__name__,
                " or ".join(types)))
            return
    # "-" may be a value of its own where the schema lists it ("change")
    if (isinstance(value, str) and value in ("", "-")
            and value not in schema.get("enum", [])):
        errors.append("%s: %s stands for an absent value: give null"
                      % (path, json.dumps(value)))
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %s is none of %s" % (
            path, json.dumps(value), json.dumps(schema["enum"])))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in value:
                errors.append("%s: lacks %s" % (path, k))
        for k, v in value.items():
            if k in props:
                check(props[k], v, "%s.%s" % (path, k), errors)
            elif schema.get("additionalProperties", True) is False:
                errors.append("%s: %s is not in the schema" % (path, k))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check(schema["items"], v, "%s[%d]" % (path, i), errors)


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: json_check.py SCHEMA [FILE]", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    src = open(sys.argv[2]) if len(sys.argv) == 3 else sys.stdin
    try:
        doc = json.load(src)
    except ValueError as e:
        print("%s: not JSON: %s" % (sys.argv[1], e), file=sys.stderr)
        return 1
    errors = []
    check(schema, doc, "$", errors)
    for e in errors:
        print("%s: %s" % (sys.argv[1].rsplit("/", 1)[-1], e),
              file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
