"""A small renderer for the subset of Go text/template + Sprig + Helm that charts/rollout-guard uses.

helm is not a Debian package and cannot be downloaded where the tests run, so test/charts/render_test.py
renders the chart with this module. It is deliberately strict: any construct, function or verb it does
not implement raises TemplateError instead of being skipped, a missing map key is an error (like
`helm template --strict`... and stricter: Helm would print an empty string), and values of the wrong
type for a function are errors, so a chart change that leaves the subset fails the test loudly.

Semantics followed (Go text/template, Sprig v3, Helm 3):
- actions {{ }}, trim markers "{{- " and " -}}" (all spaces, tabs, CR and LF), comments {{/* */}};
- if / else if / else / end, with / else / end, range (lists, maps in sorted key order, nil: no
  iterations) with optional "$v :=" or "$k, $v :=", define / end, variable declaration ":=" and
  assignment "=", block scoping of variables, "$" as the data the template was called with;
- truthiness: false, 0, nil, "" and empty maps/lists are false;
- pipelines: the value of each command is passed as the last argument of the next;
- functions: include, eq, ne, not, and, or (short-circuit, returning an operand, as Go >= 1.18),
  lt, le, gt, ge (operands of the same kind), default, empty, quote, squote, nindent, indent,
  toYaml, b64enc, trunc, trim, trimSuffix, trimPrefix, replace, contains, printf (%s %v %d %q %%), dict,
  list, hasKey (a map and a string key only), int, required, fail;
- Helm loads values numbers as float64 (sigs.k8s.io/yaml goes through JSON), so printing them uses
  Go's %v for floats (1000000 -> 1e+06) and comparing a float with an integer literal is an error;
- toYaml marshals like sigs.k8s.io/yaml (keys sorted, integral floats as integers) without the
  trailing newline.
"""

import base64
import decimal
import re

import yaml


class TemplateError(Exception):
    """The template uses something this renderer does not implement, or fails to evaluate."""


class TemplateFail(TemplateError):
    """The template called fail or required (a deliberate rendering error, as in helm)."""


# ---------------------------------------------------------------------------------------------------
# Values helpers


def helm_numbers(v):
    """Values as Helm holds them: YAML integers become float64."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, float):
        return v
    if isinstance(v, dict):
        return {str(k): helm_numbers(x) for k, x in v.items()}
    if isinstance(v, list):
        return [helm_numbers(x) for x in v]
    raise TemplateError("unsupported value type %s" % type(v).__name__)


def coalesce(base, override):
    """Helm's value merge: maps merge recursively, anything else replaces, null deletes a key."""
    out = dict(base)
    for k, v in override.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = coalesce(out[k], v)
        else:
            out[k] = v
    return out


def go_float(f):
    """fmt.Sprint(float64): strconv's 'g' with the shortest digits, in %e form when the decimal
    exponent is < -4 or >= 6 (strconv uses precision 6 for that decision when shortest)."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    d = decimal.Decimal(repr(f)).normalize()
    sign, digits, exponent = d.as_tuple()
    digits = "".join(str(x) for x in digits)
    dp = len(digits) + exponent  # position of the decimal point
    exp = dp - 1
    s = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return "%s%se%s%02d" % (s, mant, "-" if exp < 0 else "+", abs(exp))
    if dp <= 0:
        return s + "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return s + digits + "0" * (dp - len(digits))
    return s + digits[:dp] + "." + digits[dp:]


def go_string(v):
    """How {{ v }} prints v. Maps, lists and nil are refused (Go would print map[...] or <no value>)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    raise TemplateError("refusing to print a %s: %r" % (type(v).__name__, v))


def go_quote(s):
    """strconv.Quote for the characters charts use."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def truth(v):
    if v is None:
        return False
    if isinstance(v, (bool, int, float, str, list, dict)):
        return bool(v)
    raise TemplateError("no truth value for %r" % (v,))


def yaml_ready(v):
    if isinstance(v, float) and v == int(v) and abs(v) < 1e21:
        return int(v)
    if isinstance(v, dict):
        return {k: yaml_ready(x) for k, x in v.items()}
    if isinstance(v, list):
        return [yaml_ready(x) for x in v]
    return v


def to_yaml(v):
    if v is None:
        return "null"
    out = yaml.safe_dump(yaml_ready(v), default_flow_style=False, sort_keys=True, width=1 << 30,
                         allow_unicode=True)
    if out.endswith("...\n"):  # PyYAML's document end marker after a bare scalar
        out = out[:-4]
    return out[:-1] if out.endswith("\n") else out


def _kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    raise TemplateError("invalid type for comparison: %r" % (v,))


def _same_kind(a, b):
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        raise TemplateError("incompatible types for comparison: %s and %s (%r, %r)" % (ka, kb, a, b))


def _need(kind, v, fn):
    ok = {"string": isinstance(v, str),
          "int": isinstance(v, int) and not isinstance(v, bool)}[kind]
    if not ok:
        raise TemplateError("%s: wrong type for value; expected %s; got %r" % (fn, kind, v))
    return v


def empty(v):
    return not truth(v)


def go_printf(fmt, args):
    out = []
    i = 0
    ai = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(fmt):
            raise TemplateError("printf: dangling %% in %r" % fmt)
        verb = fmt[i + 1]
        i += 2
        if verb == "%":
            out.append("%")
            continue
        if ai >= len(args):
            raise TemplateError("printf %r: missing argument" % fmt)
        a = args[ai]
        ai += 1
        if verb == "s":
            out.append(_need("string", a, "printf %s"))
        elif verb == "v":
            out.append(go_string(a))
        elif verb == "d":
            out.append(str(_need("int", a, "printf %d")))
        elif verb == "q":
            out.append(go_quote(_need("string", a, "printf %q")))
        else:
            raise TemplateError("printf: verb %%%s not supported by this renderer" % verb)
    if ai != len(args):
        raise TemplateError("printf %r: %d extra arguments" % (fmt, len(args) - ai))
    return "".join(out)


# ---------------------------------------------------------------------------------------------------
# Lexing and parsing

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:\\.|[^"\\])*")
  | (?P<raw>`[^`]*`)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<punct>[()|,])
""", re.X)

_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


def _unquote(s):
    body = s[1:-1]
    out = []
    i = 0
    esc = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
    while i < len(body):
        if body[i] == "\\":
            nxt = body[i + 1]
            if nxt not in esc:
                raise TemplateError("string escape \\%s not supported: %s" % (nxt, s))
            out.append(esc[nxt])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def tokenize(src, where):
    toks = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise TemplateError("%s: cannot lex %r" % (where, src[pos:pos + 20]))
        pos = m.end()
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "ws":
            continue
        if kind == "field" and toks and toks[-1] == ("punct", ")") and m.start() > 0 and \
                src[m.start() - 1] == ")":
            raise TemplateError("%s: (...).field is not supported" % where)
        if kind == "str":
            toks.append(("lit", _unquote(text)))
        elif kind == "raw":
            toks.append(("lit", text[1:-1]))
        elif kind == "num":
            toks.append(("lit", float(text) if "." in text else int(text)))
        elif kind == "ident" and text in ("true", "false"):
            toks.append(("lit", text == "true"))
        elif kind == "ident" and text == "nil":
            raise TemplateError("%s: nil literals are not supported" % where)
        else:
            toks.append((kind, text))
    return toks


def split_actions(src, where):
    """Text and actions with trim markers applied: a list of ("text", s) and ("action", body, line)."""
    items = []
    pos = 0
    trim_next = False
    while True:
        start = src.find("{{", pos)
        text = src[pos:] if start < 0 else src[pos:start]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if start < 0:
            items.append(("text", text))
            return items
        line = src.count("\n", 0, start) + 1
        i = start + 2
        trim_prev = False
        if src.startswith("-", i) and i + 1 < len(src) and src[i + 1] in " \t\r\n":
            trim_prev = True
            i += 2
        if trim_prev:
            text = text.rstrip(" \t\r\n")
        items.append(("text", text))
        body_start = i
        j = i
        if src.startswith("/*", src_skip_ws(src, i)):
            end_c = src.find("*/", i)
            if end_c < 0:
                raise TemplateError("%s:%d: unclosed comment" % (where, line))
            j = end_c + 2
            rest = src_skip_ws(src, j)
            if src.startswith("-}}", rest) and rest > j:
                trim_next, pos = True, rest + 3
            elif src.startswith("}}", j):
                trim_next, pos = False, j + 2
            else:
                raise TemplateError("%s:%d: comment must end with */}} or */ -}}" % (where, line))
            continue
        in_str = None
        while j < len(src):
            c = src[j]
            if in_str:
                if c == "\\" and in_str == '"':
                    j += 2
                    continue
                if c == in_str:
                    in_str = None
            elif c in "\"`":
                in_str = c
            elif src.startswith("}}", j):
                break
            j += 1
        else:
            raise TemplateError("%s:%d: unclosed action" % (where, line))
        body = src[body_start:j]
        trim_next = False
        if body.endswith("-") and len(body) >= 2 and body[-2] in " \t\r\n":
            trim_next = True
            body = body[:-1]
        items.append(("action", body.strip(), line))
        pos = j + 2


def src_skip_ws(src, i):
    while i < len(src) and src[i] in " \t\r\n":
        i += 1
    return i


class Parser:
    def __init__(self, items, where, defines):
        self.items = items
        self.i = 0
        self.where = where
        self.defines = defines

    def err(self, line, msg):
        return TemplateError("%s:%s: %s" % (self.where, line, msg))

    def parse_list(self, terminators):
        nodes = []
        while self.i < len(self.items):
            item = self.items[self.i]
            self.i += 1
            if item[0] == "text":
                if item[1]:
                    nodes.append(("text", item[1]))
                continue
            _, body, line = item
            toks = tokenize(body, "%s:%d" % (self.where, line))
            if not toks:
                raise self.err(line, "empty action")
            head = toks[0]
            word = head[1] if head[0] == "ident" and head[1] in _KEYWORDS else None
            if word in ("end", "else"):
                if word not in terminators:
                    raise self.err(line, "unexpected {{%s}}" % body)
                return nodes, word, toks, line
            if word == "if":
                nodes.append(self.parse_if(toks[1:], line))
            elif word == "with":
                pipe = self.parse_pipeline(toks[1:], line)
                body_nodes, term, ttoks, tline = self.parse_list({"end", "else"})
                else_nodes = []
                if term == "else":
                    if len(ttoks) != 1:
                        raise self.err(tline, "else with/else if inside with is not supported")
                    else_nodes, _, _, _ = self.parse_list({"end"})
                nodes.append(("with", pipe, body_nodes, else_nodes, line))
            elif word == "range":
                nodes.append(self.parse_range(toks[1:], line))
            elif word == "define":
                if len(toks) != 2 or toks[1][0] != "lit" or not isinstance(toks[1][1], str):
                    raise self.err(line, "define needs one string name")
                body_nodes, _, _, _ = self.parse_list({"end"})
                self.defines[toks[1][1]] = (body_nodes, self.where)
            elif word is not None:
                raise self.err(line, "{{%s}} is not supported by this renderer" % word)
            else:
                nodes.append(self.parse_action(toks, line))
        if terminators:
            raise TemplateError("%s: missing {{end}}" % self.where)
        return nodes, None, None, None

    def parse_if(self, toks, line):
        pipe = self.parse_pipeline(toks, line)
        then_nodes, term, ttoks, tline = self.parse_list({"end", "else"})
        else_nodes = []
        if term == "else":
            if len(ttoks) > 1:
                if ttoks[1] != ("ident", "if"):
                    raise self.err(tline, "only 'else if' may follow else")
                else_nodes = [self.parse_if(ttoks[2:], tline)]  # consumes the shared end
            else:
                else_nodes, _, _, _ = self.parse_list({"end"})
        return ("if", pipe, then_nodes, else_nodes, line)

    def parse_range(self, toks, line):
        vars_ = []
        if any(t[0] == "declare" for t in toks):
            k = [t[0] for t in toks].index("declare")
            decl = toks[:k]
            names = [t[1] for t in decl if t[0] == "var"]
            seps = [t for t in decl if t[0] != "var"]
            if not 1 <= len(names) <= 2 or any(t != ("punct", ",") for t in seps) or \
                    any("." in n for n in names):
                raise self.err(line, "bad range variables")
            vars_ = names
            toks = toks[k + 1:]
        pipe = self.parse_pipeline(toks, line)
        body_nodes, term, ttoks, tline = self.parse_list({"end", "else"})
        else_nodes = []
        if term == "else":
            if len(ttoks) != 1:
                raise self.err(tline, "else if inside range is not supported")
            else_nodes, _, _, _ = self.parse_list({"end"})
        return ("range", vars_, pipe, body_nodes, else_nodes, line)

    def parse_action(self, toks, line):
        if len(toks) >= 2 and toks[0][0] == "var" and toks[1][0] in ("declare", "assign"):
            name = toks[0][1]
            if "." in name or name == "$":
                raise self.err(line, "cannot assign to %s" % name)
            return (toks[1][0], name, self.parse_pipeline(toks[2:], line), line)
        return ("action", self.parse_pipeline(toks, line), line)

    def parse_pipeline(self, toks, line):
        pipe, rest = self._pipeline(toks, line)
        if rest:
            raise self.err(line, "unexpected %r" % (rest[0],))
        return pipe

    def _pipeline(self, toks, line):
        cmds = []
        cmd = []
        while toks:
            t = toks[0]
            if t == ("punct", ")"):
                break
            toks = toks[1:]
            if t == ("punct", "|"):
                if not cmd:
                    raise self.err(line, "empty command in pipeline")
                cmds.append(cmd)
                cmd = []
            elif t == ("punct", "("):
                sub, toks = self._pipeline(toks, line)
                if not toks or toks[0] != ("punct", ")"):
                    raise self.err(line, "unclosed (")
                toks = toks[1:]
                cmd.append(("pipe", sub))
            elif t[0] in ("lit", "var", "field", "ident"):
                cmd.append(t)
            else:
                raise self.err(line, "unexpected %r" % (t,))
        if not cmd:
            raise self.err(line, "empty pipeline")
        cmds.append(cmd)
        for c in cmds:
            if c[0][0] != "ident" and len(c) > 1:
                raise self.err(line, "%r is not a function and cannot take arguments" % (c[0],))
        for c in cmds[1:]:
            if c[0][0] != "ident":
                raise self.err(line, "a value cannot follow | (only a function)")
        return cmds, toks


# ---------------------------------------------------------------------------------------------------
# Evaluation


class Template:
    """All templates of a chart: parse every file, then render by file name."""

    def __init__(self, files):
        self.defines = {}
        self.trees = {}
        for name, src in files.items():
            nodes, _, _, _ = Parser(split_actions(src, name), name, self.defines).parse_list(set())
            self.trees[name] = nodes

    def render(self, name, data):
        return self._exec(self.trees[name], data, [{"$": data}], name)

    def _exec(self, nodes, dot, scopes, where):
        out = []
        for n in nodes:
            out.append(self._node(n, dot, scopes, where))
        return "".join(out)

    def _block(self, nodes, dot, scopes, where, extra=None):
        scopes.append(dict(extra or {}))
        try:
            return self._exec(nodes, dot, scopes, where)
        finally:
            scopes.pop()

    def _node(self, n, dot, scopes, where):
        kind = n[0]
        if kind == "text":
            return n[1]
        if kind == "action":
            return go_string(self._pipe(n[1], dot, scopes, where, n[2]))
        if kind == "declare":
            scopes[-1][n[1]] = self._pipe(n[2], dot, scopes, where, n[3])
            return ""
        if kind == "assign":
            for s in reversed(scopes):
                if n[1] in s:
                    s[n[1]] = self._pipe(n[2], dot, scopes, where, n[3])
                    return ""
            raise TemplateError("%s:%d: undefined variable %s" % (where, n[3], n[1]))
        if kind == "if":
            if truth(self._pipe(n[1], dot, scopes, where, n[4])):
                return self._block(n[2], dot, scopes, where)
            return self._block(n[3], dot, scopes, where)
        if kind == "with":
            v = self._pipe(n[1], dot, scopes, where, n[4])
            if truth(v):
                return self._block(n[2], v, scopes, where)
            return self._block(n[3], dot, scopes, where)
        if kind == "range":
            _, vars_, pipe, body, else_nodes, line = n
            v = self._pipe(pipe, dot, scopes, where, line)
            if v is None:
                pairs = []
            elif isinstance(v, list):
                pairs = list(enumerate(v))
            elif isinstance(v, dict):
                pairs = [(k, v[k]) for k in sorted(v)]
            else:
                raise TemplateError("%s:%d: range can't iterate over %r" % (where, line, v))
            if not pairs:
                return self._block(else_nodes, dot, scopes, where)
            out = []
            for k, x in pairs:
                extra = {}
                if len(vars_) == 1:
                    extra[vars_[0]] = x
                elif len(vars_) == 2:
                    extra[vars_[0]] = k
                    extra[vars_[1]] = x
                out.append(self._block(body, x, scopes, where, extra))
            return "".join(out)
        raise TemplateError("internal: node %r" % (kind,))

    def _pipe(self, cmds, dot, scopes, where, line):
        val = _NOTHING
        for cmd in cmds:
            val = self._cmd(cmd, dot, scopes, where, line, val)
        return val

    def _operand(self, t, dot, scopes, where, line):
        kind = t[0]
        if kind == "lit":
            return t[1]
        if kind == "pipe":
            return self._pipe(t[1], dot, scopes, where, line)
        if kind == "field":
            if t[1] == ".":
                return dot
            return self._fields(dot, t[1][1:].split("."), where, line, ".")
        if kind == "var":
            name, _, chain = t[1].partition(".")
            for s in reversed(scopes):
                if name in s:
                    base = s[name]
                    break
            else:
                raise TemplateError("%s:%d: undefined variable %s" % (where, line, name))
            return self._fields(base, chain.split("."), where, line, name) if chain else base
        if kind == "ident":
            raise TemplateError("%s:%d: function %s used as a value" % (where, line, t[1]))
        raise TemplateError("internal: operand %r" % (t,))

    @staticmethod
    def _fields(v, names, where, line, base):
        path = base
        for f in names:
            path = path.rstrip(".") + "." + f
            if not isinstance(v, dict):
                raise TemplateError("%s:%d: %s: cannot read field %s of %r" % (where, line, path, f, v))
            if f not in v:
                raise TemplateError("%s:%d: %s: no such key (values.yaml must define every key "
                                    "the templates read)" % (where, line, path))
            v = v[f]
        return v

    def _cmd(self, cmd, dot, scopes, where, line, piped):
        head = cmd[0]
        if head[0] != "ident":
            if piped is not _NOTHING:
                raise TemplateError("%s:%d: cannot pipe into a value" % (where, line))
            return self._operand(head, dot, scopes, where, line)
        name = head[1]
        arg_toks = cmd[1:]

        def args():
            a = [self._operand(t, dot, scopes, where, line) for t in arg_toks]
            if piped is not _NOTHING:
                a.append(piped)
            return a

        if name in ("and", "or"):
            toks = list(arg_toks)
            thunks = [lambda t=t: self._operand(t, dot, scopes, where, line) for t in toks]
            if piped is not _NOTHING:
                thunks.append(lambda: piped)
            if not thunks:
                raise TemplateError("%s:%d: %s needs arguments" % (where, line, name))
            v = None
            for th in thunks:
                v = th()
                if truth(v) != (name == "and"):
                    return v
            return v
        fn = _FUNCS.get(name)
        if name == "include":
            a = args()
            if len(a) != 2 or not isinstance(a[0], str):
                raise TemplateError("%s:%d: include needs a name and a context" % (where, line))
            if a[0] not in self.defines:
                raise TemplateError("%s:%d: no template %r" % (where, line, a[0]))
            nodes, dwhere = self.defines[a[0]]
            return self._exec(nodes, a[1], [{"$": a[1]}], dwhere)
        if fn is None:
            raise TemplateError("%s:%d: function %r is not supported by this renderer" % (where, line, name))
        try:
            return fn(*args())
        except TemplateError as e:
            raise type(e)("%s:%d: %s: %s" % (where, line, name, e)) from None
        except TypeError as e:
            raise TemplateError("%s:%d: %s: wrong number of arguments (%s)" % (where, line, name, e)) from None


_NOTHING = object()


def _eq(a, *bs):
    if not bs:
        raise TemplateError("eq needs two arguments")
    for b in bs:
        _same_kind(a, b)
        if a == b:
            return True
    return False


def _ne(a, b):
    _same_kind(a, b)
    return a != b


def _cmp(op):
    def f(a, b):
        _same_kind(a, b)
        if isinstance(a, bool):
            raise TemplateError("invalid type for comparison")
        return op(a, b)
    return f


def _default(d, *given):
    if len(given) > 1:
        raise TemplateError("default takes two arguments")
    if not given or empty(given[0]):
        return d
    return given[0]


def _quote(*args):
    return " ".join(go_quote(x if isinstance(x, str) else go_string(x)) for x in args if x is not None)


def _squote(*args):
    return " ".join("'" + (x if isinstance(x, str) else go_string(x)) + "'" for x in args if x is not None)


def _indent(n, s):
    _need("int", n, "indent")
    _need("string", s, "indent")
    pad = " " * n
    return pad + s.replace("\n", "\n" + pad)


def _nindent(n, s):
    return "\n" + _indent(n, s)


def _trunc(n, s):
    _need("int", n, "trunc")
    _need("string", s, "trunc")
    if n < 0 and len(s) + n > 0:
        return s[len(s) + n:]
    if n >= 0 and len(s) > n:
        return s[:n]
    return s


def _dict(*kv):
    if len(kv) % 2:
        raise TemplateError("dict needs key/value pairs")
    out = {}
    for k, v in zip(kv[0::2], kv[1::2]):
        out[_need("string", k, "dict")] = v
    return out


def _int(v):
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        try:
            return int(v, 10)
        except ValueError:
            return 0
    raise TemplateError("int of %r" % (v,))


def _has_key(m, key):
    if not isinstance(m, dict):
        raise TemplateError("hasKey of a %s, not a map" % type(m).__name__)
    return _need("string", key, "hasKey") in m


def _required(msg, v):
    if v is None or v == "":
        raise TemplateFail(_need("string", msg, "required"))
    return v


def _fail(msg):
    raise TemplateFail(_need("string", msg, "fail"))


def _b64enc(s):
    return base64.b64encode(_need("string", s, "b64enc").encode()).decode()


_FUNCS = {
    "eq": _eq,
    "ne": _ne,
    "lt": _cmp(lambda a, b: a < b),
    "le": _cmp(lambda a, b: a <= b),
    "gt": _cmp(lambda a, b: a > b),
    "ge": _cmp(lambda a, b: a >= b),
    "not": lambda v: not truth(v),
    "default": _default,
    "empty": empty,
    "quote": _quote,
    "squote": _squote,
    "indent": _indent,
    "nindent": _nindent,
    "toYaml": to_yaml,
    "b64enc": _b64enc,
    "trunc": _trunc,
    "trim": lambda s: _need("string", s, "trim").strip(" \t\r\n\v\f"),
    "trimSuffix": lambda suf, s: _need("string", s, "trimSuffix")[:-len(suf)]
    if _need("string", suf, "trimSuffix") and s.endswith(suf) else s,
    "trimPrefix": lambda pre, s: _need("string", s, "trimPrefix")[len(pre):]
    if _need("string", pre, "trimPrefix") and s.startswith(pre) else s,
    "replace": lambda old, new, s: _need("string", s, "replace").replace(
        _need("string", old, "replace"), _need("string", new, "replace")),
    "contains": lambda sub, s: _need("string", sub, "contains") in _need("string", s, "contains"),
    "printf": lambda fmt, *a: go_printf(_need("string", fmt, "printf"), list(a)),
    "dict": _dict,
    "list": lambda *a: list(a),
    "hasKey": _has_key,
    "int": _int,
    "required": _required,
    "fail": _fail,
}


# ---------------------------------------------------------------------------------------------------
# Helm


_DOC_SEP = re.compile(r"(?:^|\s*\n)---\s*")


def render_chart(chart_dir, release_name="rollout-guard", namespace="rollout-guard", values=None):
    """Like `helm template NAME CHART -n NS -f values`: returns ({file: [document text]}, notes)."""
    import os
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        vals = helm_numbers(yaml.safe_load(f) or {})
    if values:
        vals = coalesce(vals, helm_numbers(values))
    tdir = os.path.join(chart_dir, "templates")
    files = {}
    for name in sorted(os.listdir(tdir)):
        path = os.path.join(tdir, name)
        if os.path.isdir(path):
            raise TemplateError("subdirectories under templates/ are not supported: %s" % name)
        if not (name.endswith(".yaml") or name.endswith(".tpl") or name == "NOTES.txt"):
            raise TemplateError("unexpected file under templates/: %s" % name)
        with open(path) as f:
            files[name] = f.read()
    t = Template(files)
    data = {
        "Values": vals,
        "Release": {"Name": release_name, "Namespace": namespace, "Service": "Helm",
                    "IsInstall": True, "IsUpgrade": False, "Revision": 1},
        "Chart": {"Name": chart["name"], "Version": chart["version"],
                  "AppVersion": chart.get("appVersion", ""), "Description": chart.get("description", ""),
                  "Type": chart.get("type", "application")},
    }
    out = {}
    notes = None
    for name in files:
        if name.startswith("_"):
            continue
        data["Template"] = {"Name": "%s/templates/%s" % (chart["name"], name),
                            "BasePath": "%s/templates" % chart["name"]}
        text = t.render(name, data)
        if name == "NOTES.txt":
            notes = text
            continue
        docs = [d for d in _DOC_SEP.split(text) if d.strip()]
        out[name] = docs
    return out, notes
