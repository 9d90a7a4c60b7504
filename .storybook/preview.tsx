import type { Preview } from '@storybook/react-vite';
import '../src/components/styles.css';

const preview: Preview = {
  parameters: {
    // Accessibility violations fail the story's test.
    a11y: { test: 'error' },
    layout: 'padded',
  },
};
export default preview;
