/** Frontier's version, as `frontier --version` prints it and reports record it. */
export const VERSION = '0.1.0';
