import { afterEach, describe, expect, it } from 'vitest';
import { collectReadableText } from '../../src/dom/collectReadableText';
import { observeReadableText, type ReadableTextChange, type ReadableTextObserver } from '../../src/dom/observeReadableText';
import { mountRegion, removeMountedRegions } from './regionFixtures';

const observers: ReadableTextObserver[] = [];

const mount = (html: string) => mountRegion(html, { tag: 'section' });

function observe(root: Element, options: Partial<Parameters<typeof observeReadableText>[1]> = {}) {
  const changes: ReadableTextChange[] = [];
  const observer = observeReadableText(root, { onChange: (change) => changes.push(change), ...options });
  observers.push(observer);
  return { observer, changes };
}

/** Mutation observer callbacks run in a microtask after the change. */
const mutationsDelivered = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  for (const observer of observers.splice(0)) observer.disconnect();
  removeMountedRegions();
});

describe('observeReadableText', () => {
  it('rebuilds the text as a chat message streams in, reporting appends as touching nothing already read', async () => {
    const root = mount('<div class="message"><p>Hello, I can</p></div>');
    const { observer, changes } = observe(root);
    expect(observer.current.text).toBe('Hello, I can');
    const paragraph = root.querySelector('p')!;
    for (const token of [' help', ' with that.']) {
      paragraph.appendChild(document.createTextNode(token));
      await mutationsDelivered();
    }
    const list = document.createElement('ul');
    list.innerHTML = '<li>First <code>step</code></li>';
    root.firstElementChild!.appendChild(list);
    await mutationsDelivered();

    expect(changes.map((change) => change.current.text)).toEqual(['Hello, I can help', 'Hello, I can help with that.', 'Hello, I can help with that.\nFirst step']);
    for (const change of changes) {
      expect(change.changedAt).toBe(change.previous.text.length);
      expect(change.touchesBefore(change.previous.text.length)).toBe(false);
      expect(change.mapOffset(3)).toBe(3);
    }
    // The new text maps to the new nodes.
    const last = changes[2]!.current;
    const at = last.text.indexOf('step');
    expect(last.rangesFor(at, at + 4)[0]!.startContainer.parentElement).toBe(root.querySelector('code'));
    expect(observer.current).toBe(last);
  });

  it('reports an edit before the reading position as touching it, and maps offsets past an edit', async () => {
    const root = mount('<p>One two three.</p><p>Four five six.</p>');
    const { changes } = observe(root);
    const two = root.querySelector('p')!.firstChild as Text;
    two.data = 'One 2 three.';
    await mutationsDelivered();
    const [change] = changes;
    expect(change!.current.text).toBe('One 2 three.\nFour five six.');
    expect(change!.changedAt).toBe(4);
    expect(change!.previousEnd).toBe(7);
    expect(change!.currentEnd).toBe(5);
    expect(change!.touchesBefore(10)).toBe(true); // reading at "three": the text before it changed
    expect(change!.touchesBefore(4)).toBe(false); // reading at "two" or before: only what follows changed
    expect(change!.mapOffset(15)).toBe(13); // "Four" moved two characters back
    expect(change!.mapOffset(5)).toBeNull(); // inside the replaced word
    expect(change!.mapOffset(2)).toBe(2);
  });

  it('rebuilds when something is hidden or shown, and when the DOM changes under the same text', async () => {
    const root = mount('<p>Visible <span class="extra">extra </span>text.</p>');
    const { changes } = observe(root);
    const extra = root.querySelector('.extra')!;
    extra.setAttribute('aria-hidden', 'true');
    await mutationsDelivered();
    expect(changes.at(-1)!.current.text).toBe('Visible text.');
    extra.removeAttribute('aria-hidden');
    await mutationsDelivered();
    expect(changes.at(-1)!.current.text).toBe('Visible extra text.');
    // A framework re-rendering the same text with new nodes: the text is the same, the ranges are new.
    const previousNode = root.querySelector('p')!.firstChild;
    root.innerHTML = '<p>Visible <span class="extra">extra </span>text.</p>';
    await mutationsDelivered();
    const change = changes.at(-1)!;
    expect(change.changedAt).toBeNull();
    expect(change.touchesBefore(change.current.length)).toBe(false);
    expect(change.current.rangesFor(0, 7)[0]!.startContainer).not.toBe(previousNode);
    expect(change.current.rangesFor(0, 7)[0]!.startContainer).toBe(root.querySelector('p')!.firstChild);
  });

  it('collects a burst of changes into one rebuild with delayMs, and flush() rebuilds at once', async () => {
    const root = mount('<p>Start</p>');
    const { observer, changes } = observe(root, { delayMs: 60_000 });
    const paragraph = root.querySelector('p')!;
    for (const token of [' of', ' a', ' long', ' answer.']) {
      paragraph.appendChild(document.createTextNode(token));
      await mutationsDelivered();
    }
    expect(changes).toHaveLength(0);
    expect(observer.flush()).toBe(true);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.previous.text).toBe('Start');
    expect(changes[0]!.current.text).toBe('Start of a long answer.');
    expect(observer.flush()).toBe(false);
    // Reading `current` also rebuilds first when a change is pending (even one not yet delivered).
    paragraph.appendChild(document.createTextNode(' More.'));
    expect(observer.current.text).toBe('Start of a long answer. More.');
    expect(changes).toHaveLength(2);
  });

  it('stops after disconnect', async () => {
    const root = mount('<p>Before</p>');
    const { observer, changes } = observe(root, { delayMs: 5 });
    root.querySelector('p')!.textContent = 'Changed';
    observer.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 30));
    root.querySelector('p')!.textContent = 'Changed again';
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(changes).toHaveLength(0);
  });

  it('rejects a missing callback and a bad delay', () => {
    const root = mount('<p>x</p>');
    expect(() => observeReadableText(root, {} as Parameters<typeof observeReadableText>[1])).toThrow(/needs an onChange callback/);
    expect(() => observeReadableText(root, { onChange() {}, delayMs: -1 })).toThrow(/delayMs must be a finite number >= 0; received -1/);
  });
});

describe('observeReadableText in slices (sliceMs)', () => {
  const article = (paragraphs: number) => Array.from({ length: paragraphs }, (_, i) => `<p>Paragraph <b>${i}</b> has <i>a few</i> words in it.</p>`).join('');
  /** Runs tasks until `check` holds (each slice is a task of its own). */
  const tasksUntil = async (check: () => boolean) => {
    for (let task = 0; task < 10_000 && !check(); task++) await new Promise((resolve) => setTimeout(resolve, 0));
  };

  it('walks the text in later tasks, not in the call; the result is what one walk gives', async () => {
    const root = mount(article(2000));
    const expected = collectReadableText(root).text;
    const { observer, changes } = observe(root, { sliceMs: 1 });
    // Nothing was walked in the call: the build is under way.
    expect(observer.building).toBe(true);
    let tasks = 0;
    await tasksUntil(() => {
      tasks++;
      return !observer.building;
    });
    // 2 000 paragraphs at 1 ms a slice take more than one task.
    expect(tasks).toBeGreaterThan(2);
    expect(observer.current.text).toBe(expected);
    // The first build is no change.
    expect(changes).toEqual([]);
  });

  it('current (and flush) finish a build under way at once', () => {
    const root = mount(article(2000));
    const { observer } = observe(root, { sliceMs: 1 });
    expect(observer.building).toBe(true);
    expect(observer.flush()).toBe(true);
    expect(observer.building).toBe(false);
    expect(observer.flush()).toBe(false);
    const other = observe(root, { sliceMs: 1 }).observer;
    expect(other.current.text).toBe(collectReadableText(root).text);
    expect(other.building).toBe(false);
  });

  it('starts over when the region changes between two slices; reports no change for the first build', async () => {
    const root = mount(article(2000));
    const { observer, changes } = observe(root, { sliceMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(observer.building).toBe(true);
    root.querySelector('p')!.textContent = 'Changed at the top.';
    root.lastElementChild!.textContent = 'Changed at the end.';
    const expected = collectReadableText(root).text;
    await tasksUntil(() => !observer.building);
    expect(observer.current.text).toBe(expected);
    expect(observer.current.text.startsWith('Changed at the top.\n')).toBe(true);
    expect(observer.current.text.endsWith('\nChanged at the end.')).toBe(true);
    expect(changes).toEqual([]);
  });

  it('a change after the first build is rebuilt in slices and reported once as one edit', async () => {
    const root = mount(article(500));
    const { observer, changes } = observe(root, { sliceMs: 1 });
    const before = observer.current.text;
    root.lastElementChild!.insertAdjacentHTML('afterend', '<p>One more.</p>');
    await tasksUntil(() => changes.length > 0);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.current.text).toBe(`${before}\nOne more.`);
    expect(changes[0]!.changedAt).toBe(before.length);
  });

  it('rejects a sliceMs that is not a finite number >= 0', () => {
    const root = mount('<p>Hi.</p>');
    expect(() => observeReadableText(root, { onChange: () => undefined, sliceMs: -1 })).toThrow(/sliceMs must be a finite number >= 0/);
  });
});
