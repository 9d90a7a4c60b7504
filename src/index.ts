'use client';
// The React entry. Hooks and components are added here as they land; the core is re-exported so an
// app needs one import path.
export * from './core/index';
