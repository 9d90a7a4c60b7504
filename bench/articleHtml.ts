// A 10 000-word article in the shape Markdown renderers write (headings, links, emphasis, inline code,
// lists, tables, words split by elements), for the region and KaraokeText benches.

const VOCABULARY =
  'the reader hears every word of this article while the page stays exactly as its author wrote it with links emphasis code lists and tables a region of text is read aloud sentence by sentence and highlighted in place'.split(
    ' ',
  );

/** Deterministic article HTML with about `wordCount` words (also used by bench/karaokePage.tsx). */
export function articleHtml(wordCount: number): string {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const word = () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!;
  let words = 0;
  const sentence = () => {
    const length = 8 + Math.floor(random() * 12);
    const parts: string[] = [];
    for (let i = 0; i < length; i++) {
      const w = word();
      const roll = random();
      if (roll < 0.04) parts.push(`<a href="#w${words}">${w}</a>`);
      else if (roll < 0.07) parts.push(`<em>${w}</em>`);
      else if (roll < 0.09) parts.push(`<code>${w}()</code>`);
      else if (roll < 0.1) parts.push(`<strong>${w.slice(0, 2)}</strong>${w.slice(2)}`); // a word split by an element
      else parts.push(w);
    }
    words += length;
    const text = parts.join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
  };
  const blocks: string[] = [];
  let paragraph = 0;
  while (words < wordCount) {
    if (paragraph % 8 === 0) {
      blocks.push(`<h2>${word()} ${word()} ${word()}</h2>`);
      words += 3;
    }
    if (paragraph % 11 === 5) {
      const items: string[] = [];
      for (let i = 0; i < 4; i++) items.push(`<li>${sentence()}</li>`);
      blocks.push(`<ul>\n${items.join('\n')}\n</ul>`);
    } else if (paragraph % 23 === 17) {
      const rows: string[] = [];
      for (let r = 0; r < 4; r++) rows.push(`<tr><td>${word()}</td><td>${word()} ${word()}</td><td>${Math.floor(random() * 100)}</td></tr>`);
      words += 16;
      blocks.push(`<table>\n<thead><tr><th>Name</th><th>Value</th><th>Count</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`);
    } else {
      const count = 3 + Math.floor(random() * 4);
      const sentences: string[] = [];
      for (let i = 0; i < count; i++) sentences.push(sentence());
      blocks.push(`<p>${sentences.join(' ')}</p>`);
    }
    paragraph++;
  }
  return blocks.join('\n');
}

