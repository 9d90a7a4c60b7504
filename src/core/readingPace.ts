/**
 * About how many ms of audio one character of text takes before any audio of a reading has arrived
 * (the estimate of a progress bar's time and the Media Session's position until then): speech at the
 * service's normal rate, about 15 characters a second.
 */
export const DEFAULT_MS_PER_CHARACTER = 65;
