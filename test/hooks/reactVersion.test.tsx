import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { describe, expect, it } from 'vitest';

describe('React version under test', () => {
  it('is React 18 in the react18 project and React 19 elsewhere, with a matching react-dom', ({ task }) => {
    const expected = task.file.projectName === 'react18' ? 18 : 19;
    expect(Number(version.split('.')[0])).toBe(expected);
    expect(domVersion).toBe(version);
  });
});
