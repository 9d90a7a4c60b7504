import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ReadAloudControls, type ReadAloudControlsReading } from 'cosyvoice-react';
import { ReadAloudController, type ReadAloudStatus, type Transport } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';

// Never asked for a socket: these tests only read the controls' props and record the actions.
const unusedTransport: Transport = { description: 'unused', connect: () => Promise.reject(new Error('not used')) };

const SENTENCES = Array.from({ length: 30 }, (_, i) => `Sentence number ${i + 1} is here, and it says a little more than the one before it did.`);

/** A reading (a real controller, for its sentences and time estimate) in a given state, with its actions recorded. */
function readingIn(status: ReadAloudStatus, sentenceIndex: number, text = SENTENCES.join(' '), playbackRate = 1) {
  const controller = new ReadAloudController({ transport: unusedTransport, createPlayer: () => createSilentPlayer() });
  controller.setText(text);
  const calls: string[] = [];
  const { sentences } = controller.getReadingSnapshot();
  const reading: ReadAloudControlsReading = {
    status,
    text,
    sentences,
    sentenceIndex,
    playbackRate,
    controller,
    play: () => void calls.push('play'),
    pause: () => void calls.push('pause'),
    nextSentence: () => (calls.push('next'), true),
    previousSentence: () => (calls.push('previous'), true),
    seekToSentence: (index: number) => (calls.push(`sentence ${index}`), true),
    setPlaybackRate: (rate: number) => void calls.push(`rate ${rate}`),
  };
  return { reading, calls };
}

describe('ReadAloudControls', () => {
  it('moves the slider by sentence: arrows one, Page Up / Down a tenth, Home / End to the ends; other keys are left alone', () => {
    const { reading, calls } = readingIn('speaking', 4);
    render(<ReadAloudControls reading={reading} />);
    const slider = screen.getByRole('slider', { name: 'Reading position' });
    const keys = ['ArrowRight', 'ArrowUp', 'ArrowLeft', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End'];
    for (const key of keys) expect(fireEvent.keyDown(slider, { key })).toBe(false);
    expect(calls).toEqual(['sentence 5', 'sentence 5', 'sentence 3', 'sentence 3', 'sentence 7', 'sentence 1', 'sentence 0', 'sentence 29']);
    // A key it does not use is not prevented (Tab moves on).
    expect(fireEvent.keyDown(slider, { key: 'Tab' })).toBe(true);
    expect(calls).toHaveLength(8);
  });

  it('clamps at the ends and goes to the sentence under a click', () => {
    const { reading, calls } = readingIn('paused', 0);
    render(<ReadAloudControls reading={reading} />);
    const slider = screen.getByRole('slider');
    fireEvent.keyDown(slider, { key: 'PageDown' });
    expect(calls).toEqual(['sentence 0']);
    slider.getBoundingClientRect = () => ({ left: 100, width: 300, top: 0, height: 10, right: 400, bottom: 10, x: 100, y: 0, toJSON: () => ({}) });
    fireEvent.pointerDown(slider, { button: 0, clientX: 250 });
    expect(calls.at(-1)).toBe('sentence 15');
    fireEvent.pointerDown(slider, { button: 0, clientX: 399 });
    expect(calls.at(-1)).toBe('sentence 29');
    expect(document.activeElement).toBe(slider);
  });

  it('says the sentence, the time and the sentence text in aria-valuetext, and the position in --cosyvoice-progress', () => {
    const { reading } = readingIn('speaking', 4);
    render(<ReadAloudControls reading={reading} />);
    const slider = screen.getByRole('slider');
    expect(slider).toHaveAttribute('aria-valuemin', '1');
    expect(slider).toHaveAttribute('aria-valuemax', '30');
    expect(slider).toHaveAttribute('aria-valuenow', '5');
    const start = reading.sentences[4]!.start;
    // Before any audio: about 65 ms a character.
    const elapsed = Math.round((start * 65) / 1000);
    expect(slider.getAttribute('aria-valuetext')).toBe(
      `Sentence 5 of 30, 0:${String(elapsed).padStart(2, '0')} of about ${Math.floor(Math.round((reading.text.length * 65) / 1000) / 60)}:${String(Math.round((reading.text.length * 65) / 1000) % 60).padStart(2, '0')}: Sentence number 5 is here, and it says a little more than t…`,
    );
    expect(slider.style.getPropertyValue('--cosyvoice-progress')).toBe(`${Math.round((4 / 30) * 1000) / 10}%`);
  });

  it('names the play button after what a click does, and disables what cannot be used', () => {
    const speaking = readingIn('speaking', 0);
    const { rerender } = render(<ReadAloudControls reading={speaking.reading} />);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(speaking.calls).toEqual(['pause']);
    expect(screen.getByRole('button', { name: 'Previous sentence' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Next sentence' })).toBeEnabled();
    const paused = readingIn('paused', 29);
    rerender(<ReadAloudControls reading={paused.reading} />);
    fireEvent.click(screen.getByRole('button', { name: 'Play' }));
    expect(paused.calls).toEqual(['play']);
    expect(screen.getByRole('button', { name: 'Next sentence' })).toBeDisabled();
    expect(screen.getByRole('group', { name: 'Read-aloud player' })).toHaveAttribute('data-state', 'paused');

    const empty = readingIn('idle', -1, '');
    rerender(<ReadAloudControls reading={empty.reading} />);
    expect(screen.getByRole('button', { name: 'Play' })).toBeDisabled();
    const slider = screen.getByRole('slider');
    expect(slider).toHaveAttribute('aria-disabled', 'true');
    expect(slider.tabIndex).toBe(-1);
    fireEvent.keyDown(slider, { key: 'End' });
    expect(empty.calls).toEqual([]);
  });

  it('offers the speeds, with the current one added when it is not among them', () => {
    const { reading, calls } = readingIn('speaking', 0, SENTENCES.join(' '), 1.1);
    render(<ReadAloudControls reading={reading} rates={[0.75, 1, 1.5]} labels={{ rateOption: (rate) => `${rate} times` }} />);
    const select = screen.getByRole('combobox', { name: 'Playback speed' }) as HTMLSelectElement;
    expect([...select.options].map((option) => option.text)).toEqual(['0.75 times', '1 times', '1.1 times', '1.5 times']);
    expect(select.value).toBe('1.1');
    fireEvent.change(select, { target: { value: '1.5' } });
    expect(calls).toEqual(['rate 1.5']);
  });
});
