import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { segmentText } from '../../src/core/segmentText';
import { collectReadableText } from '../../src/dom/collectReadableText';
import type { ReadableText } from '../../src/dom/ReadableText';
import { MARKDOWN_ARTICLE, MARKDOWN_ARTICLE_LINES, MARKDOWN_ARTICLE_TEXT, mountRegion, removeMountedRegions } from './regionFixtures';

const mount = (html: string) => mountRegion(html);

afterEach(() => {
  removeMountedRegions();
});

beforeAll(() => {
  // Hidden by a style sheet of the page, not by anything on the element itself.
  const style = document.createElement('style');
  style.textContent = '.page-hides-this { display: none; } .page-keeps-lines { white-space: pre-line; }';
  document.head.appendChild(style);
});

/** The text the ranges of `[start, end)` show, soft hyphens removed (they are in the ranges, not the spoken text). */
function shown(readable: ReadableText, start: number, end: number): string {
  return readable
    .rangesFor(start, end)
    .map((range) => range.toString())
    .join('')
    .replaceAll('\u00ad', '');
}

/** Every spoken character comes from a DOM character that shows it (spaces from whitespace, breaks from a newline or from nothing). */
function expectEveryCharacterMapped(readable: ReadableText) {
  for (let i = 0; i < readable.text.length; i++) {
    const char = readable.text[i]!;
    const position = readable.positionAt(i);
    if (position === null) {
      // Line breaks between blocks, and the spaces that separate an image's alt text from its neighbours.
      expect(char, `character ${i} has no DOM source`).toMatch(/^[\n ]$/);
      continue;
    }
    if (position.node.nodeType !== Node.TEXT_NODE) continue; // an image read by its alt text
    const source = (position.node as Text).data[position.offset]!;
    if (char === ' ') expect(source, `space ${i}`).toMatch(/[\s\u00a0]/);
    else if (char === '\n') expect(source, `break ${i}`).toMatch(/[\n\r]/);
    else expect(source, `character ${i} of ${JSON.stringify(readable.text)}`).toBe(char);
  }
}

/** The words' ranges show exactly the words' characters. */
function expectWordRangesExact(readable: ReadableText) {
  const { words } = segmentText(readable.text, { locale: readable.lang || undefined });
  expect(words.length).toBeGreaterThan(0);
  for (const word of words) {
    expect(shown(readable, word.start, word.end), `word ${JSON.stringify(readable.text.slice(word.start, word.end))}`).toBe(readable.text.slice(word.start, word.end));
  }
  return words;
}

describe('collectReadableText', () => {
  it('reads Markdown-rendered HTML as a reader sees it, one line per block, code blocks and images left out', () => {
    const root = mount(MARKDOWN_ARTICLE);
    const readable = collectReadableText(root);
    expect(readable.text).toBe(MARKDOWN_ARTICLE_TEXT);
    expectEveryCharacterMapped(readable);
    expectWordRangesExact(readable);
  });

  it('ends a sentence at every heading, list item and table cell even without punctuation', () => {
    const root = mount(MARKDOWN_ARTICLE);
    const readable = collectReadableText(root);
    const sentences = segmentText(readable.text, { locale: 'en' }).sentences.map((s) => readable.text.slice(s.start, s.end));
    // The lines, with the paragraph of two sentences split in two.
    const expected = [...MARKDOWN_ARTICLE_LINES];
    expected.splice(1, 1, 'This article has a link, emphasis and strong text.', 'Call speak() to start.');
    expect(sentences).toEqual(expected);
  });

  it('reads code blocks line by line and image alt text when asked, and skips inline code when asked', () => {
    const root = mount(MARKDOWN_ARTICLE);
    const readable = collectReadableText(root, { codeBlocks: 'read', imageAlt: true, inlineCode: 'skip' });
    const lines = readable.text.split('\n');
    expect(lines[1]).toBe('This article has a link, emphasis and strong text. Call to start.');
    expect(lines.slice(5, 7)).toEqual(['const answer = 42;', 'console.log(answer);']);
    expect(lines).toContain('A cat on a mat Pictures say more.');
    expectEveryCharacterMapped(readable);
    // The alt text's ranges are the image itself.
    const at = readable.text.indexOf('cat');
    const [imageRange] = readable.rangesFor(at, at + 3);
    expect(imageRange!.startContainer.childNodes[imageRange!.startOffset]).toBe(root.querySelector('img'));
    expect(imageRange!.endOffset - imageRange!.startOffset).toBe(1);
    // The newlines of the code block are its own characters, mapped back to them.
    const codeBreak = readable.text.indexOf('\nconsole');
    const position = readable.positionAt(codeBreak)!;
    expect((position.node as Text).data[position.offset]).toBe('\n');
  });

  it('reads role="img" elements by their aria-label when asked, never their content', () => {
    const root = mount(`<p>Weather <span role="img" aria-label="sunny">☀️</span> today<svg role="img" aria-label="Chart of sales" width="20" height="10"><text y="10">42</text></svg>.</p>
<p><img src="" alt="decorative" role="presentation">Plain <img src="" alt="hidden image" style="visibility:hidden"></p>`);
    expect(collectReadableText(root).text).toBe('Weather today.\nPlain');
    const readable = collectReadableText(root, { imageAlt: true });
    expect(readable.text).toBe('Weather sunny today Chart of sales.\nPlain');
    const at = readable.text.indexOf('sunny');
    const [range] = readable.rangesFor(at, at + 5);
    expect(range!.startContainer.childNodes[range!.startOffset]).toBe(root.querySelector('[aria-label="sunny"]'));
  });

  it('keeps a word split by inline elements whole, with one range per piece', () => {
    const root = mount('<p><b>Hel</b>lo <i>wo</i><span>r</span>ld, <a href="#x"><em>re</em></a>ad me</p>');
    const readable = collectReadableText(root);
    expect(readable.text).toBe('Hello world, read me');
    const words = expectWordRangesExact(readable);
    expect(words.map((w) => readable.text.slice(w.start, w.end))).toEqual(['Hello', 'world', 'read', 'me']);
    expect(readable.rangesFor(words[0]!.start, words[0]!.end).map((r) => r.toString())).toEqual(['Hel', 'lo']);
    expect(readable.rangesFor(words[1]!.start, words[1]!.end).map((r) => r.toString())).toEqual(['wo', 'r', 'ld']);
  });

  it('leaves out hidden, aria-hidden, display:none from a style sheet, visibility:hidden, skipped, scripts, styles and closed details', () => {
    const root = mount(`<p>Visible <span hidden>attribute-hidden</span><span aria-hidden="true">★ decoration</span>text<span class="page-hides-this"> sheet-hidden</span><span style="visibility:hidden"> invisible</span>.</p>
<div aria-hidden="true"><p>A hidden block</p></div>
<aside data-read-aloud="skip"><p>An advertisement</p></aside>
<p class="note">Note <span data-read-aloud="skip">(skip me)</span>kept.</p>
<script>var notRead = 1;</script><style>.x { color: red }</style><template><p>templated</p></template><noscript>no script</noscript>
<details><summary>More details</summary><p>Folded away</p></details>
<details open><summary>Open details</summary><p>Shown inside</p></details>
<div style="visibility:hidden"><span style="visibility:visible">Visible child</span> of a hidden parent</div>
<p><button type="button">Copy</button> After the button</p>
<p>Ruby <ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp>字<rt>ji</rt></ruby> annotation</p>`);
    const readable = collectReadableText(root);
    expect(readable.text).toBe(
      ['Visible text.', 'Note kept.', 'More details', 'Open details', 'Shown inside', 'Visible child', 'After the button', 'Ruby 漢字 annotation'].join('\n'),
    );
    expectEveryCharacterMapped(readable);
    expectWordRangesExact(readable);
  });

  it('leaves out what the skip option selects', () => {
    const root = mount('<nav>Home About</nav><p>Body <span class="ad">Buy now</span>text</p>');
    expect(collectReadableText(root, { skip: 'nav, .ad' }).text).toBe('Body text');
    expect(collectReadableText(root).text).toBe('Home About\nBody Buy nowtext');
  });

  it('collapses whitespace as CSS does, across inline elements, and keeps preformatted line ends', () => {
    const root = mount(`<p>
      Lots   of
\t spaces <b> and </b>  tabs
    </p><p class="page-keeps-lines">line one
   line two</p><div style="white-space: pre">  kept   as   lines  
next</div>`);
    const readable = collectReadableText(root);
    expect(readable.text).toBe('Lots of spaces and tabs\nline one\nline two\nkept as lines\nnext');
    expectEveryCharacterMapped(readable);
    expectWordRangesExact(readable);
    // "of" is exactly its two letters, however much whitespace surrounds it in the source.
    const at = readable.text.indexOf('of');
    const [range] = readable.rangesFor(at, at + 2);
    expect(range!.toString()).toBe('of');
  });

  it('removes soft hyphens from the spoken text but keeps them inside the word range; entities are characters', () => {
    const root = mount('<p>Hyphen&shy;ation of extra&shy;ordinary&nbsp;words &mdash; &quot;quoted&quot; &#x41;&#66;C.</p>');
    const readable = collectReadableText(root);
    expect(readable.text).toBe('Hyphenation of extraordinary words — "quoted" ABC.');
    expectEveryCharacterMapped(readable);
    expectWordRangesExact(readable);
    const [range] = readable.rangesFor(0, 'Hyphenation'.length);
    expect(range!.toString()).toBe('Hyphen\u00adation');
  });

  it('reads CJK text without spaces and drops a source line break between ideographs', () => {
    const root = mount(`<h2>静夜思</h2>
<p>床前明月光，
    疑是地上霜。<b>举头</b>望明月，低头思故乡。</p>
<p lang="ja">吾輩は<ruby>猫<rt>ねこ</rt></ruby>である。名前はまだ無い。</p>`);
    root.setAttribute('lang', 'zh');
    const readable = collectReadableText(root);
    expect(readable.lang).toBe('zh');
    expect(readable.text).toBe('静夜思\n床前明月光，疑是地上霜。举头望明月，低头思故乡。\n吾輩は猫である。名前はまだ無い。');
    expectEveryCharacterMapped(readable);
    const words = expectWordRangesExact(readable);
    // Dictionary word breaks: every ideograph and kana is in exactly one word, and the words do not cross punctuation.
    const covered = new Set<number>();
    for (const word of words) for (let i = word.start; i < word.end; i++) covered.add(i);
    for (let i = 0; i < readable.text.length; i++) {
      if (/[\p{Script=Han}\p{Script=Hiragana}]/u.test(readable.text[i]!)) expect(covered.has(i), `character ${readable.text[i]}`).toBe(true);
      if (/[，。\n]/.test(readable.text[i]!)) expect(covered.has(i)).toBe(false);
    }
    const sentences = segmentText(readable.text, { locale: 'zh' }).sentences.map((s) => readable.text.slice(s.start, s.end));
    expect(sentences).toEqual(['静夜思', '床前明月光，疑是地上霜。', '举头望明月，低头思故乡。', '吾輩は猫である。', '名前はまだ無い。']);
  });

  it('does not change the DOM at all', () => {
    const root = mount(MARKDOWN_ARTICLE);
    const before = document.body.outerHTML;
    const readable = collectReadableText(root, { imageAlt: true, codeBlocks: 'read' });
    readable.rangesFor(0, readable.length);
    readable.offsetAt(root.querySelector('td')!.firstChild!, 0);
    expect(document.body.outerHTML).toBe(before);
  });

  it('rejects bad options with a clear error', () => {
    const root = mount('<p>text</p>');
    expect(() => collectReadableText(root, { skip: 'p[' })).toThrow(/skip must be a CSS selector; received "p\["/);
    expect(() => collectReadableText(root, { codeBlocks: 'speak' as 'read' })).toThrow(/codeBlocks must be 'skip' or 'read'; received "speak"/);
    expect(() => collectReadableText(null as unknown as Element)).toThrow(/needs an Element/);
  });

  it('gives an empty text for a region with nothing to read', () => {
    const root = mount('<p hidden>x</p>  <img src="" alt="">  ');
    const readable = collectReadableText(root, { imageAlt: true });
    expect(readable.text).toBe('');
    expect(readable.rangesFor(0, 10)).toEqual([]);
    expect(readable.rangeFor(0, 10)).toBeNull();
    expect(readable.offsetAt(root, 0)).toBe(0);
  });
});
