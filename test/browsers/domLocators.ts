// Loaded into the test page by the Firefox and WebKit providers (their `initScripts`). Vitest's
// locators find elements here, in the page, with roles and accessible names computed from the DOM;
// an action then hands the driver a CSS selector for the element it found. The driver never searches
// the accessibility tree: in Firefox, puppeteer's accessibility query (BiDi `locateNodes`) hung the
// content process in some runs, and classic WebDriver has no such query at all.
import {
  Locator,
  convertElementToCssSelector,
  ensureAwaited,
  getByAltTextSelector,
  getByLabelSelector,
  getByPlaceholderSelector,
  getByRoleSelector,
  getByTestIdSelector,
  getByTextSelector,
  getByTitleSelector,
  selectorEngine,
  triggerCommandWithTrace,
} from '@vitest/browser/locators';
import { page, server, type UserEventClickOptions } from 'vitest/browser';
import * as internal from 'vitest/internal/browser';

/** A locator resolved in the page; its actions send the driver the CSS selector of the element found. */
class DomLocator extends Locator {
  constructor(
    protected override _pwSelector: string,
    protected override _container?: Element,
  ) {
    super();
  }

  override get selector(): string {
    const selectors = this.elements().map((element) => convertElementToCssSelector(element));
    if (selectors.length === 0) throw new Error(`No element matches ${this._pwSelector}`);
    return selectors.join(', ');
  }

  override click(options?: UserEventClickOptions): Promise<void> {
    return ensureAwaited(async (error) => {
      const element = await this.findElement(options);
      await triggerCommandWithTrace<void>({ name: '__vitest_click', arguments: [convertElementToCssSelector(element), options], errorSource: error });
    });
  }

  protected override locator(selector: string): Locator {
    return new DomLocator(`${this._pwSelector} >> ${selector}`, this._container);
  }

  protected override elementLocator(element: Element): Locator {
    return new DomLocator(selectorEngine.generateSelectorSimple(element), element);
  }
}

page.extend({
  getByLabelText: (text, options) => new DomLocator(getByLabelSelector(text, options)),
  getByRole: (role, options) => new DomLocator(getByRoleSelector(role, options)),
  getByTestId: (testId) => new DomLocator(getByTestIdSelector(server.config.browser.locators.testIdAttribute, testId)),
  getByAltText: (text, options) => new DomLocator(getByAltTextSelector(text, options)),
  getByPlaceholder: (text, options) => new DomLocator(getByPlaceholderSelector(text, options)),
  getByText: (text, options) => new DomLocator(getByTextSelector(text, options)),
  getByTitle: (title, options) => new DomLocator(getByTitleSelector(title, options)),
  elementLocator: (element: Element) => new DomLocator(selectorEngine.generateSelectorSimple(element)),
});

// Vitest's hook for locators created from a selector (e.g. by `expect.element`); not in its typings.
(internal as unknown as { __INTERNAL: { _createLocator: (selector: string) => Locator } }).__INTERNAL._createLocator = (selector) => new DomLocator(selector);
