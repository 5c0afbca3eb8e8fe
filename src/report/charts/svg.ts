// Minimal SVG writer for charts that render as images on GitHub: plain elements, no scripts, no
// external fonts or CSS, numbers rounded to 2 decimals so the text is deterministic.

export type Attrs = Record<string, string | number | undefined>;

export const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 2-decimal coordinates without trailing zeros; -0 prints as 0. */
export const coord = (v: number): string => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
};

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? coord(v) : escapeXml(v as string)}"`)
    .join('');
}

/** An element; children are already-rendered markup (use text() for character data). */
export function el(tag: string, a: Attrs, children: string | readonly string[] = []): string {
  const inner = typeof children === 'string' ? children : children.join('\n');
  return inner === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${inner.includes('<') ? `\n${inner}\n` : inner}</${tag}>`;
}

export const text = (content: string): string => escapeXml(content);

export function svgDocument(width: number, height: number, title: string, body: readonly string[]): string {
  return `${el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': 'sans-serif', 'font-size': 12, role: 'img' },
    [el('title', {}, text(title)), el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }), ...body],
  )}\n`;
}

export const polylinePoints = (pts: readonly { x: number; y: number }[]): string => pts.map((p) => `${coord(p.x)},${coord(p.y)}`).join(' ');
