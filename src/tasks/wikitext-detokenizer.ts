// lm-evaluation-harness's wikitext_detokenizer (tasks/wikitext/preprocess_wikitext.py): undoes
// WikiText's tokenisation (" @-@ ", spaced punctuation and brackets) before a document is scored.

const rules: [RegExp | string, string][] = [
  ["s '", "s'"],
  [/\/' [0-9]\//g, "/'[0-9]/"],
  [' @-@ ', '-'],
  [' @,@ ', ','],
  [' @.@ ', '.'],
  [' : ', ': '],
  [' ; ', '; '],
  [' . ', '. '],
  [' ! ', '! '],
  [' ? ', '? '],
  [' , ', ', '],
  [/\(\s*([^)]*?)\s*\)/g, '($1)'],
  [/\[\s*([^\]]*?)\s*\]/g, '[$1]'],
  [/{\s*([^}]*?)\s*}/g, '{$1}'],
  [/"\s*([^"]*?)\s*"/g, '"$1"'],
  [/'\s*([^']*?)\s*'/g, "'$1'"],
  ['= = = =', '===='],
  ['= = =', '==='],
  ['= =', '=='],
  [' \u00b0 ', '\u00b0'],
  [' \n', '\n'],
  ['\n ', '\n'],
  [' N ', ' 1 '],
  [" 's", "'s"],
];

export function wikitextDetokenize(text: string): string {
  // Python's str.replace replaces every occurrence, left to right, without rescanning
  return rules.reduce((s, [from, to]) => (typeof from === 'string' ? s.split(from).join(to) : s.replace(from, to)), text);
}
