'use client';
// The app's client boundary for speech. A server component cannot create a transport (it holds
// functions and opens sockets in the browser), so it renders this component with plain data, which
// React can send to the browser, and the transport is built here.
import { useMemo, type ReactNode } from 'react';
import { SpeechProvider, proxyTransport, type ProxyTransportOptions, type SynthesisParameters } from 'cosyvoice-react';

export interface SpeechSetupProps extends Partial<SynthesisParameters> {
  /** The app's DashScope-shaped endpoint, as plain data. */
  proxy: Pick<ProxyTransportOptions, 'url' | 'params' | 'httpUrl'>;
  children: ReactNode;
}

export function SpeechSetup({ proxy, children, ...defaults }: SpeechSetupProps) {
  const proxyKey = JSON.stringify(proxy);
  const transport = useMemo(() => proxyTransport(JSON.parse(proxyKey)), [proxyKey]);
  return (
    <SpeechProvider transport={transport} {...defaults}>
      {children}
    </SpeechProvider>
  );
}
