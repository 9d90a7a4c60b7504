import { afterEach, expect, it } from 'vitest';
import { mountPlaybackDemo, type PlaybackDemo } from './playbackDemo';

let demo: PlaybackDemo | undefined;
afterEach(() => {
  demo?.player.dispose();
  demo?.root.remove();
});

it('demo page: a streamed sentence plays with each word highlighted, in order, while it is heard', async () => {
  demo = mountPlaybackDemo(document.body, { wordMs: 200 });
  const spans = [...demo.root.querySelectorAll<HTMLElement>('[data-word]')];
  expect(spans).toHaveLength(7);
  const sequence: string[] = [];
  const observer = new MutationObserver(() => {
    const active = demo!.root.querySelectorAll('[data-active]');
    expect(active.length).toBeLessThanOrEqual(1);
    const word = active[0]?.textContent ?? '';
    if (word && sequence.at(-1) !== word) sequence.push(word);
  });
  observer.observe(demo.root, { attributes: true, subtree: true, attributeFilter: ['data-active'] });
  demo.button.click();
  await demo.finished;
  observer.disconnect();
  expect(sequence).toEqual(['Words', 'light', 'up', 'as', 'you', 'hear', 'them.']);
  expect(demo.root.querySelector('[role="status"]')!.textContent).toBe('Finished');
  expect(demo.root.querySelectorAll('[data-active]')).toHaveLength(0);
  expect(demo.player.getSnapshot().timeToFirstAudioMs).toBeLessThan(300);
});
