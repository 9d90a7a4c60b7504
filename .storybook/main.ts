import type { StorybookConfig } from '@storybook/react-vite';
import { sourceAliases } from './aliases.ts';
import { voiceServerPlugin } from './voiceServerPlugin.ts';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-a11y', '@storybook/addon-vitest'],
  framework: { name: '@storybook/react-vite', options: { strictMode: true } },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  typescript: { reactDocgen: 'react-docgen-typescript' },
  async viteFinal(viteConfig) {
    const aliases = Array.isArray(viteConfig.resolve?.alias) ? viteConfig.resolve.alias : Object.entries(viteConfig.resolve?.alias ?? {}).map(([find, replacement]) => ({ find, replacement }));
    viteConfig.resolve = { ...viteConfig.resolve, alias: [...sourceAliases, ...aliases] };
    // The local voice server (or the proxy, with DASHSCOPE_API_KEY) on Storybook's own origin.
    viteConfig.plugins = [...(viteConfig.plugins ?? []), voiceServerPlugin()];
    return viteConfig;
  },
};
export default config;
