// A private PulseAudio server with one null sink: a real audio device for Firefox on a machine with no
// sound card (Firefox never starts an AudioContext without one), with the real device start-up time
// (0.5–2 s after resume()) that Firefox's mock backend hides. Debian's `pulseaudio`, no system daemon.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A running private PulseAudio: point `PULSE_SERVER` at `server`. */
export interface PulseAudioSink {
  /** `unix:/…/pulse.sock` */
  server: string;
  close(): Promise<void>;
}

/** Starts `pulseaudio` with a null sink on a socket in a fresh temporary directory. */
export async function startPulseAudioSink(): Promise<PulseAudioSink> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cosyvoice-pulse-'));
  const socket = path.join(dir, 'pulse.sock');
  const child: ChildProcess = spawn(
    'pulseaudio',
    ['-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no', '-L', 'module-null-sink sink_name=null', '-L', `module-native-protocol-unix socket=${socket} auth-anonymous=1`],
    { env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, XDG_CONFIG_HOME: dir }, stdio: 'ignore' },
  );
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error('pulseaudio did not start (is Debian\'s pulseaudio installed?)');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { server: `unix:${socket}`, close };
}
