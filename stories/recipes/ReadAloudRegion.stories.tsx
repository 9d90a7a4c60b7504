import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useRef, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ReadAloudRegion, useReadAloudRegion } from 'cosyvoice-react';
import { fakeLlmStream } from '../support/fakeLlm';
import { withStoryProvider } from '../support/StoryProvider';

// What a Markdown renderer (marked, markdown-it, remark) writes: the page's own markup, read in place.
const ARTICLE_HTML = `<h2 id="region-title">Reading the page as it is</h2>
<p>This article was written in <a href="https://commonmark.org">Markdown</a> and rendered to HTML. It has <em>emphasis</em>, <strong>strong text</strong>, and a call to <code>speak()</code>.</p>
<h3>What is read</h3>
<ul>
<li>Headings and list items end sentences</li>
<li>Hidden parts are <span hidden>never </span>left out</li>
<li>A word split by markup, like <b>Hel</b>lo, is one word</li>
</ul>
<pre><code>// Code blocks are skipped by default.
const answer = 42;</code></pre>
<table>
<thead><tr><th>Engine</th><th>Support</th></tr></thead>
<tbody><tr><td>Chromium</td><td>Highlight API</td></tr></tbody>
</table>
<p><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=" alt="A read-aloud button" width="1" height="1"> Click any word to listen from there, or select a passage and press Read selection.</p>
<p aria-hidden="true">Decorative text, not read.</p>`;

function MarkdownArticle() {
  return (
    <ReadAloudRegion regionOptions={{ imageAlt: true }} style={{ maxWidth: 680, lineHeight: 1.7, fontFamily: 'Georgia, serif' }} aria-labelledby="region-title">
      <article dangerouslySetInnerHTML={{ __html: ARTICLE_HTML }} />
    </ReadAloudRegion>
  );
}

const meta = {
  title: 'Recipes/Read the page in place',
  component: MarkdownArticle,
  decorators: [withStoryProvider],
} satisfies Meta<typeof MarkdownArticle>;
export default meta;
type Story = StoryObj<typeof meta>;

/** An article rendered from Markdown, read and highlighted in place: its DOM is never changed. */
export const MarkdownArticleStory: Story = { name: 'Markdown article' };

/** `Markdown article`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const MarkdownArticleTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const region = canvasElement.querySelector<HTMLElement>('.cosyvoice-region')!;
    const content = region.querySelector('.cosyvoice-region-content')!;
    const before = content.innerHTML;
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(region.dataset.state).toBe('speaking'), { timeout: 10_000 });
    await waitFor(() => expect(CSS.highlights.get('cosyvoice-word')?.size ?? 0).toBeGreaterThan(0), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Next sentence' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(region.dataset.state).toBe('idle'));
    expect(CSS.highlights.has('cosyvoice-word')).toBe(false);
    expect(content.innerHTML).toBe(before);
  },
};

const ANSWER =
  'Streaming answers arrive a few words at a time. The region keeps its map of the text current as the message grows, ' +
  'so you can start listening before the answer is complete. What was already read stays put, and new text can be read from where you click.';

function ChatMessage({ text, streaming }: { text: string; streaming: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const region = useReadAloudRegion(ref);
  return (
    <li style={{ listStyle: 'none', padding: 12, borderRadius: 8, background: '#f3f4f6', marginBlock: 8 }}>
      <div ref={ref} aria-busy={streaming || undefined}>
        {text}
      </div>
      <button type="button" data-state={region.status} onClick={() => (region.isActive ? region.stop() : region.read())} disabled={text === ''}>
        {region.isActive ? 'Stop' : 'Listen'}
      </button>
    </li>
  );
}

function StreamingChat() {
  const [answer, setAnswer] = useState('');
  const [streaming, setStreaming] = useState(false);
  const [run, setRun] = useState(0);
  useEffect(() => {
    if (run === 0) return undefined;
    const controller = new AbortController();
    setAnswer('');
    setStreaming(true);
    void (async () => {
      for await (const token of fakeLlmStream(ANSWER, { tokenDelayMs: 60, signal: controller.signal })) setAnswer((text) => text + token);
      if (!controller.signal.aborted) setStreaming(false);
    })();
    return () => controller.abort();
  }, [run]);
  return (
    <section aria-label="Chat" style={{ maxWidth: 640, lineHeight: 1.6 }}>
      <ul style={{ padding: 0 }}>
        <ChatMessage text="How does reading a streamed message work?" streaming={false} />
        <ChatMessage text={answer} streaming={streaming} />
      </ul>
      <button type="button" onClick={() => setRun((n) => n + 1)}>
        Ask
      </button>
    </section>
  );
}

/** A chat transcript whose answer streams in: each message is a region; reading one goes on while the answer grows. */
export const StreamingChatStory: Story = { name: 'Streaming chat', render: () => <StreamingChat /> };

/** `Streaming chat`, driven by a test. */
export const StreamingChatTest: Story = {
  tags: ['!dev', '!autodocs'],
  render: () => <StreamingChat />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Ask' }));
    await waitFor(() => expect(canvasElement.textContent).toContain('Streaming answers arrive'), { timeout: 5000 });
    const listen = canvas.getAllByRole('button', { name: 'Listen' })[1]!;
    await userEvent.click(listen);
    await waitFor(() => expect(listen.dataset.state).toBe('speaking'), { timeout: 10_000 });
    // The answer keeps growing while it is read: the reading goes on.
    const length = canvasElement.textContent!.length;
    await waitFor(() => expect(canvasElement.textContent!.length).toBeGreaterThan(length), { timeout: 5000 });
    await waitFor(() => expect(CSS.highlights.get('cosyvoice-word')?.size ?? 0).toBeGreaterThan(0), { timeout: 10_000 });
    expect(['speaking', 'buffering']).toContain(listen.dataset.state);
    await userEvent.click(canvas.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(listen.dataset.state).toBe('idle'));
  },
};

const CJK_HTML = `<h2 id="cjk-title">静夜思</h2>
<p>床前明月光，疑是地上霜。<br>举头望明月，低头思故乡。</p>
<h3>注释</h3>
<p>这首诗写于<ruby>唐<rt>táng</rt></ruby>代，<strong>李白</strong>在异乡的秋夜所作。点击任意一个字，就从那里开始朗读。</p>`;

function CjkArticle() {
  return (
    <ReadAloudRegion
      lang="zh"
      regionOptions={{ voice: 'longanhuan' }}
      labels={{ controls: '朗读', read: '朗读全文', stop: '停止', pause: '暂停', resume: '继续', readSelection: '朗读选中的文字', previousSentence: '上一句', nextSentence: '下一句', nothingSelected: '请先选中文字' }}
      style={{ maxWidth: 560, lineHeight: 2, fontSize: 20 }}
      aria-labelledby="cjk-title"
    >
      <article dangerouslySetInnerHTML={{ __html: CJK_HTML }} />
    </ReadAloudRegion>
  );
}

/** A Chinese article: words come from the service's timestamps (no spaces needed); ruby annotations are not read. */
export const CjkArticleStory: Story = { name: 'CJK article', render: () => <CjkArticle /> };

/** `CJK article`, driven by a test. */
export const CjkArticleTest: Story = {
  tags: ['!dev', '!autodocs'],
  render: () => <CjkArticle />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const region = canvasElement.querySelector<HTMLElement>('.cosyvoice-region')!;
    await userEvent.click(canvas.getByRole('button', { name: '朗读全文' }));
    await waitFor(() => expect(CSS.highlights.get('cosyvoice-word')?.size ?? 0).toBeGreaterThan(0), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: '停止' }));
    await waitFor(() => expect(region.dataset.state).toBe('idle'));
  },
};
