import type { BrowserCommandContext, TestProject } from 'vitest/node';

/** Registers the command behind `userEvent.click` (vitest's typings list only its built-in commands). */
export function registerClick(project: TestProject, click: (context: BrowserCommandContext, selector: string) => Promise<void>): void {
  const register = project.browser!.registerCommand.bind(project.browser) as unknown as (name: string, command: typeof click) => void;
  register('__vitest_click', click);
}
