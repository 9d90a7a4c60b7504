import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { KaraokeText, ReadAloud, SpeakButton, useSpeechSynthesis, type SpeakButtonLabels } from 'cosyvoice-react';
import { withStoryProvider } from '../support/StoryProvider';

const ENGLISH = {
  lang: 'en',
  title: 'Why read-aloud matters',
  body:
    'Listening helps people who read slowly, learn a new language, or rest their eyes. ' +
    'A read-aloud button should start at once, show the word being heard, and never get in the way of a screen reader. ' +
    'Press the button, follow the highlight, and click any word to listen again from there.',
  labels: undefined,
  voice: 'longanyang',
};

const MANDARIN = {
  lang: 'zh',
  title: '朗读的意义',
  body: '朗读能帮助阅读较慢的人、正在学习语言的人，也能让眼睛休息一下。好的朗读按钮应该立刻开始，标出正在听到的词，并且不妨碍读屏软件。点击按钮，跟着高亮，读完后点击任意一个词就能从那里重新收听。',
  // Every label, so the button's names and its announcements in the status region are all in Chinese.
  labels: {
    start: '朗读全文',
    stop: '停止朗读',
    pause: '暂停朗读',
    resume: '继续朗读',
    speaking: '正在朗读',
    paused: '已暂停',
    ended: '朗读完毕',
    stopped: '已停止朗读',
    error: (error) => (error ? `无法朗读：${error.message}` : '无法朗读'),
  } satisfies SpeakButtonLabels,
  voice: 'longanhuan',
};

function Article({ article }: { article: typeof ENGLISH | typeof MANDARIN }) {
  const speech = useSpeechSynthesis({ voice: article.voice });
  return (
    <article lang={article.lang} style={{ maxWidth: 640, lineHeight: 1.8, fontFamily: 'Georgia, serif' }} aria-labelledby={`title-${article.lang}`}>
      <h2 id={`title-${article.lang}`}>{article.title}</h2>
      <SpeakButton text={article.body} speech={speech} labels={article.labels} />
      <KaraokeText text={article.body} speech={speech} style={{ marginTop: 12, fontSize: 18 }} />
    </article>
  );
}

function ReadAloudPage() {
  return (
    <main style={{ display: 'grid', gap: 32 }}>
      <Article article={ENGLISH} />
      <Article article={MANDARIN} />
    </main>
  );
}

const meta = {
  title: 'Recipes/Read aloud',
  component: ReadAloudPage,
  decorators: [withStoryProvider],
} satisfies Meta<typeof ReadAloudPage>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Articles in English and Mandarin, each with a SpeakButton and a KaraokeText sharing one utterance. */
export const Default: Story = {};

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const english = within(canvas.getByRole('article', { name: 'Why read-aloud matters' }));
    await userEvent.click(english.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvasElement.querySelector('article[lang="en"] [data-active]')).not.toBeNull(), { timeout: 10_000 });
    await userEvent.click(english.getByRole('button', { name: 'Stop reading' }));
    const mandarin = within(canvas.getByRole('article', { name: '朗读的意义' }));
    await userEvent.click(mandarin.getByRole('button', { name: '朗读全文' }));
    await waitFor(() => expect(canvasElement.querySelector('article[lang="zh"] [data-active]')).not.toBeNull(), { timeout: 10_000 });
    // The shared status region (outside the canvas) announces in Chinese too.
    const status = within(canvasElement.ownerDocument.body).getByRole('status');
    await waitFor(() => expect(status).toHaveTextContent('正在朗读'));
    await userEvent.click(mandarin.getByRole('button', { name: '停止朗读' }));
    await waitFor(() => expect(status).toHaveTextContent('已停止朗读'));
  },
};

/** `<ReadAloud controls>`: the recipe as a steerable player (controls, then the text whose words read from themselves). */
export const WithControls: Story = {
  render: () => <ReadAloud text={ENGLISH.body} controls style={{ maxWidth: 640, lineHeight: 1.7 }} />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('group', { name: 'Read-aloud player' })).toHaveAttribute('data-state', 'idle');
    await expect(canvas.getByRole('slider', { name: 'Reading position' })).toHaveAttribute('aria-valuemax', '3');
  },
};
