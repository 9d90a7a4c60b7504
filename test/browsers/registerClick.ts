import type { BrowserCommandContext, TestProject } from 'vitest/node';

/** What a click command needs from vitest's `userEvent.click` / `tripleClick` options. */
export interface ClickRequest {
  /** The point to click, from the top-left corner of the element's border box; its centre when absent. */
  position?: { x: number; y: number };
  /** 1 for `click`, 3 for `tripleClick`. */
  clickCount: number;
}

type ClickCommand = (context: BrowserCommandContext, selector: string, request: ClickRequest) => Promise<void>;

/**
 * Registers the commands behind `userEvent.click` and `userEvent.tripleClick` (vitest's typings list
 * only its built-in commands).
 */
export function registerClick(project: TestProject, click: ClickCommand): void {
  const register = project.browser!.registerCommand.bind(project.browser) as unknown as (
    name: string,
    command: (context: BrowserCommandContext, selector: string, options?: { position?: { x: number; y: number } }) => Promise<void>,
  ) => void;
  register('__vitest_click', (context, selector, options) => click(context, selector, { position: options?.position, clickCount: 1 }));
  register('__vitest_tripleClick', (context, selector, options) => click(context, selector, { position: options?.position, clickCount: 3 }));
}
