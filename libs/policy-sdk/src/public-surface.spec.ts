import { resolve } from 'node:path';
import ts from 'typescript';

/*
 * Plug-in authors read the SDK through their editor: every export of the public index, and
 * every public member of it, carries TSDoc, and every exported function, class and object of
 * functions carries an example. Constants (UPPER_CASE) need a description only.
 */

const INDEX = resolve(__dirname, 'index.ts');
const SDK_DIR = resolve(__dirname);

function surface() {
  const program = ts.createProgram([INDEX], { strict: true, experimentalDecorators: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(INDEX);
  if (!index) throw new Error(`cannot read ${INDEX}`);
  const moduleSymbol = checker.getSymbolAtLocation(index);
  if (!moduleSymbol) throw new Error(`${INDEX} is not a module`);
  const exports = checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return { name: exported.name, symbol, declaration: symbol.declarations?.[0] };
  });
  return { checker, exports: exports.filter((e) => e.declaration?.getSourceFile().fileName.startsWith(SDK_DIR)) };
}

function documented(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim().length > 0;
}

function isInternal(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  const declaration = symbol.declarations?.[0];
  if (declaration && ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  return symbol.getJsDocTags(checker).some((tag) => tag.name === 'internal');
}

function publicMembers(symbol: ts.Symbol, declaration: ts.Declaration, checker: ts.TypeChecker): ts.Symbol[] {
  if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) {
    return [...(symbol.members?.values() ?? [])].filter((m) => !(m.flags & ts.SymbolFlags.TypeParameter) && m.name !== '__constructor');
  }
  if (symbol.flags & ts.SymbolFlags.Variable) return checker.getTypeOfSymbolAtLocation(symbol, declaration).getProperties();
  return [];
}

describe('the public surface of @kanshi/policy-sdk', () => {
  const { checker, exports } = surface();

  it('exports something (the check reads the index)', () => {
    expect(exports.map((e) => e.name)).toEqual(expect.arrayContaining(['defineRule', 'Windows', 'createTestSectorEnvironment', 'SectorModule']));
  });

  it('documents every export and every public member', () => {
    const undocumented: string[] = [];
    for (const { name, symbol, declaration } of exports) {
      if (!declaration) continue;
      if (!documented(symbol, checker)) undocumented.push(name);
      for (const member of publicMembers(symbol, declaration, checker)) {
        const inSdk = member.declarations?.[0]?.getSourceFile().fileName.startsWith(SDK_DIR);
        if (inSdk && !isInternal(member, checker) && !documented(member, checker)) undocumented.push(`${name}.${member.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('gives an example for every exported function, class and object of functions', () => {
    const withoutExample = exports
      .filter(({ name, symbol }) => symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable | ts.SymbolFlags.Class) && !/^[A-Z0-9_]+$/.test(name))
      .filter(({ symbol }) => !symbol.getJsDocTags(checker).some((tag) => tag.name === 'example'))
      .map(({ name }) => name);
    expect(withoutExample).toEqual([]);
  });
});
