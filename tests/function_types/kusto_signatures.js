// Every signature of every built-in scalar function and aggregate that Kusto.Language (the package the
// kusto-oracle wrapper installs) declares, as one JSON line per function:
//   {"kind": "function"|"aggregate", "name", "hidden" (a deprecated alias), "signatures": [{"hidden", "params": [
//     {"name", "type": ParameterTypeKind name, "declared": [type names], "arg": ArgumentKind name,
//      "min": MinOccurring, "max": MaxOccurring, "values": [literal values it takes] }]}]}
// Run as `NODE_PATH=$KUSTO_ORACLE_HOME/node_modules node kusto_signatures.js` (tests/test_function_types.py).
const path = require('path');
const pkg = path.dirname(require.resolve('@kusto/language-service-next/package.json',
  {paths: (process.env.NODE_PATH || '').split(':').concat([__dirname])}));
global.Bridge = require(path.join(pkg, 'bridge.js'));
require(path.join(pkg, 'Kusto.Language.Bridge.js'));
const K = Kusto.Language, S = K.Symbols;
const name = (e, v) => e.$names[v] !== undefined && e[e.$names[v]] === v ? e.$names[v]
  : Object.keys(e).find(k => e[k] === v && e.$names.includes(k));
const list = l => { const out = []; if (l) for (let i = 0; i < l.Count; i++) out.push(l.getItem(i)); return out; };

for (const [kind, holder] of [['function', K.Functions], ['aggregate', K.Aggregates]]) {
  const seen = new Set();
  for (const f of Object.values(holder)) {
    if (!f || typeof f !== 'object' || !f.Name || f.Kind === undefined || seen.has(f.Name)) continue;
    seen.add(f.Name);
    const signatures = list(f.Signatures).map(s => ({
      hidden: !!s.IsHidden,
      params: list(s.Parameters).map(p => ({
        name: p.Name,
        type: name(S.ParameterTypeKind, p.TypeKind),
        declared: list(p.DeclaredTypes).map(t => t.Name),
        arg: name(S.ArgumentKind, p.ArgumentKind),
        min: p.MinOccurring, max: p.MaxOccurring,
        values: list(p.Values).map(v => (v === null || v === undefined) ? null : v.toString()),
      })),
    }));
    console.log(JSON.stringify({kind, name: f.Name, hidden: !!f.IsHidden, signatures}));
  }
}
