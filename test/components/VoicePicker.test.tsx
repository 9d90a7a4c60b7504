import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createRef, useState, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpeechProvider, VoicePicker, useSpeechSynthesis, useVoicePicker, type SpeechProviderProps, type Transport } from 'cosyvoice-react';
import { countingTransport, providerProps, startLocalServer } from '../utils/speechHarness';
import { setupSpeech } from './componentHarness';

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

async function setup(extra: Partial<SpeechProviderProps> = {}) {
  const speech = await setupSpeech(extra);
  stopServer = speech.stop;
  return speech;
}

/** The four "loong…" voices of cosyvoice-v3-flash, in catalog order. */
const LOONG = { query: 'loong' };

function options() {
  return screen.getAllByRole('option');
}

describe('VoicePicker', () => {
  it('lists the filtered voices as options of a listbox named "Voice", with the chosen one selected', async () => {
    const { wrapper } = await setup();
    render(<VoicePicker filter={LOONG} defaultValue="loongriko_v3" />, { wrapper });
    const listbox = await screen.findByRole('listbox', { name: 'Voice' });
    await waitFor(() => expect(within(listbox).getAllByRole('option')).toHaveLength(4));
    // Accessible names: each row's pointer preview control is hidden from assistive technology.
    const [first, second, third, fourth] = options();
    expect(first).toHaveAccessibleName(/^loongkyong Korean · female · SSML, word timestamps$/);
    expect(second).toHaveAccessibleName(/^Riko Japanese · female/);
    expect(third).toHaveAccessibleName(/^loongtomoka Japanese/);
    expect(fourth).toHaveAccessibleName(/^Bella3\.0 Chinese \(Mandarin\), English/);
    expect(screen.getByRole('option', { name: /Riko/, selected: true })).toBeInTheDocument();
    expect(screen.getAllByRole('option', { selected: false })).toHaveLength(3);
  });

  it('filters by language, gender and capabilities', async () => {
    const { wrapper } = await setup();
    render(<VoicePicker filter={{ language: 'ja', gender: 'female', timestamps: true }} />, { wrapper });
    await waitFor(() => expect(options().length).toBeGreaterThan(0));
    for (const option of options()) expect(option).toHaveTextContent(/Japanese.*female.*word timestamps/);
  });

  it('works from the keyboard: one tab stop, arrows, Home/End, type-ahead, Enter and Space choose (uncontrolled)', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const onValueChange = vi.fn();
    render(<VoicePicker filter={LOONG} defaultValue="loongriko_v3" onValueChange={onValueChange} />, { wrapper });
    const listbox = await screen.findByRole('listbox', { name: 'Voice' });
    await waitFor(() => expect(options()).toHaveLength(4));
    const active = () => document.getElementById(listbox.getAttribute('aria-activedescendant') ?? '')?.textContent;

    await user.tab();
    expect(listbox).toHaveFocus();
    expect(active()).toMatch(/^Riko/); // starts on the selected voice
    await user.keyboard('{ArrowDown}');
    expect(active()).toMatch(/^loongtomoka/);
    await user.keyboard('{End}');
    expect(active()).toMatch(/^Bella/);
    await user.keyboard('{Home}');
    expect(active()).toMatch(/^loongkyong/);
    await user.keyboard('{ArrowUp}');
    expect(active()).toMatch(/^loongkyong/); // stays at the first
    await user.keyboard('b');
    expect(active()).toMatch(/^Bella/);
    await user.keyboard('{Enter}');
    expect(onValueChange).toHaveBeenLastCalledWith('loongbella_v3', expect.objectContaining({ id: 'loongbella_v3', name: 'Bella3.0' }));
    expect(screen.getByRole('option', { selected: true })).toHaveTextContent(/^Bella/);

    // Type-ahead over several letters, after the previous search has expired.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await user.keyboard('loongt');
    expect(active()).toMatch(/^loongtomoka/);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await user.keyboard(' ');
    expect(onValueChange).toHaveBeenLastCalledWith('loongtomoka_v3', expect.anything());
    expect(screen.getByRole('option', { selected: true })).toHaveTextContent(/^loongtomoka/);

    await user.tab();
    expect(listbox).not.toHaveFocus();
    expect(screen.getByRole('button', { name: 'Preview loongtomoka' })).toHaveFocus();
  });

  it('is controlled with value + onValueChange', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const onValueChange = vi.fn();
    function Controlled() {
      const [voice, setVoice] = useState('loongkyong_v3');
      return (
        <>
          <VoicePicker filter={LOONG} value={voice} onValueChange={(id) => (onValueChange(id), id !== 'loongriko_v3' && setVoice(id))} />
          <p>chosen: {voice}</p>
        </>
      );
    }
    render(<Controlled />, { wrapper });
    await waitFor(() => expect(options()).toHaveLength(4));
    // The parent refuses Riko: the selection stays.
    await user.click(screen.getByRole('option', { name: /Riko/ }));
    expect(onValueChange).toHaveBeenLastCalledWith('loongriko_v3');
    expect(screen.getByRole('option', { selected: true })).toHaveTextContent(/^loongkyong/);
    await user.click(screen.getByRole('option', { name: /Bella/ }));
    expect(screen.getByText('chosen: loongbella_v3')).toBeInTheDocument();
    expect(screen.getByRole('option', { selected: true })).toHaveTextContent(/^Bella/);
  });

  it('groups by language or gender under labelled groups', async () => {
    const { wrapper } = await setup();
    render(<VoicePicker filter={LOONG} groupBy="language" />, { wrapper });
    await waitFor(() => expect(options()).toHaveLength(4));
    const groups = screen.getAllByRole('group');
    expect(groups.map((group) => group.getAttribute('aria-labelledby') && document.getElementById(group.getAttribute('aria-labelledby')!)?.textContent)).toEqual([
      'Korean',
      'Japanese',
      'Chinese (Mandarin)',
    ]);
    expect(within(screen.getByRole('group', { name: 'Japanese' })).getAllByRole('option')).toHaveLength(2);
  });

  it('marks custom voices, listed through the transport', async () => {
    const { server, url } = await startLocalServer({ customVoices: ['cosyvoice-v3-flash-myvoice-0123abcd'] });
    stopServer = () => server.close();
    const transport = countingTransport(url);
    const wrapper = ({ children }: { children: ReactNode }) => <SpeechProvider {...providerProps(transport)}>{children}</SpeechProvider>;
    render(<VoicePicker filter={{ custom: true }} />, { wrapper });
    const option = await screen.findByRole('option', { name: /myvoice/ });
    expect(option).toHaveAccessibleName(/Custom$/);
    expect(option).toHaveAttribute('data-custom');
  });

  it('shows loading, then an error with a retry button that loads again', async () => {
    let calls = 0;
    let fail = true;
    const transport: Transport = {
      description: 'test',
      connect: () => Promise.reject(new Error('no sockets here')),
      http: {
        post: () => {
          calls++;
          return fail ? Promise.reject(new Error('listing failed')) : Promise.resolve({ output: { voice_list: [{ voice_id: 'cosyvoice-v3-flash-mine-1', gmt_create: '2026-01-01 00:00:00', gmt_modified: '2026-01-01 00:00:00', status: 'OK' }] } });
        },
      },
    };
    const user = userEvent.setup();
    const root = createRef<HTMLDivElement>();
    render(
      <SpeechProvider {...providerProps(transport)}>
        <VoicePicker rootProps={{ ref: root }} filter={{ custom: true }} />
      </SpeechProvider>,
    );
    const listbox = screen.getByRole('listbox', { name: 'Voice' });
    expect(root.current).toHaveAttribute('data-state', 'loading');
    expect(listbox).toHaveAttribute('data-state', 'loading');
    expect(screen.getByText('Loading voices…')).toBeInTheDocument();
    expect(listbox).toHaveAttribute('aria-busy', 'true');
    // useVoices retries once (about a second) before reporting the error.
    const retry = await screen.findByRole('button', { name: 'Retry' }, { timeout: 4000 });
    expect(root.current).toHaveAttribute('data-state', 'error');
    expect(within(root.current!).getByText(/Could not load custom voices\./)).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Could not load custom voices.');
    fail = false;
    await user.click(retry);
    expect(await screen.findByRole('option', { name: /mine-1/ })).toBeInTheDocument();
    expect(root.current).toHaveAttribute('data-state', 'ready');
    expect(listbox).toHaveAttribute('data-state', 'ready');
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('previews the highlighted voice; starting a preview in another picker stops the first', async () => {
    const { transport, wrapper } = await setup();
    const user = userEvent.setup();
    render(
      <>
        <VoicePicker filter={LOONG} defaultValue="loongbella_v3" rootProps={{ 'data-testid': 'a' }} previewText="One two three four five six seven eight." />
        <VoicePicker filter={LOONG} defaultValue="loongkyong_v3" rootProps={{ 'data-testid': 'b' }} previewText="One two three four five six seven eight." />
      </>,
      { wrapper },
    );
    const a = within(screen.getByTestId('a'));
    const b = within(screen.getByTestId('b'));
    await waitFor(() => expect(a.getAllByRole('option')).toHaveLength(4));
    await user.click(a.getByRole('button', { name: 'Preview Bella3.0' }));
    expect(a.getByRole('button', { name: 'Stop preview of Bella3.0' })).toBeInTheDocument();
    await user.click(b.getByRole('button', { name: 'Preview loongkyong' }));
    expect(b.getByRole('button', { name: 'Stop preview of loongkyong' })).toBeInTheDocument();
    expect(a.getByRole('button', { name: 'Preview Bella3.0' })).toBeInTheDocument();
    await user.click(b.getByRole('button', { name: 'Stop preview of loongkyong' }));
    expect(b.getByRole('button', { name: 'Preview loongkyong' })).toBeInTheDocument();
    expect(transport.opened).toBe(2);

    // The highlighted option is what the button previews.
    await user.hover(b.getByRole('option', { name: /Riko/ }));
    expect(b.getByRole('button', { name: 'Preview Riko' })).toBeInTheDocument();
  });

  it('speaks the sample line in the voice and model of the previewed voice, through a shared speech when given', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const calls: unknown[][] = [];
    function Harness() {
      const speech = useSpeechSynthesis();
      const recording = {
        ...speech,
        speak: (text: string, overrides?: object) => {
          calls.push([text, overrides]);
          speech.speak(text, overrides);
        },
      };
      return (
        <>
          <VoicePicker filter={LOONG} defaultValue="loongriko_v3" previewSpeech={recording} previewText={(voice) => `Sample for ${voice.id}.`} />
          <p>shared: {speech.status}</p>
        </>
      );
    }
    render(<Harness />, { wrapper });
    await waitFor(() => expect(options()).toHaveLength(4));
    await user.click(screen.getByRole('button', { name: 'Preview Riko' }));
    expect(calls).toEqual([['Sample for loongriko_v3.', { voice: 'loongriko_v3', model: 'cosyvoice-v3-flash' }]]);
    // The shared speech started (how far it got by now depends on the machine's speed).
    expect(screen.getByText(/^shared: (connecting|buffering|speaking)$/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText('shared: ended')).toBeInTheDocument(), { timeout: 5000 });
    expect(screen.getByRole('button', { name: 'Preview Riko' })).toBeInTheDocument();
  });

  it('every row has a pointer preview control for its own voice, hidden from assistive technology; it does not select the voice', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const calls: unknown[][] = [];
    const onValueChange = vi.fn();
    function Harness() {
      const speech = useSpeechSynthesis();
      const recording = {
        ...speech,
        speak: (text: string, overrides?: object) => {
          calls.push([text, overrides]);
          speech.speak(text, overrides);
        },
      };
      return <VoicePicker filter={LOONG} defaultValue="loongriko_v3" onValueChange={onValueChange} previewSpeech={recording} previewText={(voice) => `Sample for ${voice.id}.`} />;
    }
    const { container } = render(<Harness />, { wrapper });
    await waitFor(() => expect(options()).toHaveLength(4));
    const rows = options();
    const controls = rows.map((row) => row.querySelector('.cosyvoice-voice-option-preview'));
    expect(controls.every((control) => control?.getAttribute('aria-hidden') === 'true')).toBe(true);
    // Hidden from the accessibility tree: option names stay the voices' own text.
    expect(rows[0]).toHaveAccessibleName(expect.not.stringContaining('▶'));
    const third = rows[2]!;
    const thirdVoice = third.id;
    await user.click(third.querySelector('.cosyvoice-voice-option-preview')!);
    expect(calls).toHaveLength(1);
    expect((calls[0]![1] as { voice: string }).voice).not.toBe('loongriko_v3');
    expect(onValueChange).not.toHaveBeenCalled();
    expect(third).toHaveAttribute('aria-selected', 'false');
    await waitFor(() => expect(third.querySelector('.cosyvoice-voice-option-preview')).toHaveAttribute('data-state', 'playing'));
    expect(third.querySelector('.cosyvoice-voice-option-preview')).toHaveAttribute('title', expect.stringMatching(/^Stop preview of /));
    // Pressing it again stops that preview.
    await user.click(third.querySelector('.cosyvoice-voice-option-preview')!);
    await waitFor(() => expect(third.querySelector('.cosyvoice-voice-option-preview')).toHaveAttribute('data-state', 'idle'));
    expect(calls).toHaveLength(1);
    expect(container.querySelector(`#${CSS.escape(thirdVoice)}`)).toBe(third);
  });

  it('with a shared preview speech, shows only its own utterance as a preview: once the app reads something else, the button previews again', async () => {
    // Held connections show `connecting`: every utterance asks for its own socket here (no warm one to reuse).
    const { transport, wrapper } = await setup({ connectionReuse: false });
    const user = userEvent.setup();
    function Harness() {
      const speech = useSpeechSynthesis();
      return (
        <>
          <VoicePicker filter={LOONG} defaultValue="loongriko_v3" previewSpeech={speech} previewText="Sample line." />
          <button type="button" onClick={() => speech.speak('The app reads this.')}>
            App reads
          </button>
          <p>shared: {`${speech.status} / ${speech.text}`}</p>
        </>
      );
    }
    render(<Harness />, { wrapper });
    await waitFor(() => expect(options()).toHaveLength(4));
    await user.click(screen.getByRole('button', { name: 'Preview Riko' }));
    expect(screen.getByRole('button', { name: 'Stop preview of Riko' })).toBeInTheDocument();

    // The app reads another text through the same speech; its connection is held, so it stays underway.
    transport.hold();
    await user.click(screen.getByRole('button', { name: 'App reads' }));
    expect(screen.getByText('shared: connecting / The app reads this.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Preview Riko' })).toHaveAttribute('data-state', 'idle');
    // Clicking it previews (the speech now speaks the sample) instead of stopping the app's reading.
    await user.click(screen.getByRole('button', { name: 'Preview Riko' }));
    expect(screen.getByText('shared: connecting / Sample line.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Stop preview of Riko' })).toBeInTheDocument();
    transport.release();
  });

  it("a preview in another picker stops the first picker's preview, never the app's reading through its shared speech", async () => {
    // Held connections show `connecting`: every utterance asks for its own socket here (no warm one to reuse;
    // a busy machine once let the first preview end and hand its socket to the app's reading).
    const { transport, wrapper } = await setup({ connectionReuse: false });
    const user = userEvent.setup();
    function Harness() {
      const speech = useSpeechSynthesis();
      return (
        <>
          <VoicePicker filter={LOONG} defaultValue="loongriko_v3" previewSpeech={speech} previewText="Sample line." rootProps={{ 'data-testid': 'shared' }} />
          <VoicePicker filter={LOONG} defaultValue="loongkyong_v3" previewText="Sample line." rootProps={{ 'data-testid': 'own' }} />
          <button type="button" onClick={() => speech.speak('The app reads this.')}>
            App reads
          </button>
          <p>shared: {`${speech.status} / ${speech.text}`}</p>
        </>
      );
    }
    render(<Harness />, { wrapper });
    const shared = within(screen.getByTestId('shared'));
    const own = within(screen.getByTestId('own'));
    await waitFor(() => expect(own.getAllByRole('option')).toHaveLength(4));
    await user.click(shared.getByRole('button', { name: 'Preview Riko' }));
    transport.hold();
    await user.click(screen.getByRole('button', { name: 'App reads' }));
    expect(screen.getByText('shared: connecting / The app reads this.')).toBeInTheDocument();
    await user.click(own.getByRole('button', { name: 'Preview loongkyong' }));
    expect(own.getByRole('button', { name: 'Stop preview of loongkyong' })).toBeInTheDocument();
    expect(screen.getByText('shared: connecting / The app reads this.')).toBeInTheDocument();
    transport.release();
  });

  it('forwards ref and DOM props to the listbox, composing onKeyDown (preventDefault skips ours); rootProps go to the wrapper', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const ref = createRef<HTMLDivElement>();
    const root = createRef<HTMLDivElement>();
    const keys: string[] = [];
    render(
      <>
        <h2 id="narrator-heading">Narrator</h2>
        <VoicePicker
          ref={ref}
          filter={LOONG}
          defaultValue="loongriko_v3"
          id="narrator-voices"
          aria-labelledby="narrator-heading"
          className="mine"
          onKeyDown={(event) => {
            keys.push(event.key);
            if (event.key === 'End') event.preventDefault();
          }}
          rootProps={{ ref: root, className: 'outer', 'data-testid': 'picker' }}
        />
        <VoicePicker filter={LOONG} aria-label="Stimme" />
      </>,
      { wrapper },
    );
    const listbox = screen.getByRole('listbox', { name: 'Narrator' });
    expect(ref.current).toBe(listbox);
    expect(listbox).toHaveAttribute('id', 'narrator-voices');
    expect(listbox).toHaveClass('cosyvoice-voice-list', 'mine');
    expect(root.current).toBe(screen.getByTestId('picker'));
    expect(root.current).toHaveClass('cosyvoice-voice-picker', 'outer');
    expect(root.current).not.toHaveClass('mine');
    expect(root.current).toContainElement(listbox);
    expect(screen.getByRole('listbox', { name: 'Stimme' })).toBeInTheDocument();
    await waitFor(() => expect(within(listbox).getAllByRole('option')).toHaveLength(4));
    expect(within(root.current!).getByRole('button', { name: 'Preview Riko' })).toHaveAttribute('aria-controls', 'narrator-voices');

    const active = () => document.getElementById(listbox.getAttribute('aria-activedescendant') ?? '')?.textContent;
    await user.tab();
    expect(listbox).toHaveFocus();
    expect(active()).toMatch(/^Riko/);
    await user.keyboard('{ArrowDown}');
    expect(active()).toMatch(/^loongtomoka/);
    await user.keyboard('{End}'); // prevented by the app's handler
    expect(active()).toMatch(/^loongtomoka/);
    expect(keys).toEqual(['ArrowDown', 'End']);
  });

  it('useVoicePicker gives prop bags for custom markup', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    function Custom() {
      const picker = useVoicePicker({ filter: LOONG });
      return (
        <ul {...picker.listboxProps} aria-label="Stimme">
          {picker.voices.map((voice) => (
            <li key={voice.id} {...picker.getOptionProps(voice)}>
              {voice.name}
            </li>
          ))}
        </ul>
      );
    }
    render(<Custom />, { wrapper });
    const listbox = await screen.findByRole('listbox', { name: 'Stimme' });
    await waitFor(() => expect(options()).toHaveLength(4));
    await user.click(screen.getByRole('option', { name: 'Riko' }));
    expect(screen.getByRole('option', { name: 'Riko' })).toHaveAttribute('aria-selected', 'true');
    expect(listbox).toHaveFocus();
  });
});
