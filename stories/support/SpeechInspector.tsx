import type { SpeechState } from 'cosyvoice-react';

/** Shows a speech hook's state: status, metrics and the word timeline (for the hook stories). */
export function SpeechInspector({ speech }: { speech: SpeechState }) {
  const { status, error, metrics, words, activeWordIndex } = speech;
  return (
    <section aria-label="Speech state" style={{ fontFamily: 'system-ui, sans-serif', fontSize: 14 }}>
      <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '2px 12px' }}>
        <dt>Status</dt>
        <dd data-testid="status" data-state={status}>{status}</dd>
        <dt>First package delay</dt>
        <dd data-testid="first-package-delay">{metrics.firstPackageDelayMs === undefined ? '—' : `${metrics.firstPackageDelayMs} ms`}</dd>
        <dt>Time to first audio</dt>
        <dd data-testid="time-to-first-audio">{metrics.timeToFirstAudioMs === undefined ? '—' : `${Math.round(metrics.timeToFirstAudioMs)} ms`}</dd>
        <dt>Socket</dt>
        <dd data-testid="socket">
          {metrics.connectionReused === undefined ? '—' : metrics.connectionReused ? 'reused (warm)' : 'new'}
          {metrics.connectMs === undefined ? '' : `, waited ${metrics.connectMs} ms`}
        </dd>
        <dt>Request id</dt>
        <dd>{metrics.requestId ?? '—'}</dd>
        <dt>Characters billed</dt>
        <dd>{metrics.characters ?? '—'}</dd>
        <dt>Underruns</dt>
        <dd>{metrics.underruns}</dd>
        {error && (
          <>
            <dt>Error</dt>
            <dd role="alert">
              {error.code}: {error.message} {error.retryable ? '(retryable)' : ''}
            </dd>
          </>
        )}
      </dl>
      <table style={{ borderCollapse: 'collapse', marginTop: 8 }}>
        <caption style={{ textAlign: 'left' }}>Timeline ({words.length} words)</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Word</th>
            <th scope="col">Begin (ms)</th>
            <th scope="col">End (ms)</th>
          </tr>
        </thead>
        <tbody>
          {words.map((word, index) => (
            <tr key={index} aria-current={index === activeWordIndex ? 'true' : undefined} style={{ fontWeight: index === activeWordIndex ? 700 : 400, textDecoration: index === activeWordIndex ? 'underline' : 'none' }}>
              <td>{index}</td>
              <td>{word.text}</td>
              <td>{Math.round(word.beginMs)}</td>
              <td>{Math.round(word.endMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
