'use client';
// The React entry: hooks (and components) plus everything of the core and the player, so an app
// needs one import path. `cosyvoice-react/core` and `cosyvoice-react/playback` stay importable on
// their own for non-React code.
export * from './core/index';
export * from './playback/index';
export * from './hooks/index';
export * from './components/index';
