#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""spec-check: the YAML spec, the uapi header and the kernel's policies agree.

Documentation/netlink/specs/espvti.yaml is the source of truth for the
espvti generic netlink API. From it this computes what the C must be and
compares it with:

  (a) uapi/linux/espvti.h: every enum value and #define, their values got
      by compiling a small generated C program against the header with gcc;
      and every enumerator and #define of the header must be in the spec;
  (b) the attribute policies in module/netlink.c: each attribute's NLA
      type, range or length limits, nested policy and read-only (NLA_REJECT)
      status; an initialiser this cannot parse is an error, never skipped;
  (c) the operations table (doit/dumpit, permission flags), the family
      (name, version, maxattr, policy) and the multicast groups.

One line per mismatch, naming both sides; the last line is
"spec-check: N checks, M mismatches"; exit 1 on any mismatch.
The conventions (YAML name to C name, read-only attributes, the stats nest)
are in the header comment of the spec.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print('spec-check: python3-yaml is needed (apt-get install python3-yaml)')
    sys.exit(2)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def c_upper(s):
    return s.upper().replace('-', '_')


def c_lower(s):
    return s.lower().replace('-', '_')


def rel(path):
    try:
        r = os.path.relpath(path)
    except ValueError:
        return path
    return path if r.startswith('../../') else r


class Result:
    def __init__(self, verbose):
        self.checks = 0
        self.mismatches = 0
        self.verbose = verbose

    def check(self, ok, msg, good=None):
        """One comparison: @msg says what differs, naming both sides."""
        self.checks += 1
        if not ok:
            self.mismatches += 1
            print('mismatch: ' + msg)
        elif self.verbose and good:
            print('ok: ' + good)
        return ok

    def error(self, msg):
        """Something that cannot be compared at all: always a failure."""
        self.checks += 1
        self.mismatches += 1
        print('error: ' + msg)


# ---------------------------------------------------------------- C text

def strip_comments(text):
    """C text without comments, string literals kept, line numbers kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def split_top(text, sep=','):
    """Split at @sep outside (), [], {} and literals; empty parts dropped."""
    parts, depth, cur, i, n = [], 0, [], 0, len(text)
    while i < n:
        c = text[i]
        if c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        if c == sep and depth == 0:
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append(''.join(cur))
    return [p.strip() for p in parts if p.strip()]


def norm(expr):
    return re.sub(r'\s+', ' ', expr.strip())


def line_of(text, pos):
    return text.count('\n', 0, pos) + 1


def object_macros(text):
    """#define NAME BODY (object-like, continuation lines joined)."""
    text = text.replace('\\\n', ' ')
    macros = {}
    for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+(\w+)(\(?)(.*)$', text, re.M):
        if m.group(2):
            continue        # function-like
        macros[m.group(1)] = m.group(3).strip()
    return macros


# ---------------------------------------------------------------- the spec

INT_TYPES = {
    'u8': (0, 2**8 - 1), 'u16': (0, 2**16 - 1), 'u32': (0, 2**32 - 1),
    'u64': (0, 2**64 - 1), 's8': (-2**7, 2**7 - 1), 's16': (-2**15, 2**15 - 1),
    's32': (-2**31, 2**31 - 1), 's64': (-2**63, 2**63 - 1),
    'uint': (0, 2**64 - 1), 'sint': (-2**63, 2**63 - 1),
}
NLA_TYPE = {t: 'NLA_' + t.upper() for t in INT_TYPES}
NLA_TYPE.update({'flag': 'NLA_FLAG', 'binary': 'NLA_BINARY', 'nest': 'NLA_NESTED',
                 'bitfield32': 'NLA_BITFIELD32'})
NLA_INT = {v: INT_TYPES[k] for k, v in NLA_TYPE.items() if k in INT_TYPES}
OP_FLAGS = {'admin-perm': 'GENL_ADMIN_PERM', 'uns-admin-perm': 'GENL_UNS_ADMIN_PERM'}
MCGRP_FLAGS = {'uns-admin-perm': 'GENL_MCAST_CAP_NET_ADMIN'}
VALIDATE = {'strict': 'GENL_DONT_VALIDATE_STRICT', 'dump': 'GENL_DONT_VALIDATE_DUMP',
            'dump-strict': 'GENL_DONT_VALIDATE_DUMP_STRICT'}


class Spec:
    """What the spec says, with the C names it implies."""

    def __init__(self, path, res):
        self.path = path
        self.res = res
        with open(path) as f:
            self.y = y = yaml.safe_load(f)
        self.family = y['name']
        fam = self.family
        # C name -> dict(kind='int'|'str', value, enum=C enum name or None, what)
        self.symbols = {}
        self.consts = {}
        self.enums = {}
        for d in y.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d['value']
                if 'header' not in d:
                    pfx = d.get('name-prefix', fam + '-')
                    self.sym(c_upper(pfx + d['name']), d['value'], None,
                             'definitions: const %s' % d['name'])
            elif d['type'] in ('enum', 'flags'):
                self.add_enum(d)
            else:
                res.error('%s: definition %s: type %s is not supported by this checker'
                          % (rel(path), d['name'], d['type']))
        self.sym(c_upper(y.get('c-family-name', fam + '-family-name')), fam, None,
                 'c-family-name')
        self.sym(c_upper(y.get('c-version-name', fam + '-family-version')),
                 y.get('version', 1), None, 'c-version-name / version')

        self.sets = {}
        for s in y['attribute-sets']:
            self.add_set(s)
        self.ops = []
        self.add_ops(y['operations'])
        self.mcgrps = []
        for g in y.get('mcast-groups', {}).get('list', []):
            define = c_upper(g.get('c-define-name', '%s-mcgrp-%s' % (fam, g['name'])))
            self.mcgrps.append(dict(name=g['name'], define=define,
                                    flags=g.get('flags', [])))
            self.sym(define, g['name'], None, 'mcast-groups: %s' % g['name'])
        self.consistency()

    def sym(self, cname, value, enum, what):
        if cname in self.symbols:
            self.res.error('%s: %s and %s both are C name %s' %
                           (rel(self.path), self.symbols[cname]['what'], what, cname))
        kind = 'str' if isinstance(value, str) else 'int'
        self.symbols[cname] = dict(kind=kind, value=value, enum=enum, what=what)

    def enum_cname(self, obj, default):
        if 'enum-name' in obj:
            return 'enum ' + c_lower(obj['enum-name']) if obj['enum-name'] else 'enum'
        return 'enum ' + c_lower(default) if default else 'enum'

    def add_enum(self, d):
        fam = self.family
        pfx = d.get('name-prefix', '%s-%s-' % (fam, d['name']))
        cname = self.enum_cname(d, '%s-%s' % (fam, d['name']))
        entries, val = [], d.get('value-start', 0)
        if isinstance(val, str):
            val = self.const_value(val)
        for i, e in enumerate(d.get('entries', [])):
            if isinstance(e, str):
                e = dict(name=e)
            if 'value' in e:
                val = e['value']
            elif d['type'] == 'flags':
                val = 1 << (i + d.get('value-start', 0))
            entries.append(dict(name=e['name'], cname=c_upper(pfx + e['name']), value=val))
            val += 1
        info = dict(name=d['name'], prefix=pfx, cname=cname, entries=entries,
                    type=d['type'])
        self.enums[d['name']] = info
        if 'header' in d:
            return
        what = 'definitions: %s %s' % (d['type'], d['name'])
        for e in entries:
            self.sym(e['cname'], e['value'], cname, '%s entry %s' % (what, e['name']))
        if d.get('render-max') and entries:
            if d['type'] == 'flags':
                mask = 0
                for e in entries:
                    mask |= e['value']
                self.sym(c_upper(pfx + 'mask'), mask, None, what + ' mask')
            else:
                cnt = c_upper(d.get('enum-cnt-name', '__' + pfx + 'max'))
                top = max(e['value'] for e in entries)
                self.sym(cnt, top + 1, cname, what + ' (count)')
                self.sym(c_upper(pfx + 'max'), top, cname, what + ' (max)')

    def add_set(self, s):
        fam = self.family
        info = dict(name=s['name'], subset_of=s.get('subset-of'), attrs=[], indexed=None)
        self.sets[s['name']] = info
        if info['subset_of']:
            info['attrs'] = [dict(name=a['name']) for a in s['attributes']]
            return
        if 'name-prefix' in s:
            pfx = s['name-prefix']
        elif s['name'] == fam:
            pfx = fam + '-a-'
        else:
            pfx = '%s-a-%s-' % (fam, s['name'])
        info['prefix'] = pfx
        info['cname'] = self.enum_cname(s, None)
        info['max'] = c_upper(s.get('attr-max-name', pfx + 'max'))
        info['cnt'] = c_upper(s.get('attr-cnt-name', '__' + pfx + 'max'))
        val = 1
        for a in s['attributes']:
            if 'value' in a:
                val = a['value']
            attr = dict(a)
            attr['value'] = val
            attr['cname'] = c_upper(pfx + a['name'])
            attr['set'] = s['name']
            info['attrs'].append(attr)
            val += 1
        # A set that shares its name-prefix with an enum is indexed by it:
        # attribute N + 1 carries entry N, and it has no C enum of its own.
        for e in self.enums.values():
            if e['prefix'] == pfx:
                info['indexed'] = e['name']
        if info['indexed']:
            return
        what = 'attribute-set %s' % s['name']
        for a in info['attrs']:
            self.sym(a['cname'], a['value'], info['cname'], '%s: %s' % (what, a['name']))
        if info['attrs']:
            top = max(a['value'] for a in info['attrs'])
            self.sym(info['cnt'], top + 1, info['cname'], what + ' (count)')
            self.sym(info['max'], top, info['cname'], what + ' (max)')

    def add_ops(self, o):
        fam = self.family
        pfx = o.get('name-prefix', fam + '-cmd-')
        cname = self.enum_cname(o, None)
        if o.get('enum-model', 'unified') != 'unified' or 'async-prefix' in o:
            self.res.error('%s: only enum-model unified without async-prefix is supported'
                           % rel(self.path))
        val = 1
        for op in o['list']:
            if 'value' in op:
                val = op['value']
            d = dict(op)
            d['value'] = val
            d['cname'] = c_upper(pfx + op['name'])
            self.ops.append(d)
            self.sym(d['cname'], val, cname, 'operations: %s' % op['name'])
            val += 1
        if self.ops:
            top = max(op['value'] for op in self.ops)
            self.sym(c_upper(self.y.get('cmd-cnt-name', '__' + pfx + 'max')), top + 1,
                     cname, 'operations (count)')
            self.sym(c_upper(self.y.get('cmd-max-name', pfx + 'max')), top, cname,
                     'operations (max)')

    def const_value(self, v):
        """A check's limit: a number, u32-max and the like, or a const."""
        if isinstance(v, int):
            return v
        m = re.fullmatch(r'([su](?:8|16|32|64))-(min|max)', v)
        if m:
            return INT_TYPES[m.group(1)][0 if m.group(2) == 'min' else 1]
        m = re.fullmatch(r'(\S+) - 1', v)
        if m:
            return self.const_value(m.group(1)) - 1
        if v in self.consts and isinstance(self.consts[v], int):
            return self.consts[v]
        raise ValueError('unknown limit %r' % v)

    def attr(self, set_name, name):
        s = self.sets.get(set_name)
        if s and s['subset_of']:
            s = self.sets.get(s['subset_of'])
        for a in (s or {}).get('attrs', []):
            if a['name'] == name:
                return a
        return None

    def consistency(self):
        """References inside the spec resolve; what ynl-gen would refuse."""
        res, p = self.res, rel(self.path)
        for s in self.sets.values():
            if s['subset_of']:
                res.check(s['subset_of'] in self.sets and
                          not self.sets[s['subset_of']]['subset_of'],
                          '%s: set %s: subset-of %s is no full set' % (p, s['name'], s['subset_of']))
                for a in s['attrs']:
                    res.check(self.attr(s['subset_of'], a['name']) is not None,
                              '%s: set %s: %s is not in %s' % (p, s['name'], a['name'],
                                                               s['subset_of']))
                continue
            vals = [a['value'] for a in s['attrs']]
            res.check(len(vals) == len(set(vals)),
                      '%s: set %s: two attributes share a value' % (p, s['name']))
            for a in s['attrs']:
                where = '%s: %s.%s' % (p, s['name'], a['name'])
                if 'nested-attributes' in a:
                    res.check(a['nested-attributes'] in self.sets,
                              '%s: nested-attributes %s: no such set' % (where, a['nested-attributes']))
                if 'enum' in a:
                    res.check(a['enum'] in self.enums,
                              '%s: enum %s: no such enum' % (where, a['enum']))
                for k in ('min', 'max'):
                    if k in a.get('checks', {}):
                        try:
                            self.const_value(a['checks'][k])
                        except ValueError as e:
                            res.error('%s: %s' % (where, e))
            if s['indexed']:
                e = self.enums[s['indexed']]
                names = [a['name'] for a in s['attrs']]
                res.check(names == [x['name'] for x in e['entries']],
                          '%s: set %s shares its name-prefix with enum %s but its attributes '
                          'are not its entries in order: %s vs %s'
                          % (p, s['name'], e['name'], names, [x['name'] for x in e['entries']]))
                for a in s['attrs']:
                    ent = [x for x in e['entries'] if x['name'] == a['name']]
                    if ent:
                        res.check(a['value'] == ent[0]['value'] + 1,
                                  '%s: %s.%s is attribute %d, enum %s entry %s is %d: '
                                  'attribute N + 1 carries counter N'
                                  % (p, s['name'], a['name'], a['value'], e['name'],
                                     a['name'], ent[0]['value']))
        groups = [g['name'] for g in self.mcgrps]
        for op in self.ops:
            where = '%s: operation %s' % (p, op['name'])
            aset = op.get('attribute-set')
            if aset is not None:
                res.check(aset in self.sets, '%s: attribute-set %s: no such set' % (where, aset))
            lists = []
            for kind in ('do', 'dump'):
                for part in ('request', 'reply'):
                    lists.append(op.get(kind, {}).get(part, {}).get('attributes', []))
            lists.append(op.get('event', {}).get('attributes', []))
            for names in lists:
                for n in names:
                    res.check(aset is not None and self.attr(aset, n) is not None,
                              '%s: attribute %s is not in set %s' % (where, n, aset))
            if 'notify' in op:
                tgt = [o for o in self.ops if o['name'] == op['notify']]
                res.check(tgt and ('do' in tgt[0] or 'dump' in tgt[0]),
                          '%s: notify %s: no such command with a reply' % (where, op['notify']))
            if 'notify' in op or 'event' in op:
                res.check(op.get('mcgrp') in groups,
                          '%s: mcgrp %s: no such multicast group' % (where, op.get('mcgrp')))
                res.check('do' not in op and 'dump' not in op,
                          '%s: a notification has no do or dump' % where)


# ---------------------------------------------------------------- compiling

class Compiler:
    def __init__(self, res, tmp):
        self.res = res
        self.tmp = tmp
        self.cc = os.environ.get('CC', 'gcc')
        self.n = 0

    def run(self, prologue, items):
        """Values of C expressions: items is [(key, expr)]; None on failure."""
        self.n += 1
        src = os.path.join(self.tmp, 'probe%d.c' % self.n)
        exe = os.path.join(self.tmp, 'probe%d' % self.n)
        body = ['#include <stdio.h>', '#include <string.h>', prologue,
                'static void ps(int k, const char *v)',
                '{ printf("%d s ", k); for (; *v; v++) printf("%02x", (unsigned char)*v);'
                ' printf("\\n"); }',
                'static void pn(int k, long long v) { printf("%d i %lld\\n", k, v); }',
                'static void pu(int k, unsigned long long v) { printf("%d u %llu\\n", k, v); }',
                '#define P(k, x) _Generic((x), char *: ps, const char *: ps,'
                ' unsigned long: pu, unsigned long long: pu, default: pn)(k, (x))',
                'int main(void)', '{']
        for i, (_, expr) in enumerate(items):
            body.append('\tP(%d, (%s));' % (i, expr))
        body += ['\treturn 0;', '}', '']
        with open(src, 'w') as f:
            f.write('\n'.join(body))
        try:
            cc = subprocess.run([self.cc, '-std=gnu11', '-w', '-o', exe, src],
                                capture_output=True, text=True)
        except OSError as e:
            self.res.error('cannot run %s: %s' % (self.cc, e))
            return None
        if cc.returncode:
            return cc.stderr
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
        vals = {}
        for line in out.splitlines():
            k, kind, v = line.split(' ', 2) if line.count(' ') >= 2 else line.split(' ') + ['']
            key = items[int(k)][0]
            vals[key] = bytes.fromhex(v).decode('utf-8', 'replace') if kind == 's' else int(v)
        return vals

    def values(self, prologue, items, what):
        """Like run(), but one failing expression spoils only itself."""
        if not items:
            return {}
        got = self.run(prologue, items)
        if isinstance(got, dict):
            return got
        vals = {}
        for item in items:
            one = self.run(prologue, [item])
            if isinstance(one, dict):
                vals.update(one)
            else:
                err = [ln for ln in (one or '').splitlines() if 'error' in ln][:2]
                self.res.error('%s: cannot evaluate %s with %s: %s'
                               % (what, item[1], self.cc, ' / '.join(err) or 'compiler failed'))
        return vals


# ---------------------------------------------------------------- (a) header

def check_header(spec, hpath, cc, res):
    with open(hpath) as f:
        raw = f.read()
    text = strip_comments(raw)
    guard = re.search(r'^\s*#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+\1\b', text, re.M)
    guard = guard.group(1) if guard else None
    defines = {}
    for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+(\w+)(\()?', text, re.M):
        if m.group(1) != guard:
            defines[m.group(1)] = 'function-like macro' if m.group(2) else 'define'
    enumerators = {}
    for m in re.finditer(r'\benum\s+(\w+)?\s*\{(.*?)\}', text, re.S):
        ename = 'enum ' + m.group(1) if m.group(1) else 'enum'
        for item in split_top(m.group(2)):
            em = re.fullmatch(r'(\w+)\s*(=.*)?', item, re.S)
            if not em:
                res.error('%s:%d: %s: cannot parse enumerator %r'
                          % (rel(hpath), line_of(text, m.start()), ename, norm(item)))
                continue
            enumerators[em.group(1)] = ename
    for m in re.finditer(r'\b(struct|union)\s+(\w+)\s*\{', text):
        res.check(False, '%s: has %s %s, the spec has no such type'
                  % (rel(hpath), m.group(1), m.group(2)))

    present = set(defines) | set(enumerators)
    for name in sorted(present - set(spec.symbols)):
        kind = 'enumerator of ' + enumerators[name] if name in enumerators else defines[name]
        res.check(False, '%s: has %s (%s), the spec %s lacks it'
                  % (rel(hpath), name, kind, rel(spec.path)))
    for name, s in spec.symbols.items():
        if not res.check(name in present, 'spec %s: %s = %r (%s); %s lacks it'
                         % (rel(spec.path), name, s['value'], s['what'], rel(hpath))):
            continue
        if name in enumerators or s['enum']:
            res.check(enumerators.get(name) == s['enum'],
                      'spec %s: %s belongs to %s; %s has it %s'
                      % (rel(spec.path), name, s['enum'] or 'a #define', rel(hpath),
                         'in ' + enumerators[name] if name in enumerators else 'as a #define'))
        if name in defines and defines[name] != 'define':
            res.check(False, '%s: %s is a function-like macro; spec %s has a value (%s)'
                      % (rel(hpath), name, rel(spec.path), s['what']))

    items = [(n, n) for n in sorted(spec.symbols)
             if n in enumerators or defines.get(n) == 'define']
    vals = cc.values('#include "%s"' % os.path.abspath(hpath), items, rel(hpath))
    for name, _ in items:
        if name not in vals:
            continue
        s, got = spec.symbols[name], vals[name]
        res.check(type(got) is type(s['value']) and got == s['value'],
                  'spec %s: %s = %r (%s); %s: %s = %r'
                  % (rel(spec.path), name, s['value'], s['what'], rel(hpath), name, got),
                  '%s = %r' % (name, got))


# ---------------------------------------------------------------- (b) policies

KNOWN_PTYPES = set(NLA_TYPE.values()) | {'NLA_NUL_STRING', 'NLA_STRING', 'NLA_REJECT',
                                         'NLA_NESTED_ARRAY', 'NLA_MSECS'}


class Policy:
    """One normalized policy entry: what validation the kernel does."""

    def __init__(self, ptype=None):
        self.type = ptype
        self.min = self.max = None        # value range, C expressions then ints
        self.min_len = self.max_len = None
        self.nested = None
        self.reject = False

    def describe(self):
        if self.reject:
            return 'NLA_REJECT (read-only)'
        d = [self.type or 'NLA_UNSPEC']
        for k in ('min', 'max', 'min_len', 'max_len'):
            v = getattr(self, k)
            if v is not None:
                d.append('%s %s' % (k.replace('_', '-'), v))
        if self.nested:
            d.append('nested %s' % self.nested)
        return ', '.join(d)


class Kernel:
    """What module/netlink.c declares: parsed, loudly when it cannot be."""

    def __init__(self, path, res):
        self.path = path
        self.res = res
        with open(path) as f:
            self.text = strip_comments(f.read())
        self.macros = object_macros(self.text)
        self.ranges = {}
        self.policies = {}
        self.exprs = []            # (policy entry, field, C expression)
        self.parse_ranges()
        self.parse_policies()

    def where(self, pos):
        return '%s:%d' % (rel(self.path), line_of(self.text, pos))

    def parse_ranges(self):
        for m in re.finditer(r'struct\s+netlink_range_validation(_signed)?\s+(\w+)\s*=\s*\{(.*?)\}\s*;',
                             self.text, re.S):
            r = {}
            for item in split_top(m.group(3)):
                fm = re.fullmatch(r'\.(min|max)\s*=\s*(.+)', item, re.S)
                if not fm:
                    self.res.error('%s: range %s: cannot parse %r'
                                   % (self.where(m.start()), m.group(2), norm(item)))
                    continue
                r[fm.group(1)] = norm(fm.group(2))
            self.ranges[m.group(2)] = r

    def parse_policies(self):
        pat = r'(?:static\s+)?const\s+struct\s+nla_policy\s+(\w+)\s*\[([^\]]*)\]\s*=\s*\{(.*?)\n\}\s*;'
        for m in re.finditer(pat, self.text, re.S):
            name, size, body = m.group(1), norm(m.group(2)), m.group(3)
            entries = {}
            self.policies[name] = dict(size=size, entries=entries, pos=m.start())
            base = m.start(3)
            for item in split_top(body):
                pos = base + body.find(item)
                em = re.fullmatch(r'\[\s*(\w+)\s*\]\s*=\s*(.+)', item, re.S)
                if not em:
                    self.res.error('%s: %s: cannot parse initialiser %r'
                                   % (self.where(pos), name, norm(item)))
                    continue
                idx = em.group(1)
                if idx in entries:
                    self.res.error('%s: %s[%s] is given twice' % (self.where(pos), name, idx))
                # None: could not be parsed, reported already
                entries[idx] = self.parse_init(norm(em.group(2)), '%s[%s]' % (name, idx), pos)
        # a policy only declared here (defined elsewhere) cannot be checked
        for m in re.finditer(r'\bstruct\s+nla_policy\s+(\w+)\s*\[[^\]]*\]\s*;', self.text):
            if m.group(1) not in self.policies:
                self.res.error('%s: policy %s is defined elsewhere; this checker reads only %s'
                               % (self.where(m.start()), m.group(1), rel(self.path)))

    def parse_init(self, init, what, pos, depth=0):
        err = lambda why: self.res.error('%s: %s: cannot parse initialiser %r%s'
                                         % (self.where(pos), what, init, why))
        if re.fullmatch(r'\w+', init) and init in self.macros and depth < 8:
            return self.parse_init(norm(self.macros[init]), what, pos, depth + 1)
        p = Policy()
        m = re.fullmatch(r'\{(.*)\}', init, re.S)
        if m:
            for item in split_top(m.group(1)):
                fm = re.fullmatch(r'\.(\w+)\s*=\s*(.+)', item, re.S)
                if not fm:
                    return err(' (field %r)' % item)
                field, val = fm.group(1), norm(fm.group(2))
                if field == 'type':
                    p.type = val
                elif field == 'len':
                    p.max_len = val
                elif field == 'reject_message':
                    if not re.fullmatch(r'"([^"\\]|\\.)*"', val):
                        return err(' (reject_message)')
                elif field in ('nested_policy', 'policy'):
                    p.nested = val.lstrip('&')
                else:
                    return err(' (field .%s is not understood by this checker)' % field)
            if p.type not in KNOWN_PTYPES:
                return err(' (type %s)' % p.type)
            if p.type == 'NLA_REJECT':
                p.reject = True
            elif p.max_len is not None and p.type not in ('NLA_BINARY', 'NLA_NUL_STRING',
                                                         'NLA_STRING'):
                return err(' (.len with %s)' % p.type)
            self.note(p, what)
            return p
        m = re.fullmatch(r'(NLA_POLICY_\w+)\s*\((.*)\)', init, re.S)
        if not m:
            return err('')
        macro, args = m.group(1), split_top(m.group(2))
        if macro in ('NLA_POLICY_RANGE', 'NLA_POLICY_MIN', 'NLA_POLICY_MAX'):
            want = 3 if macro == 'NLA_POLICY_RANGE' else 2
            if len(args) != want or args[0] not in KNOWN_PTYPES:
                return err('')
            p.type = args[0]
            lims = args[1:]
            if macro == 'NLA_POLICY_RANGE':
                lo, hi = lims
            elif macro == 'NLA_POLICY_MIN':
                lo, hi = lims[0], None
            else:
                lo, hi = None, lims[0]
            if p.type == 'NLA_BINARY':
                p.min_len, p.max_len = lo, hi
            else:
                p.min, p.max = lo, hi
        elif macro in ('NLA_POLICY_FULL_RANGE', 'NLA_POLICY_FULL_RANGE_SIGNED'):
            if len(args) != 2 or args[0] not in KNOWN_PTYPES:
                return err('')
            rng = self.ranges.get(args[1].lstrip('&').strip())
            if rng is None:
                return err(' (no struct netlink_range_validation %s in this file)' % args[1])
            p.type = args[0]
            p.min, p.max = rng.get('min', '0'), rng.get('max', '0')
        elif macro == 'NLA_POLICY_NESTED':
            if len(args) != 1:
                return err('')
            p.type, p.nested = 'NLA_NESTED', args[0].lstrip('&')
        elif macro in ('NLA_POLICY_EXACT_LEN', 'NLA_POLICY_MIN_LEN', 'NLA_POLICY_MAX_LEN'):
            if len(args) != 1:
                return err('')
            p.type = 'NLA_BINARY'
            if macro != 'NLA_POLICY_MAX_LEN':
                p.min_len = args[0]
            if macro != 'NLA_POLICY_MIN_LEN':
                p.max_len = args[0]
        elif macro == 'NLA_POLICY_ETH_ADDR':
            p.type, p.min_len, p.max_len = 'NLA_BINARY', '6', '6'
        else:
            return err(' (%s is not understood by this checker)' % macro)
        self.note(p, what)
        return p

    def note(self, p, what):
        for k in ('min', 'max', 'min_len', 'max_len'):
            v = getattr(p, k)
            if v is not None:
                self.exprs.append((p, k, v))

    def evaluate(self, hpath, include_dirs, cc):
        """Turn the policies' C expressions into numbers, with gcc."""
        known = {}
        for d in include_dirs:
            for h in sorted(glob.glob(os.path.join(d, '*.h'))):
                with open(h) as f:
                    for k, v in object_macros(strip_comments(f.read())).items():
                        known.setdefault(k, v)
        for k, v in self.macros.items():
            known.setdefault(k, v)
        kernel = {
            'U8_MAX': '((unsigned char)~0U)', 'U16_MAX': '((unsigned short)~0U)',
            'U32_MAX': '((unsigned int)~0U)', 'U64_MAX': '(~0ULL)',
            'S8_MAX': '127', 'S8_MIN': '(-128)', 'S16_MAX': '32767', 'S16_MIN': '(-32768)',
            'S32_MAX': '2147483647', 'S32_MIN': '(-2147483647 - 1)',
            'S64_MAX': '9223372036854775807LL', 'S64_MIN': '(-9223372036854775807LL - 1)',
            'IFNAMSIZ': '16', 'ETH_ALEN': '6', 'BIT(n)': '(1UL << (n))',
        }
        with open(hpath) as f:
            uapi = set(object_macros(strip_comments(f.read())))
        extra, todo, seen = [], [e for _, _, e in self.exprs], set()
        while todo:
            for ident in re.findall(r'[A-Za-z_]\w*', todo.pop()):
                if ident in seen or ident in uapi:
                    continue
                seen.add(ident)
                if ident in known and re.fullmatch(r'[\w\s()+\-*/<>|&~^]*', known[ident]):
                    extra.append('#define %s %s' % (ident, known[ident]))
                    todo.append(known[ident])
        pro = ['#include "%s"' % os.path.abspath(hpath)]
        for k, v in kernel.items():
            pro.append('#ifndef %s\n#define %s %s\n#endif' % (k.split('(')[0], k, v))
        pro += extra
        exprs = sorted({e for _, _, e in self.exprs})
        vals = cc.values('\n'.join(pro), [(e, e) for e in exprs], rel(self.path))
        for p, k, e in self.exprs:
            setattr(p, k, vals.get(e, 'unevaluated ' + e))


def expected_policy(spec, a, writable, policy_of):
    """The policy entry the spec asks for, normalized like the kernel's."""
    if not writable:
        p = Policy('NLA_REJECT')
        p.reject = True
        return p
    t = a['type']
    checks = a.get('checks', {})
    if t == 'string':
        p = Policy('NLA_STRING' if checks.get('unterminated-ok') else 'NLA_NUL_STRING')
    elif t in NLA_TYPE:
        p = Policy(NLA_TYPE[t])
    else:
        raise ValueError('type %s is not supported by this checker' % t)
    if t in INT_TYPES:
        if 'min' in checks:
            p.min = spec.const_value(checks['min'])
        if 'max' in checks:
            p.max = spec.const_value(checks['max'])
        if 'enum' in a and not a.get('enum-as-flags') and a['enum'] in spec.enums:
            vals = [e['value'] for e in spec.enums[a['enum']]['entries']]
            if vals and 'min' not in checks and (min(vals) != 0 or t[0] == 's'):
                p.min = min(vals)
            if vals and 'max' not in checks:
                p.max = max(vals)
    if 'exact-len' in checks:
        p.min_len = p.max_len = spec.const_value(checks['exact-len'])
    if 'min-len' in checks:
        p.min_len = spec.const_value(checks['min-len'])
    if 'max-len' in checks:
        p.max_len = spec.const_value(checks['max-len'])
    if t == 'nest':
        p.nested = policy_of(a['nested-attributes'])
    return p


def normalize(p):
    """Limits that change nothing (min 0 of a u32, max U32_MAX) are none."""
    if p.type in NLA_INT:
        lo, hi = NLA_INT[p.type]
        if p.min == lo:
            p.min = None
        if p.max == hi:
            p.max = None
    if p.min_len == 0:
        p.min_len = None
    return p


def check_policies(spec, kernel, family, res):
    fam = spec.family
    top = spec.sets.get(fam)
    if top is None:
        res.error('spec %s: no attribute-set named %s (the family\'s own)'
                  % (rel(spec.path), fam))
        return
    top_policy = family.get('policy')
    kp = spec.y.get('kernel-policy', 'split')
    res.check(kp == 'global' and top_policy is not None,
              'spec %s: kernel-policy %s; %s: genl_family .policy = %s'
              % (rel(spec.path), kp, rel(kernel.path), top_policy))
    if top_policy is None:
        return

    def base(name):
        s = spec.sets[name]
        return s['subset_of'] or name

    def policy_of(set_name):
        b = base(set_name)
        return top_policy if b == fam else '%s_%s_policy' % (c_lower(fam), c_lower(b))

    # What requests may carry: in the family's set, what some request lists;
    # in a nested set with subsets, what some subset lists; otherwise all.
    requested = set()
    for op in spec.ops:
        for kind in ('do', 'dump'):
            requested.update(op.get(kind, {}).get('request', {}).get('attributes', []))
    subsets = {}
    for s in spec.sets.values():
        if s['subset_of']:
            subsets.setdefault(s['subset_of'], set()).update(a['name'] for a in s['attrs'])

    def writable(set_name, a):
        if a['type'] == 'unused':
            return False
        if set_name == fam:
            return a['name'] in requested
        if set_name in subsets:
            return a['name'] in subsets[set_name]
        return True

    # The sets that need a policy: the family's, and those nested in a
    # writable nest of a set that needs one.
    need, todo = [], [fam]
    while todo:
        name = todo.pop(0)
        if name in need:
            continue
        need.append(name)
        for a in spec.sets[name]['attrs']:
            if a.get('type') == 'nest' and writable(name, a) and a['nested-attributes'] in spec.sets:
                todo.append(base(a['nested-attributes']))

    for name in need:
        s = spec.sets[name]
        pname = policy_of(name)
        kpol = kernel.policies.get(pname)
        if not res.check(kpol is not None,
                         'spec %s: set %s needs policy %s; %s has none'
                         % (rel(spec.path), name, pname, rel(kernel.path))):
            continue
        res.check(kpol['size'] in ('%s + 1' % s['max'], s['cnt']),
                  'spec %s: set %s has %s as its max; %s: %s[%s]'
                  % (rel(spec.path), name, s['max'], rel(kernel.path), pname, kpol['size']))
        by_cname = {a['cname']: a for a in s['attrs']}
        for idx in kpol['entries']:
            res.check(idx in by_cname,
                      '%s: %s[%s]: spec %s set %s has no such attribute'
                      % (rel(kernel.path), pname, idx, rel(spec.path), name))
        for a in s['attrs']:
            label = '%s.%s (%s)' % (name, a['name'], a['cname'])
            if a['cname'] in kpol['entries'] and kpol['entries'][a['cname']] is None:
                continue        # its initialiser could not be parsed: an error already
            got = kpol['entries'].get(a['cname'])
            if a['type'] == 'unused':
                res.check(got is None, 'spec %s: %s is unused; %s: %s has an entry: %s'
                          % (rel(spec.path), label, rel(kernel.path), pname,
                             got.describe() if got else ''))
                continue
            w = writable(name, a)
            if not w and a.get('checks'):
                res.check(False, 'spec %s: %s is read-only but has checks'
                          % (rel(spec.path), label))
            try:
                want = normalize(expected_policy(spec, a, w, policy_of))
            except ValueError as e:
                res.error('spec %s: %s: %s' % (rel(spec.path), label, e))
                continue
            if not res.check(got is not None,
                             'spec %s: %s is %s; %s: %s has no entry for it'
                             % (rel(spec.path), label, want.describe(), rel(kernel.path), pname)):
                continue
            got = normalize(got)
            res.check(want.describe() == got.describe(),
                      'spec %s: %s is %s; %s: %s[%s] is %s'
                      % (rel(spec.path), label, want.describe(), rel(kernel.path), pname,
                         a['cname'], got.describe()),
                      '%s: %s' % (label, got.describe()))

    known = {policy_of(n) for n in need}
    for pname in kernel.policies:
        res.check(pname in known,
                  '%s: has policy %s; spec %s has no writable set it belongs to'
                  % (rel(kernel.path), pname, rel(spec.path)))


# ---------------------------------------------------------------- (c) ops

def parse_struct_fields(text, what, kernel, pos):
    fields = {}
    for item in split_top(text):
        fm = re.fullmatch(r'\.(\w+)\s*=\s*(.+)', item, re.S)
        if not fm:
            kernel.res.error('%s: %s: cannot parse %r' % (kernel.where(pos), what, norm(item)))
            continue
        fields[fm.group(1)] = norm(fm.group(2))
    return fields


def flag_set(expr):
    return set() if expr in (None, '0') else {f.strip() for f in expr.split('|')}


def check_family(spec, kernel, res):
    text = kernel.text
    m = re.search(r'struct\s+genl_family\s+(\w+)\s*=\s*\{(.*?)\n\}\s*;', text, re.S)
    if not m:
        res.error('%s: no struct genl_family initialiser' % rel(kernel.path))
        return {}
    fam = parse_struct_fields(m.group(2), 'genl_family ' + m.group(1), kernel, m.start())
    cfam = c_upper(spec.y.get('c-family-name', spec.family + '-family-name'))
    cver = c_upper(spec.y.get('c-version-name', spec.family + '-family-version'))
    res.check(fam.get('name') == cfam, 'spec %s: family name is %s; %s: .name = %s'
              % (rel(spec.path), cfam, rel(kernel.path), fam.get('name')))
    res.check(fam.get('version') == cver, 'spec %s: family version is %s; %s: .version = %s'
              % (rel(spec.path), cver, rel(kernel.path), fam.get('version')))
    top = spec.sets.get(spec.family)
    if top:
        res.check(fam.get('maxattr') == top['max'], 'spec %s: maxattr is %s; %s: .maxattr = %s'
                  % (rel(spec.path), top['max'], rel(kernel.path), fam.get('maxattr')))
    return fam


def check_ops(spec, kernel, fam, res):
    text = kernel.text
    arr = fam.get('small_ops') or fam.get('ops')
    if fam.get('split_ops') or not arr:
        res.error('%s: genl_family has no .small_ops or .ops this checker reads'
                  % rel(kernel.path))
        return
    m = re.search(r'struct\s+genl_(?:small_)?ops\s+%s\s*\[\s*\]\s*=\s*\{(.*?)\n\}\s*;'
                  % re.escape(arr), text, re.S)
    if not m:
        res.error('%s: no initialiser of the ops array %s' % (rel(kernel.path), arr))
        return
    table = {}
    base = m.start(1)
    for item in split_top(m.group(1)):
        pos = base + m.group(1).find(item)
        em = re.fullmatch(r'\{(.*)\}', item, re.S)
        if not em:
            res.error('%s: %s: cannot parse %r' % (kernel.where(pos), arr, norm(item)))
            continue
        f = parse_struct_fields(em.group(1), arr, kernel, pos)
        unknown = set(f) - {'cmd', 'doit', 'dumpit', 'flags', 'validate', 'start', 'done'}
        if unknown or 'cmd' not in f:
            res.error('%s: %s: entry %s: fields %s are not understood by this checker'
                      % (kernel.where(pos), arr, f.get('cmd'), sorted(unknown) or '(no .cmd)'))
            continue
        if f['cmd'] in table:
            res.error('%s: %s: %s is there twice' % (kernel.where(pos), arr, f['cmd']))
        table[f['cmd']] = f

    for op in spec.ops:
        cmd = op['cname']
        handled = 'do' in op or 'dump' in op
        if not handled:
            kind = 'notification' if ('notify' in op or 'event' in op) else 'unused command'
            res.check(cmd not in table, 'spec %s: %s is a %s, never a request; %s: %s has it'
                      % (rel(spec.path), op['name'], kind, rel(kernel.path), arr))
            continue
        f = table.get(cmd)
        if not res.check(f is not None, 'spec %s: operation %s (%s); %s: %s lacks it'
                         % (rel(spec.path), op['name'], cmd, rel(kernel.path), arr)):
            continue
        for kind, field in (('do', 'doit'), ('dump', 'dumpit')):
            res.check((kind in op) == (field in f),
                      'spec %s: %s %s %s; %s: %s %s .%s'
                      % (rel(spec.path), op['name'], 'has' if kind in op else 'has no', kind,
                         rel(kernel.path), cmd, 'has' if field in f else 'has no', field),
                      '%s: %s .%s' % (cmd, 'has' if field in f else 'no', field))
        want = {OP_FLAGS.get(x, '?' + x) for x in op.get('flags', [])}
        got = flag_set(f.get('flags'))
        res.check(want == got, 'spec %s: %s flags %s; %s: %s .flags = %s'
                  % (rel(spec.path), op['name'], sorted(op.get('flags', [])) or 'none',
                     rel(kernel.path), cmd, f.get('flags', 'none')),
                  '%s: .flags = %s' % (cmd, f.get('flags', 'none')))
        want = {VALIDATE[x] for x in op.get('dont-validate', [])}
        got = flag_set(f.get('validate'))
        res.check(want == got, 'spec %s: %s dont-validate %s; %s: %s .validate = %s'
                  % (rel(spec.path), op['name'], sorted(op.get('dont-validate', [])) or 'none',
                     rel(kernel.path), cmd, f.get('validate', 'none')))
    spec_cmds = {op['cname'] for op in spec.ops}
    for cmd in table:
        res.check(cmd in spec_cmds, '%s: %s has %s; spec %s has no such operation'
                  % (rel(kernel.path), arr, cmd, rel(spec.path)))


def check_mcgrps(spec, kernel, fam, res):
    arr = fam.get('mcgrps')
    groups = []
    if arr:
        m = re.search(r'struct\s+genl_multicast_group\s+%s\s*\[\s*\]\s*=\s*\{(.*?)\n\}\s*;'
                      % re.escape(arr), kernel.text, re.S)
        if not m:
            res.error('%s: no initialiser of the multicast groups %s' % (rel(kernel.path), arr))
            return
        # #ifdef'd flags count as given: the spec says what the kernel asks
        # for where it can.
        body = re.sub(r'^[ \t]*#.*$', '', m.group(1), flags=re.M)
        for item in split_top(body):
            em = re.fullmatch(r'(?:\[\s*\w+\s*\]\s*=\s*)?\{(.*)\}', item, re.S)
            if not em:
                res.error('%s: %s: cannot parse %r' % (kernel.where(m.start()), arr, norm(item)))
                continue
            f = parse_struct_fields(em.group(1), arr, kernel, m.start())
            if set(f) - {'name', 'flags'}:
                res.error('%s: %s: fields %s are not understood by this checker'
                          % (kernel.where(m.start()), arr, sorted(set(f) - {'name', 'flags'})))
            groups.append(f)
    by_name = {}
    for g in groups:
        n = g.get('name', '')
        lit = re.fullmatch(r'"(.*)"', n)
        key = lit.group(1) if lit else n
        by_name[key] = g
    res.check(len(groups) == len(spec.mcgrps),
              'spec %s: %d multicast groups; %s: %s has %d'
              % (rel(spec.path), len(spec.mcgrps), rel(kernel.path), arr, len(groups)))
    for sg in spec.mcgrps:
        g = by_name.get(sg['define']) or by_name.get(sg['name'])
        if not res.check(g is not None, 'spec %s: multicast group %s (.name = %s); %s: %s lacks it'
                         % (rel(spec.path), sg['name'], sg['define'], rel(kernel.path), arr)):
            continue
        want = {MCGRP_FLAGS.get(x, '?' + x) for x in sg['flags']}
        got = flag_set(g.get('flags'))
        res.check(want == got, 'spec %s: group %s flags %s; %s: .flags = %s'
                  % (rel(spec.path), sg['name'], sg['flags'] or 'none', rel(kernel.path),
                     g.get('flags', 'none')),
                  'multicast group %s: .flags = %s' % (g.get('name'), g.get('flags', 'none')))
    names = {sg['define'] for sg in spec.mcgrps} | {sg['name'] for sg in spec.mcgrps}
    for key in by_name:
        res.check(key in names, '%s: %s has group %s; spec %s lacks it'
                  % (rel(kernel.path), arr, key, rel(spec.path)))


# ---------------------------------------------------------------- main

def validate_schema(spec_path, schemas, res):
    try:
        import jsonschema
    except ImportError:
        res.error('--schema needs python3-jsonschema')
        return
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    for s in schemas:
        with open(s) as f:
            schema = yaml.safe_load(f)
        errs = list(jsonschema.Draft7Validator(schema).iter_errors(spec))
        res.check(not errs, 'spec %s does not validate against %s: %s'
                  % (rel(spec_path), rel(s), '; '.join('%s: %s' % (list(e.path), e.message)
                                                        for e in errs[:5])),
                  'spec validates against %s' % rel(s))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--spec', default=os.path.join(REPO, 'Documentation/netlink/specs/espvti.yaml'))
    ap.add_argument('--header', default=os.path.join(REPO, 'uapi/linux/espvti.h'))
    ap.add_argument('--netlink', default=os.path.join(REPO, 'module/netlink.c'))
    ap.add_argument('--include', action='append', metavar='DIR',
                    help='where the kernel-side headers the policies use are '
                         '(default: the directory of --netlink)')
    ap.add_argument('--schema', action='append', default=[], metavar='YAML',
                    help='also validate the spec against this schema, e.g. '
                         'a kernel tree\'s Documentation/netlink/genetlink-legacy.yaml')
    ap.add_argument('-v', '--verbose', action='store_true', help='print what agrees too')
    args = ap.parse_args()

    res = Result(args.verbose)
    tmp = tempfile.mkdtemp(prefix='spec-check.')
    try:
        cc = Compiler(res, tmp)
        if args.schema:
            validate_schema(args.spec, args.schema, res)
        spec = Spec(args.spec, res)
        check_header(spec, args.header, cc, res)
        kernel = Kernel(args.netlink, res)
        kernel.evaluate(args.header, args.include or [os.path.dirname(args.netlink)], cc)
        fam = check_family(spec, kernel, res)
        check_policies(spec, kernel, fam, res)
        check_ops(spec, kernel, fam, res)
        check_mcgrps(spec, kernel, fam, res)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('spec-check: %d checks, %d mismatches' % (res.checks, res.mismatches))
    return 1 if res.mismatches else 0


if __name__ == '__main__':
    sys.exit(main())
