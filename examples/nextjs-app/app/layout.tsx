import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import 'cosyvoice-react/styles.css';

export const metadata: Metadata = { title: 'cosyvoice-react on Next.js', icons: '/icon.svg' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
