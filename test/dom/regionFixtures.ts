// Hand-written HTML in the shape Markdown renderers (marked, markdown-it, remark) produce, with the
// whitespace between blocks that they leave in the source; and mounting regions in the test page.

const mounted: Element[] = [];

/** Appends an element with `html` inside to the page; `removeMountedRegions` (after each test) takes it away. */
export function mountRegion(html: string, { tag = 'article', style = '' }: { tag?: string; style?: string } = {}): HTMLElement {
  const element = document.createElement(tag);
  if (style) element.style.cssText = style;
  element.innerHTML = html;
  document.body.appendChild(element);
  mounted.push(element);
  return element;
}

/** Removes what `mountRegion` added. */
export function removeMountedRegions(): void {
  for (const element of mounted.splice(0)) element.remove();
}

/** A small PNG (1×1, transparent) for `<img>` elements that must load without network. */
export const PIXEL_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** An article as a Markdown renderer writes it: heading, links, emphasis, inline code, a list, a code block, a table, an image. */
export const MARKDOWN_ARTICLE = `<h1 id="reading-aloud">Reading aloud</h1>
<p>This article has <a href="#one">a link</a>, <em>emphasis</em> and <strong>strong text</strong>. Call <code>speak()</code> to start.</p>
<h2>Lists</h2>
<ul>
<li>First item</li>
<li>Second <strong>item</strong> here</li>
</ul>
<pre><code class="language-js">const answer = 42;
console.log(answer);
</code></pre>
<table>
<thead>
<tr>
<th>Name</th>
<th>Value</th>
</tr>
</thead>
<tbody>
<tr>
<td>Alpha</td>
<td>1</td>
</tr>
</tbody>
</table>
<p><img src="${PIXEL_PNG}" alt="A cat on a mat"> Pictures say more.</p>
<blockquote>
<p>Quoted text without a full stop</p>
</blockquote>
<p>Tom &amp; Jerry &lt;3 caf&eacute; na&iuml;ve&nbsp;text.</p>
`;

/** The lines (one per block, table cell or list item) {@link MARKDOWN_ARTICLE} reads as with the default options. */
export const MARKDOWN_ARTICLE_LINES = [
  'Reading aloud',
  'This article has a link, emphasis and strong text. Call speak() to start.',
  'Lists',
  'First item',
  'Second item here',
  'Name',
  'Value',
  'Alpha',
  '1',
  'Pictures say more.',
  'Quoted text without a full stop',
  'Tom & Jerry <3 café naïve text.',
];

/** What {@link MARKDOWN_ARTICLE} reads as with the default options. */
export const MARKDOWN_ARTICLE_TEXT = MARKDOWN_ARTICLE_LINES.join('\n');
