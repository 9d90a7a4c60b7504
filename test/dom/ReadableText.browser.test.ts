import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { segmentText, spanIndexAt } from '../../src/core/segmentText';
import { collectReadableText } from '../../src/dom/collectReadableText';
import { MARKDOWN_ARTICLE, mountRegion, removeMountedRegions } from './regionFixtures';

const mount = (html: string) => mountRegion(html, { style: 'font: 20px/1.6 sans-serif; width: 380px; padding: 8px;' });

afterEach(() => {
  removeMountedRegions();
  document.getSelection()?.removeAllRanges();
});

function textNodeContaining(root: Element, text: string): Text {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) if ((node as Text).data.includes(text)) return node as Text;
  throw new Error(`no text node contains ${text}`);
}

describe('ReadableText hit testing', () => {
  it('maps the point at the middle of every word to that word', () => {
    const root = mount(MARKDOWN_ARTICLE);
    const readable = collectReadableText(root);
    const { words } = segmentText(readable.text, { locale: 'en' });
    let checked = 0;
    for (const word of words) {
      for (const range of readable.rangesFor(word.start, word.end)) {
        const rect = range.getBoundingClientRect();
        if (rect.width === 0 || rect.bottom < 0 || rect.top > window.innerHeight) continue;
        const offset = readable.offsetAtPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
        expect(offset, `the middle of ${range.toString()}`).not.toBeNull();
        expect(readable.text.slice(word.start, word.end), `the middle of ${range.toString()}`).toBe(readable.text.slice(words[spanIndexAt(words, offset!)]!.start, words[spanIndexAt(words, offset!)]!.end));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('finds the word under a real click, in a word split by inline elements too', async () => {
    const root = mount('<p>Click <b>any</b> <i>wo</i>rd to <a href="#here">read</a> from there.</p>');
    const readable = collectReadableText(root);
    const { words } = segmentText(readable.text);
    const clicked: string[] = [];
    root.addEventListener('click', (event) => {
      event.preventDefault();
      const offset = readable.offsetAtPoint(event.clientX, event.clientY);
      const word = offset === null ? undefined : words[spanIndexAt(words, offset)];
      clicked.push(word ? readable.text.slice(word.start, word.end) : '(none)');
    });
    // Click 3 px into the "rd" of "word" (its second piece) and into the link text.
    const rd = textNodeContaining(root, 'rd to');
    const range = document.createRange();
    range.setStart(rd, 0);
    range.setEnd(rd, 2);
    const rdRect = range.getBoundingClientRect();
    const pRect = root.querySelector('p')!.getBoundingClientRect();
    await userEvent.click(root.querySelector('p')!, { position: { x: rdRect.left - pRect.left + 3, y: rdRect.top - pRect.top + rdRect.height / 2 } });
    await userEvent.click(root.querySelector('a')!, { position: { x: 4, y: 4 } });
    expect(clicked).toEqual(['word', 'read']);
  });

  it('takes the nearest character for a point beside the text, past the end of a line', () => {
    const root = mount('<p>Short line</p><p>Next paragraph</p>');
    const readable = collectReadableText(root);
    const { words } = segmentText(readable.text);
    const line = readable.rangeFor(0, 'Short line'.length)!.getBoundingClientRect();
    const paragraph = root.querySelector('p')!.getBoundingClientRect();
    expect(paragraph.right - line.right).toBeGreaterThan(40);
    const offset = readable.offsetAtPoint(line.right + 30, line.top + line.height / 2)!;
    const word = words[spanIndexAt(words, offset)]!;
    expect(readable.text.slice(word.start, word.end)).toBe('line');
  });

  it('returns null for a point outside the region', () => {
    const root = mount('<p>Inside</p>');
    const outside = mountRegion('Outside the region', { tag: 'p' });
    const readable = collectReadableText(root);
    const rect = outside.getBoundingClientRect();
    expect(readable.offsetAtPoint(rect.left + 5, rect.top + rect.height / 2)).toBeNull();
  });

  it('gives the spoken span of a selection, across elements, hidden text and blocks', () => {
    const root = mount('<p>One <b>two</b> thr<span hidden>HIDDEN</span>ee.</p><ul><li>Four five</li><li>six</li></ul>');
    const readable = collectReadableText(root);
    expect(readable.text).toBe('One two three.\nFour five\nsix');
    const selection = document.getSelection()!;
    // From inside "two" to the middle of "five".
    selection.setBaseAndExtent(textNodeContaining(root, 'two'), 1, textNodeContaining(root, 'Four'), 7);
    let span = readable.spanOfSelection(selection)!;
    expect(readable.text.slice(span.start, span.end)).toBe('wo three.\nFour fi');
    // A selection that starts and ends in hidden text reads what is visible between.
    selection.setBaseAndExtent(textNodeContaining(root, 'HIDDEN'), 2, root.querySelector('ul')!, 1);
    span = readable.spanOfSelection(selection)!;
    expect(readable.text.slice(span.start, span.end)).toBe('ee.\nFour five');
    // Backwards selections (focus before anchor) are the same span.
    selection.setBaseAndExtent(textNodeContaining(root, 'six'), 2, textNodeContaining(root, 'One'), 0);
    span = readable.spanOfSelection(selection)!;
    expect(readable.text.slice(span.start, span.end)).toBe('One two three.\nFour five\nsi');
    // A collapsed selection, or one outside the region, is nothing to read.
    selection.collapse(textNodeContaining(root, 'two'), 1);
    expect(readable.spanOfSelection(selection)).toBeNull();
    const outside = mountRegion('elsewhere', { tag: 'p' });
    selection.selectAllChildren(outside);
    expect(readable.spanOfSelection(selection)).toBeNull();
  });

  it('reads what the user selected with a real triple click', async () => {
    const root = mount('<p>First paragraph here.</p><p>Second <em>paragraph</em> to select.</p>');
    const readable = collectReadableText(root);
    await userEvent.tripleClick(root.querySelectorAll('p')[1]!);
    const span = readable.spanOfSelection()!;
    expect(span).not.toBeNull();
    expect(readable.text.slice(span.start, span.end)).toBe('Second paragraph to select.');
  });

  it('maps DOM boundaries in unspoken text forward and backward', () => {
    const root = mount('<p>Alpha</p>   <div hidden>gone</div><p>  Beta  gamma </p>');
    const readable = collectReadableText(root);
    expect(readable.text).toBe('Alpha\nBeta gamma');
    const gone = textNodeContaining(root, 'gone');
    expect(readable.offsetAt(gone, 2, 'forward')).toBe(6); // the B of Beta
    expect(readable.offsetAt(gone, 2, 'backward')).toBe(5); // just past Alpha
    const beta = textNodeContaining(root, 'Beta');
    expect(readable.offsetAt(beta, 0, 'forward')).toBe(6); // leading spaces collapse away
    expect(readable.offsetAt(beta, 0, 'backward')).toBe(5);
    expect(readable.offsetAt(beta, 6, 'forward')).toBe(10); // the space read between the words
    expect(readable.offsetAt(beta, 7, 'forward')).toBe(11); // the space collapsed away: at "gamma"
    expect(readable.offsetAt(beta, 7, 'backward')).toBe(11);
    expect(readable.offsetAt(beta, 9, 'forward')).toBe(12);
    expect(readable.offsetAt(root, 0)).toBe(0);
    expect(readable.offsetAt(root, root.childNodes.length, 'backward')).toBe(readable.length);
    expect(readable.offsetAt(document.body, 0, 'forward')).toBe(0);
  });

  it('maps timeline words from the service to ranges, also when their offsets drifted', () => {
    const root = mount('<h2>Title</h2><p>Hello <b>wor</b>ld again.</p>');
    const readable = collectReadableText(root);
    expect(readable.text).toBe('Title\nHello world again.');
    // A reading that started at "Hello": the service's offsets count from there.
    const startedAt = readable.text.indexOf('Hello');
    const exact = readable.rangesForTimelineWord({ text: 'world', beginIndex: 6, endIndex: 11 }, startedAt);
    expect(exact.map((r) => r.toString())).toEqual(['wor', 'ld']);
    // A server that dropped a character before the word: the word is found next to its offsets.
    const drifted = readable.rangesForTimelineWord({ text: 'again', beginIndex: 11, endIndex: 16 }, startedAt);
    expect(drifted.map((r) => r.toString())).toEqual(['again']);
  });

  it('gives one spanning range for measuring, from the first to the last character', () => {
    const root = mount('<p>Start <b>middle</b> end</p><p>next</p>');
    const readable = collectReadableText(root);
    const range = readable.rangeFor(2, readable.text.indexOf('next') + 2)!;
    expect(range.toString()).toBe('art middle endne');
    expect(readable.rangeFor(5, 6)!.toString()).toBe(' ');
  });
});
