// Copies files tsup does not build (the optional component stylesheet) into dist/.
import { copyFileSync } from 'node:fs';
copyFileSync(new URL('../src/components/styles.css', import.meta.url), new URL('../dist/styles.css', import.meta.url));
