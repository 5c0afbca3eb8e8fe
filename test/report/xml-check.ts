// A small XML well-formedness parser for the SVG tests (no dependency): elements, attributes (quoted,
// unique), character data with the five predefined entities and numeric references, comments, an
// optional declaration. Throws on anything malformed; returns the element tree.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;

function decode(raw: string, where: string): string {
  for (let i = raw.indexOf('&'); i >= 0; i = raw.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(raw)) throw new Error(`bad entity reference in ${where}: ${raw.slice(i, i + 10)}`);
  }
  if (raw.includes('<')) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  skipSpace();
  if (src.startsWith('<?xml', i)) {
    const end = src.indexOf('?>', i);
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (src.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(src.slice(i));
      if (!m) fail('bad closing tag');
      const name = (m as RegExpExecArray)[0];
      i += name.length;
      skipSpace();
      if (src[i] !== '>') fail('expected ">"');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`closing </${name}> does not match <${open?.name}>`);
    } else if (src[i] === '<') {
      i++;
      const m = NAME.exec(src.slice(i));
      if (!m) fail('bad tag name');
      const el: XmlElement = { name: (m as RegExpExecArray)[0], attrs: {}, children: [], text: '' };
      i += el.name.length;
      for (;;) {
        const before = i;
        skipSpace();
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (i === before) fail('expected whitespace before attribute');
        const a = NAME.exec(src.slice(i));
        if (!a) fail('bad attribute name');
        const attr = (a as RegExpExecArray)[0];
        i += attr.length;
        skipSpace();
        if (src[i] !== '=') fail(`attribute ${attr} without "="`);
        i++;
        skipSpace();
        const q = src[i];
        if (q !== '"' && q !== "'") fail(`attribute ${attr} not quoted`);
        const end = src.indexOf(q, i + 1);
        if (end < 0) fail('unterminated attribute value');
        if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
        el.attrs[attr] = decode(src.slice(i + 1, end), `attribute ${attr}`);
        i = end + 1;
      }
      if (stack.length === 0) {
        if (root) fail('more than one root element');
        root = el;
      } else stack[stack.length - 1].children.push(el);
      if (src.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    } else {
      const end = src.indexOf('<', i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      if (stack.length === 0) {
        if (raw.trim() !== '') fail('text outside the root element');
      } else stack[stack.length - 1].text += decode(raw, `<${stack[stack.length - 1].name}> text`);
      i = end < 0 ? src.length : end;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element of the tree, depth first. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(allElements)];
}
