"""Kubernetes OpenAPI v3 schemas as a JSON Schema validator (python3-jsonschema), shared by the tests
that validate manifests against the API (test/charts/schema_test.py, test/gating/gating_test.py).

How the OpenAPI documents are read: $refs to #/components/schemas/... resolve through the validator's
own resolver inside a root document holding the file's components; object types that declare
properties and no additionalProperties are closed (an unknown field is an error, as with the API
server's strict field validation: kubectl's default); formats int32, int64, byte and int-or-string are
checked; x-kubernetes-list-type map/set lists must not repeat a key.

Kinds the conformance folder has no document for get minimal hand-written schemas (local_files: YAML
files with components.schemas, each kind tagged with x-kubernetes-group-version-kind); their $refs to
io.k8s.* resolve in the conformance core/v1 document. Kinds with no schema at all get their metadata
validated against ObjectMeta.
"""

import base64
import json
import os
import sys

import yaml

try:
    import jsonschema
except ImportError:  # never skip: CI must have it (scripts/deps.sh)
    sys.exit("k8s_schemas.py: jsonschema is missing (Debian: python3-jsonschema, installed by scripts/deps.sh)")

SCHEMA_SUBDIR = os.path.join("k8s-schemas", "openapi-v3-k8s-1.35")
SCHEMA_FILES = ["api__v1_openapi.json", "apis__apps__v1_openapi.json", "apis__autoscaling__v2_openapi.json"]
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

def close_objects(node):
    """Strict field validation: an object type with properties and no additionalProperties takes no
    other field. Maps (additionalProperties given) and free-form objects (no properties) stay open."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict) and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        for v in node.values():
            close_objects(v)
    elif isinstance(node, list):
        for v in node:
            close_objects(v)


def _list_type(validator, list_type, instance, schema):
    """x-kubernetes-list-type: "set" items and "map" keys (x-kubernetes-list-map-keys) are unique, as
    the API server requires. A missing key counts as null (the server would apply its default)."""
    if not validator.is_type(instance, "array") or list_type not in ("set", "map"):
        return
    seen = set()
    keys = schema.get("x-kubernetes-list-map-keys", [])
    for i, item in enumerate(instance):
        if list_type == "set":
            key = json.dumps(item, sort_keys=True)
        elif isinstance(item, dict):
            key = json.dumps([item.get(k) for k in keys])
        else:
            continue  # the items schema reports the wrong type
        if key in seen:
            what = "value" if list_type == "set" else "key %s=%s" % ("+".join(keys), key)
            yield jsonschema.ValidationError("item %d repeats the %s of an earlier item" % (i, what))
        seen.add(key)


def _format_checker():
    checker = jsonschema.FormatChecker(formats=())

    def int_range(bits):
        def check(v):
            return not isinstance(v, int) or isinstance(v, bool) or -2 ** (bits - 1) <= v < 2 ** (bits - 1)
        return check

    checker.checks("int32")(int_range(32))
    checker.checks("int64")(int_range(64))
    checker.checks("int-or-string")(lambda v: isinstance(v, str) or int_range(32)(v))

    @checker.checks("byte", raises=(ValueError, TypeError))
    def _byte(v):
        if isinstance(v, str):
            base64.b64decode(v, validate=True)
        return True

    return checker


# OpenAPI 3.0 schema objects are JSON Schema draft-4 style (draft 5 in the OpenAPI text).
K8sValidator = jsonschema.validators.extend(jsonschema.Draft4Validator, {"x-kubernetes-list-type": _list_type})
FORMATS = _format_checker()


class Schemas:
    """The schemas by (apiVersion, kind): conformance OpenAPI documents and the local minimal ones."""

    def __init__(self, folder, local_files=()):
        """folder: the conformance OpenAPI folder ($RG_CONFORMANCE_DIR/k8s-schemas/...); local_files:
        YAML files of minimal schemas for kinds it has no document for. Raises RuntimeError when a
        file is unreadable, or a local schema redefines a conformance schema or kind."""
        self.by_gvk = {}    # (apiVersion, kind) -> (root document, component name, source label)
        self.validators = {}
        core_root = None
        for fname in SCHEMA_FILES:
            path = os.path.join(folder, fname)
            try:
                with open(path) as f:
                    doc = json.load(f)
                comps = doc["components"]["schemas"]
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise RuntimeError("%s: not a readable OpenAPI v3 document: %s" % (path, e))
            close_objects(comps)
            root = {"components": {"schemas": comps}}
            if fname == SCHEMA_FILES[0]:
                core_root = root
            self._index(root, "k8s 1.35 OpenAPI %s" % fname)
        for path in local_files:
            try:
                with open(path) as f:
                    local = yaml.safe_load(f)["components"]["schemas"]
            except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
                raise RuntimeError("%s: %s" % (path, e))
            close_objects(local)
            overlap = set(local) & set(core_root["components"]["schemas"])
            if overlap:
                raise RuntimeError("%s redefines conformance schemas: %s" % (path, sorted(overlap)))
            merged = dict(core_root["components"]["schemas"], **local)
            self._index({"components": {"schemas": merged}},
                        "local minimal schema (%s)" % os.path.basename(path), only=set(local))
        self.meta = self._validator(core_root, OBJECT_META)

    def _index(self, root, source, only=None):
        for name, schema in root["components"]["schemas"].items():
            if only is not None and name not in only:
                continue
            for gvk in schema.get("x-kubernetes-group-version-kind", []):
                api = gvk["version"] if not gvk["group"] else "%s/%s" % (gvk["group"], gvk["version"])
                key = (api, gvk["kind"])
                if key in self.by_gvk:
                    if only is not None:
                        raise RuntimeError("%s: %s %s has a conformance schema already" % (source, *key))
                    continue  # shared kinds (meta/v1 Status...) are in every file: the first one serves
                self.by_gvk[key] = (root, name, source)

    @staticmethod
    def _validator(root, name):
        schema = {"components": root["components"], "allOf": [{"$ref": "#/components/schemas/" + name}]}
        return K8sValidator(schema, format_checker=FORMATS)

    def source(self, api_version, kind):
        """What `errors` validates this kind against."""
        if (api_version, kind) in self.by_gvk:
            _, name, source = self.by_gvk[(api_version, kind)]
            return "%s: %s" % (source, name)
        return "no schema: apiVersion, kind and metadata only (ObjectMeta)"

    def errors(self, obj):
        """The schema errors of one object, as 'path: message' strings."""
        key = (obj.get("apiVersion"), obj.get("kind"))
        if key in self.by_gvk:
            if key not in self.validators:
                root, name, _ = self.by_gvk[key]
                self.validators[key] = self._validator(root, name)
            validator, target = self.validators[key], obj
        else:
            validator, target = self.meta, obj.get("metadata")
            if not isinstance(key[0], str) or not isinstance(key[1], str) or not key[0] or not key[1]:
                return ["apiVersion/kind: missing or not strings: %r" % (key,)]
        out = []
        for e in sorted(validator.iter_errors(target), key=lambda e: list(map(str, e.absolute_path))):
            path = ".".join(str(p) for p in e.absolute_path)
            if target is not obj:
                path = "metadata" + ("." + path if path else "")
            out.append("%s: %s" % (path or "(object)", e.message))
        return out


class Conformance:
    """The schemas one test program validates against, loaded on first use from the conformance folder
    ($RG_CONFORMANCE_DIR, else `default_dir`, which --conformance-default sets). When the folder is
    absent, a test that asks for them is skipped, loudly, and fails under CI=true; `skipped` then holds
    the reason, and `main` exits 77 (ctest's SKIP_RETURN_CODE) if nothing failed."""

    def __init__(self, local_files, default_dir):
        self.local_files = local_files
        self.default_dir = default_dir
        self.skipped = None
        self._schemas = None

    def schemas(self, test):
        if self._schemas is None:
            folder = os.path.join(os.environ.get("RG_CONFORMANCE_DIR", "") or self.default_dir, SCHEMA_SUBDIR)
            if not os.path.isdir(folder):
                msg = "conformance schemas not found at '%s' (set RG_CONFORMANCE_DIR)" % folder
                if os.environ.get("CI", "") == "true":
                    test.fail(msg + " and CI=true: the schema check must run in CI")
                if self.skipped is None:
                    sys.stderr.write("\n*** SKIPPING the schema tests: %s ***\n\n" % msg)
                    self.skipped = msg
                test.skipTest(msg)
            self._schemas = Schemas(folder, self.local_files)
        return self._schemas


def main(program, conformance, set_binary, report=None):
    """A schema test program's entry point: PATH-TO-rollout-guard [--conformance-default DIR] [unittest
    args]. Exits 1 when a test failed, 77 when the schema tests were skipped, else 0; `report` runs after
    the tests."""
    import unittest
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit("usage: %s PATH-TO-rollout-guard [--conformance-default DIR] [unittest args]" % program)
    binary = os.path.abspath(args.pop(0))
    if not os.access(binary, os.X_OK):
        sys.exit("%s: %s is not an executable" % (program, binary))
    set_binary(binary)
    if args[:1] == ["--conformance-default"]:
        if len(args) < 2:
            sys.exit("%s: --conformance-default needs a directory" % program)
        conformance.default_dir = args[1]
        del args[:2]
    result = unittest.main(argv=[sys.argv[0]] + args, verbosity=2, exit=False).result
    if report is not None:
        report()
    if not result.wasSuccessful():
        sys.exit(1)
    if conformance.skipped:
        sys.stderr.write("\n*** SKIPPED the schema tests: %s ***\n" % conformance.skipped)
        sys.exit(77)
    sys.exit(0)
