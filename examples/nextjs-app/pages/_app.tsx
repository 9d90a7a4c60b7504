import type { AppProps } from 'next/app';
import Head from 'next/head';
import 'cosyvoice-react/styles.css';

export default function App({ Component, pageProps }: AppProps) {
  return (
    <>
      <Head>
        <title>cosyvoice-react on Next.js (Pages Router)</title>
        <link rel="icon" href="/icon.svg" />
      </Head>
      <Component {...pageProps} />
    </>
  );
}
